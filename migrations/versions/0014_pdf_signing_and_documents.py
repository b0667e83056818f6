"""PDF signing certificate of the training body (PAdES) and the programme's document settings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pdf_signing_certificate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('certificate_pem', sa.Text(), nullable=False),
        sa.Column('private_key_encrypted', sa.Text(), nullable=False),
        sa.Column('not_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('uuid', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pdf_signing_certificate')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_pdf_signing_certificate_fingerprint')),
        sa.UniqueConstraint('uuid', name=op.f('uq_pdf_signing_certificate_uuid')),
    )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('documents', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('documents')
    op.drop_table('pdf_signing_certificate')
