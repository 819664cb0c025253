"""outbox and activation codes (issue 15 item 7): messages to people by SMS and email, sent and
retried in the background; one open activation code per guardian, kept as its hash

Revision ID: 77c9bc001997
Revises: cbd1d56662f8
Create Date: 2026-11-30 16:52:57

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '77c9bc001997'
down_revision = 'cbd1d56662f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='outbox_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('secret', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outbox_messages_created_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_outbox_messages_school_id_schools')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_user_id'), ['user_id'], unique=False)

    op.create_table('activation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_activation_codes_guardian_id_guardians')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_activation_codes_issued_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_activation_codes_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_activation_codes_code_hash')),
    sa.UniqueConstraint('guardian_id', name=op.f('uq_activation_codes_guardian_id'))
    )
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_codes_school_id'), ['school_id'], unique=False)



def downgrade():
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_codes_school_id'))

    op.drop_table('activation_codes')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_school_id'))
        batch_op.drop_index('ix_outbox_messages_due')

    op.drop_table('outbox_messages')
