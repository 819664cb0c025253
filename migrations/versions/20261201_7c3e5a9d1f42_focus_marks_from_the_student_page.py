"""Focus students marked anywhere (issue 21 item 5): seed 000's "思想和学业重大变化" becomes a
focus category (the CHECKs of student_focus.category and grid_logs.focus_category gain
'thinking_or_study_change'); a mark from the student page keeps its reason, its end's reason and
who ended it (student_focus.reason, end_reason, ended_by_id).

Revision ID: 7c3e5a9d1f42
Revises: ff35da57b815
Create Date: 2026-12-01 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e5a9d1f42'
down_revision = 'ff35da57b815'
branch_labels = None
depends_on = None

OLD_CATEGORIES = (
    'left_behind', 'single_parent', 'migrant', 'disability', 'hardship', 'learning',
    'psychological', 'behaviour', 'dropout', 'major_change',
)
NEW_CATEGORIES = OLD_CATEGORIES + ('thinking_or_study_change',)


def _categories(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    # Enums are VARCHAR + CHECK (core.models.enum_column): the CHECK is rebuilt with the new value.
    with op.batch_alter_table('student_focus', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_student_focus_ended_by_id_users'), 'users', ['ended_by_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_student_focus_focus_category'), type_='check')
        batch_op.create_check_constraint('focus_category', _categories('category', NEW_CATEGORIES))

    with op.batch_alter_table('grid_logs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_grid_logs_focus_category'), type_='check')
        batch_op.create_check_constraint('focus_category', _categories('focus_category', NEW_CATEGORIES))


def downgrade():
    # Nothing is deleted: a mark of the new category becomes the nearest old one, 近期重大变故
    # (major_change). Where the student also holds an open major_change, the open mark of the new
    # category is ended on its own first day first (one open mark per category:
    # ix_student_focus_one_open).
    op.execute(
        "UPDATE student_focus SET ended_on = since_on "
        "WHERE category = 'thinking_or_study_change' AND ended_on IS NULL AND EXISTS ("
        "SELECT 1 FROM student_focus other WHERE other.student_id = student_focus.student_id "
        "AND other.category = 'major_change' AND other.ended_on IS NULL)"
    )
    op.execute(
        "UPDATE student_focus SET category = 'major_change' "
        "WHERE category = 'thinking_or_study_change'"
    )
    op.execute(
        "UPDATE grid_logs SET focus_category = 'major_change' "
        "WHERE focus_category = 'thinking_or_study_change'"
    )
    with op.batch_alter_table('grid_logs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_grid_logs_focus_category'), type_='check')
        batch_op.create_check_constraint('focus_category', _categories('focus_category', OLD_CATEGORIES))

    with op.batch_alter_table('student_focus', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_student_focus_focus_category'), type_='check')
        batch_op.create_check_constraint('focus_category', _categories('category', OLD_CATEGORIES))
        batch_op.drop_constraint(batch_op.f('fk_student_focus_ended_by_id_users'), type_='foreignkey')
        batch_op.drop_column('ended_by_id')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('reason')
