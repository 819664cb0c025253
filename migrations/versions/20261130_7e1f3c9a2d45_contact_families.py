"""contact_families: one record of a group visit or a parents' meeting counts for every family
present (issue 22 #9); every existing contact keeps its one family

Revision ID: 7e1f3c9a2d45
Revises: 5b8d2f4a6c31
Create Date: 2026-11-30 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e1f3c9a2d45'
down_revision = '5b8d2f4a6c31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_families',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_families_contact_id_contacts')),
    sa.ForeignKeyConstraint(['family_id'], ['families.id'], name=op.f('fk_contact_families_family_id_families')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_families')),
    sa.UniqueConstraint('contact_id', 'family_id', name=op.f('uq_contact_families_contact_id_family_id'))
    )
    with op.batch_alter_table('contact_families', schema=None) as batch_op:
        batch_op.create_index('ix_contact_families_family', ['family_id', 'contact_id'], unique=False)
    # Every contact so far was with one family.
    op.execute(
        "INSERT INTO contact_families (contact_id, family_id) "
        "SELECT id, family_id FROM contacts ORDER BY id"
    )


def downgrade():
    with op.batch_alter_table('contact_families', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_families_family')
    op.drop_table('contact_families')
