"""jobs: retries with backoff (max_attempts, run_after) and dead jobs; outbox messages: a state claimed like a job's

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_JOB_STATUS = "status IN ('queued', 'running', 'done', 'failed')"
NEW_JOB_STATUS = "status IN ('queued', 'running', 'done', 'failed', 'dead')"


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_attempts', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('run_after', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_job_status'), type_='check')
        batch_op.create_check_constraint('status', NEW_JOB_STATUS)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=10), server_default='queued', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    # Messages from before: sent ones are sent; one whose single try failed stays failed (it was never retried).
    outbox = sa.table('outbox_message', sa.column('state', sa.String), sa.column('sent_at'), sa.column('error'))
    op.execute(outbox.update().where(outbox.c.sent_at.is_not(None)).values(state='sent'))
    op.execute(outbox.update().where(outbox.c.sent_at.is_(None), outbox.c.error.is_not(None)).values(state='failed'))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_check_constraint('state', "state IN ('queued', 'sending', 'sent', 'failed')")


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_message_state'), type_='check')
        batch_op.drop_column('attempts')
        batch_op.drop_column('state')

    job = sa.table('job', sa.column('status', sa.String))
    op.execute(job.update().where(job.c.status == 'dead').values(status='failed'))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_status'), type_='check')
        batch_op.create_check_constraint('status', OLD_JOB_STATUS)
        batch_op.drop_column('run_after')
        batch_op.drop_column('max_attempts')
