"""background work once (issue 22, item 2): a notice's key, unique per user, and the periodic
runs, one per task and period

Revision ID: 9d4f2a6b8c13
Revises: 7e1f3c9a2d45
Create Date: 2026-11-30 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4f2a6b8c13'
down_revision = '7e1f3c9a2d45'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('periodic_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('period', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periodic_runs')),
    sa.UniqueConstraint('task', 'period', name=op.f('uq_periodic_runs_task_period'))
    )
    # Existing notices have no key (NULL): none of them is compared.
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_notices_user_id_key'), ['user_id', 'key'])


def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notices_user_id_key'), type_='unique')
        batch_op.drop_column('key')
    op.drop_table('periodic_runs')
