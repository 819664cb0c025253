"""The seeds' own words (issue 21 item 7): a door visit records that the drowning-prevention
letter reached the family (seed 000 三.4), a parent's evaluation rates the teachers' conduct
and ethics (师德师风, seed 000 三.5), and a school publishes its hotline and staffed hours
(校长热线, seed 004 §15). Existing rows: no letter recorded, no conduct rating, no hotline.

Revision ID: 58b8040a70e9
Revises: 7c3e5a9d1f42
Create Date: 2026-12-01 08:12:01.403561

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '58b8040a70e9'
down_revision = '7c3e5a9d1f42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conduct_rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('conduct_opinion', sa.Text(), server_default=sa.text("''"), nullable=False))
        batch_op.create_check_constraint('conduct_rating_1_to_5', 'conduct_rating between 1 and 5')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drowning_letter_delivered', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hotline_phone', sa.String(length=40), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('hotline_hours', sa.String(length=100), server_default=sa.text("''"), nullable=False))


def downgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('hotline_hours')
        batch_op.drop_column('hotline_phone')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('drowning_letter_delivered')

    with op.batch_alter_table('contact_evaluations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contact_evaluations_conduct_rating_1_to_5'), type_='check')
        batch_op.drop_column('conduct_opinion')
        batch_op.drop_column('conduct_rating')
