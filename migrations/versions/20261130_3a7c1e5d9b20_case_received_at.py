"""cases: when the opinion was received, who called, how the deadline was counted (issue 22 #3)

Revision ID: 3a7c1e5d9b20
Revises: 6c9f3d2e8b51
Create Date: 2026-11-30 14:20:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '3a7c1e5d9b20'
down_revision = '6c9f3d2e8b51'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('received_time_known', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('caller_name', sa.String(length=40), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('caller_phone', sa.String(length=20), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('due_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_workdays', sa.Integer(), nullable=True))
    # Existing cases: a mailbox case was received when its letter was stored; any other when it
    # was created (staff could not say otherwise until now).
    op.execute(
        "UPDATE cases SET received_at = COALESCE("
        "(SELECT letters.created_at FROM letters WHERE letters.case_id = cases.id), created_at)"
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('received_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_cases_received_at'), ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_received_at'))
        batch_op.drop_column('due_workdays')
        batch_op.drop_column('due_from')
        batch_op.drop_column('caller_phone')
        batch_op.drop_column('caller_name')
        batch_op.drop_column('received_time_known')
        batch_op.drop_column('received_at')
