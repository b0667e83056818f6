"""obapi: OAuth 2.0 clients, grants, authorization codes and tokens (hashed) of the Open Badges 3.0 API

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "obapi_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=True),
        sa.Column("client_metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obapi_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_obapi_client_client_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_obapi_client_uuid")),
    )
    op.create_table(
        "obapi_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"], ["obapi_client.id"], name=op.f("fk_obapi_grant_client_id_obapi_client"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_obapi_grant_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obapi_grant")),
        sa.UniqueConstraint("uuid", name=op.f("uq_obapi_grant_uuid")),
    )
    with op.batch_alter_table("obapi_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obapi_grant_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_obapi_grant_user_id"), ["user_id"], unique=False)
    op.create_table(
        "obapi_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["obapi_grant.id"], name=op.f("fk_obapi_code_grant_id_obapi_grant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obapi_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_obapi_code_code_hash")),
    )
    with op.batch_alter_table("obapi_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obapi_code_grant_id"), ["grant_id"], unique=False)
    op.create_table(
        "obapi_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_in", sa.Integer(), nullable=False),
        sa.Column("access_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["obapi_grant.id"], name=op.f("fk_obapi_token_grant_id_obapi_grant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obapi_token")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_obapi_token_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_obapi_token_refresh_token_hash")),
    )
    with op.batch_alter_table("obapi_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_obapi_token_grant_id"), ["grant_id"], unique=False)


def downgrade():
    op.drop_table("obapi_token")
    op.drop_table("obapi_code")
    op.drop_table("obapi_grant")
    op.drop_table("obapi_client")
