"""class placements (issue 15 item 6): a student's classes over time, one open placement per
student; back-filled with one placement per existing student from 1 September of the enrolment
year (or today, if that is later) in the student's class, ended at the last status change for a
student who is no longer at school (on the first day for one without a recorded change, so that
the figures stay as they were)

Revision ID: 4b7c1e9d2a60
Revises: a285d893208d
Create Date: 2026-11-30 17:30:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b7c1e9d2a60'
down_revision = 'a285d893208d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('class_placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('from_on', sa.Date(), nullable=False),
    sa.Column('to_on', sa.Date(), nullable=True),
    sa.CheckConstraint('to_on IS NULL OR to_on >= from_on', name=op.f('ck_class_placements_dates_in_order')),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_class_placements_class_id_school_classes')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_class_placements_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_placements'))
    )
    with op.batch_alter_table('class_placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_placements_class_id'), ['class_id'], unique=False)
        batch_op.create_index('ix_class_placements_one_open', ['student_id'], unique=True, sqlite_where=sa.text('to_on IS NULL'), postgresql_where=sa.text('to_on IS NULL'))
        batch_op.create_index('ix_class_placements_student_dates', ['student_id', 'from_on'], unique=False)

    with op.batch_alter_table('student_status_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_student_status_changes_placement_id_class_placements'), 'class_placements', ['placement_id'], ['id'])

    _back_fill()


def _back_fill():
    conn = op.get_bind()
    today = date.today()
    last_change = {}
    for student_id, on in conn.execute(sa.text(
        "SELECT student_id, \"on\" FROM student_status_changes WHERE undone_at IS NULL "
        "ORDER BY \"on\", id"
    )):
        last_change[student_id] = on if isinstance(on, date) else date.fromisoformat(str(on))
    placements = sa.table(
        'class_placements',
        sa.column('student_id', sa.Integer), sa.column('class_id', sa.Integer),
        sa.column('from_on', sa.Date), sa.column('to_on', sa.Date),
    )
    rows = []
    for student_id, class_id, year, status in conn.execute(sa.text(
        "SELECT id, class_id, enrolment_year, status FROM students ORDER BY id"
    )):
        try:
            start = min(date(int(year), 9, 1), today)
        except (TypeError, ValueError):
            start = today
        end = None
        if status != 'active':
            end = max(last_change.get(student_id, start), start)
        rows.append({'student_id': student_id, 'class_id': class_id, 'from_on': start, 'to_on': end})
    if rows:
        op.bulk_insert(placements, rows)


def downgrade():
    with op.batch_alter_table('student_status_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_student_status_changes_placement_id_class_placements'), type_='foreignkey')
        batch_op.drop_column('placement_id')

    with op.batch_alter_table('class_placements', schema=None) as batch_op:
        batch_op.drop_index('ix_class_placements_student_dates')
        batch_op.drop_index('ix_class_placements_one_open', sqlite_where=sa.text('to_on IS NULL'), postgresql_where=sa.text('to_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_class_placements_class_id'))

    op.drop_table('class_placements')
