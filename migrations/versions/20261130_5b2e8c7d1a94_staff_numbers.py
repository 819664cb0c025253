"""staff numbers (issue 15 item 5): a staff user's number (工号) at a school, unique per school
both ways, for the staff import

Revision ID: 5b2e8c7d1a94
Revises: 77c9bc001997
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b2e8c7d1a94'
down_revision = '77c9bc001997'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('staff_number', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_staff_members_school_id_schools')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_members')),
    sa.UniqueConstraint('school_id', 'staff_number', name=op.f('uq_staff_members_school_id_staff_number')),
    sa.UniqueConstraint('school_id', 'user_id', name=op.f('uq_staff_members_school_id_user_id'))
    )
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_members_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_members_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_members_school_id'))
    op.drop_table('staff_members')
