"""cohort: facts_version, changed with every fact its trainees' eligibility is computed from (memo key)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:45:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts_version', sa.BigInteger(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('facts_version')
