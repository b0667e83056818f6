"""Dutch (nl) as a third language: a person's preference and a consent's wording may be in Dutch

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:30:00.000000
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

_TABLES = ('user_account', 'consent_record')


def upgrade():
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_language'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_language'), "language IN ('fr', 'en', 'nl')")


def downgrade():
    for table in _TABLES:
        op.execute(f"UPDATE {table} SET language = 'fr' WHERE language = 'nl'")  # noqa: S608 - fixed table names
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_language'), type_='check')
            batch_op.create_check_constraint(op.f(f'ck_{table}_language'), "language IN ('fr', 'en')")
