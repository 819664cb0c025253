"""activation letters in the background (issue 15 item 7): a class's letters job (progress,
file kept 24 hours, plain codes only until rendered); a code remembers the letters job that
prints it, so a sibling's letter in another class is not reissued

Revision ID: a285d893208d
Revises: 5b2e8c7d1a94
Create Date: 2026-11-30 18:23:46.908570

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a285d893208d'
down_revision = '5b2e8c7d1a94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activation_letter_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('codes', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('file', sa.String(length=80), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_activation_letter_jobs_class_id_school_classes')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_activation_letter_jobs_requester_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_activation_letter_jobs_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_letter_jobs'))
    )
    with op.batch_alter_table('activation_letter_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_letter_jobs_class_id'), ['class_id'], unique=False)

    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letter_job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_activation_codes_letter_job_id_activation_letter_jobs'), 'activation_letter_jobs', ['letter_job_id'], ['id'])



def downgrade():
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activation_codes_letter_job_id_activation_letter_jobs'), type_='foreignkey')
        batch_op.drop_column('letter_job_id')

    with op.batch_alter_table('activation_letter_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_letter_jobs_class_id'))

    op.drop_table('activation_letter_jobs')
