"""schools: which semester a contact in a holiday counts for (issue 22 #9)

Revision ID: 5b8d2f4a6c31
Revises: 3a7c1e5d9b20
Create Date: 2026-11-30 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8d2f4a6c31'
down_revision = '3a7c1e5d9b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_counts_for', sa.Enum('next', 'previous', name='break_counts_for', native_enum=False, create_constraint=True, length=32), server_default='next', nullable=False))


def downgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('break_counts_for')
