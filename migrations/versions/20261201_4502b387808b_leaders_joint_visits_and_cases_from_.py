"""Issue 21: joint visits name people from outside the school (contacts.joint_visitors); a
parent's opinion heard at a contact becomes a case (cases.contact_id, one case per contact;
case source 'contact', 家访).

Revision ID: 4502b387808b
Revises: 56c80968e719
Create Date: 2026-12-01 05:31:13.083138

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4502b387808b'
down_revision = '56c80968e719'
branch_labels = None
depends_on = None

OLD_SOURCES = ('mailbox', 'grid', 'reception', 'hotline', 'letter', 'walk_in', 'online')
NEW_SOURCES = OLD_SOURCES + ('contact',)


def _sources(values):
    return "source IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cases_contact_id'), ['contact_id'])
        batch_op.create_foreign_key(batch_op.f('fk_cases_contact_id_contacts'), 'contacts', ['contact_id'], ['id'])
        # The enumeration's CHECK gains the new source (enums are VARCHAR + CHECK: core.models).
        batch_op.drop_constraint(batch_op.f('ck_cases_case_source'), type_='check')
        batch_op.create_check_constraint('case_source', _sources(NEW_SOURCES))

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_visitors', sa.String(length=200), server_default=sa.text("''"), nullable=False))


def downgrade():
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('joint_visitors')

    # Nothing is deleted: a case from a contact stays, as one the school met the parent for.
    op.execute("UPDATE cases SET source = 'walk_in' WHERE source = 'contact'")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_contact_id_contacts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_cases_contact_id'), type_='unique')
        batch_op.drop_column('contact_id')
        batch_op.drop_constraint(batch_op.f('ck_cases_case_source'), type_='check')
        batch_op.create_check_constraint('case_source', _sources(OLD_SOURCES))
