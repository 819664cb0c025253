""" "at most one" rules held by the database (issue 22, item 1): one published reception day per
school and date, one booking per parent and reception day, one case per reception booking

Revision ID: 3b7e51c0d2a9
Revises: 88bcefa428cc
Create Date: 2026-11-30 14:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3b7e51c0d2a9"
down_revision = "88bcefa428cc"
branch_labels = None
depends_on = None

ONE_PER_DAY_WHERE = "guardian_user_id IS NOT NULL AND status IN ('booked', 'waitlisted')"

# Rows that would break a new index: the upgrade stops and names them, rather than choose
# which of a person's rows to cancel.
DUPLICATES = {
    "published reception days of one school on one date": (
        "SELECT school_id, \"on\", count(*) FROM reception_days WHERE status = 'published' "
        'GROUP BY school_id, "on" HAVING count(*) > 1'
    ),
    "active bookings of one parent on one reception day": (
        f"SELECT day_id, guardian_user_id, count(*) FROM reception_bookings "
        f"WHERE {ONE_PER_DAY_WHERE} GROUP BY day_id, guardian_user_id HAVING count(*) > 1"
    ),
    "cases of one reception booking": (
        "SELECT booking_id, count(*) FROM cases WHERE booking_id IS NOT NULL "
        "GROUP BY booking_id HAVING count(*) > 1"
    ),
}


def _check_no_duplicates():
    conn = op.get_bind()
    found = []
    for what, query in DUPLICATES.items():
        rows = conn.execute(sa.text(query)).fetchall()
        if rows:
            found.append(f"{what}: {[tuple(r) for r in rows[:20]]}")
    if found:
        raise RuntimeError(
            "cannot add the unique indexes; resolve these rows first (cancel the extra ones): "
            + "; ".join(found)
        )


def upgrade():
    _check_no_duplicates()
    with op.batch_alter_table("reception_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reception_days_one_published",
            ["school_id", "on"],
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        )
    with op.batch_alter_table("reception_bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reception_bookings_one_per_guardian_day",
            ["day_id", "guardian_user_id"],
            unique=True,
            sqlite_where=sa.text(ONE_PER_DAY_WHERE),
            postgresql_where=sa.text(ONE_PER_DAY_WHERE),
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_booking_id"), ["booking_id"], unique=True)


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_booking_id"))
    with op.batch_alter_table("reception_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_reception_bookings_one_per_guardian_day")
    with op.batch_alter_table("reception_days", schema=None) as batch_op:
        batch_op.drop_index("ix_reception_days_one_published")
