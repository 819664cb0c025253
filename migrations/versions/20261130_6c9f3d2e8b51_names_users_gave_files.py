"""the names users gave their files: letter attachments and contact photos (issue 22 item 8)

Revision ID: 6c9f3d2e8b51
Revises: 5b8e2c1d7a40
Create Date: 2026-11-30 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c9f3d2e8b51'
down_revision = '5b8e2c1d7a40'
branch_labels = None
depends_on = None


def upgrade():
    # Files stored before keep "" (their names were never kept): shown as 附件 1（PDF）.
    for table in ("letter_attachments", "contact_photos"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('name', sa.String(length=120), server_default=sa.text("''"), nullable=False)
            )


def downgrade():
    for table in ("letter_attachments", "contact_photos"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('name')
