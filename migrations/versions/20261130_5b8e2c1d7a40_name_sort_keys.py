"""names in pinyin order: name_key beside users', students' and guardians' names; names and
phones of existing rows in their normal form (issue 22 items 5 and 6)

Revision ID: 5b8e2c1d7a40
Revises: 3b7e51c0d2a9
Create Date: 2026-11-30 14:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2c1d7a40'
down_revision = '3b7e51c0d2a9'
branch_labels = None
depends_on = None

TABLES = {"users": ("phone",), "students": (), "guardians": ("mobile", "other_phone")}


def upgrade():
    from gridapp.core import text

    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('name_key', sa.String(length=255), server_default=sa.text("''"), nullable=False)
            )
    conn = op.get_bind()
    for table, phones in TABLES.items():
        t = sa.table(
            table, sa.column("id"), sa.column("name"), sa.column("name_key"),
            *(sa.column(p) for p in phones),
        )
        rows = conn.execute(sa.select(t.c.id, t.c.name, *(t.c[p] for p in phones))).all()
        for row in rows:
            name = text.normalise_name(row.name)
            values = {"name": name, "name_key": text.name_sort_key(name)}
            values.update({p: text.normalise_phone(getattr(row, p)) for p in phones})
            conn.execute(sa.update(t).where(t.c.id == row.id).values(**values))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('name_key')
