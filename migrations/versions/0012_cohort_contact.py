"""cohort: the named contact person trainees turn to (the cohort's coordinator)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_cohort_contact_id_user_account'), 'user_account', ['contact_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cohort_contact_id_user_account'), type_='foreignkey')
        batch_op.drop_column('contact_id')
