"""Mailbox captchas drawn from a signed token (issue 20 item 6): showing one stores nothing;
only an answered challenge is kept, as the SHA-256 of its token, for its hour. The table of
shown challenges goes (its rows were at most an hour's unanswered pictures).

Revision ID: 3b7e1c2d9a40
Revises: da79a0518f88
Create Date: 2026-12-01 09:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '3b7e1c2d9a40'
down_revision = 'da79a0518f88'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('captcha_spent',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('spent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_captcha_spent'))
    )
    with op.batch_alter_table('captcha_spent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captcha_spent_spent_at'), ['spent_at'], unique=False)
    with op.batch_alter_table('captcha_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captcha_challenges_created_at'))
    op.drop_table('captcha_challenges')


def downgrade():
    op.create_table('captcha_challenges',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('answer', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_captcha_challenges'))
    )
    with op.batch_alter_table('captcha_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captcha_challenges_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('captcha_spent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captcha_spent_spent_at'))
    op.drop_table('captcha_spent')
