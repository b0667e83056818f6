"""backpack: the holder's own OB 3.0 backpack (connection, encrypted tokens) and the badges sent to it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 19:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "backpack_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("api_url", sa.String(length=500), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=False),
        sa.Column("revocation_url", sa.String(length=500), nullable=True),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("client_secret_sealed", sa.Text(), nullable=True),
        sa.Column("token_sealed", sa.Text(), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_backpack_connection_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backpack_connection")),
        sa.UniqueConstraint("user_id", name=op.f("uq_backpack_connection_user_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_backpack_connection_uuid")),
    )
    op.create_table(
        "backpack_push",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("problem", sa.String(length=40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_backpack_push_status")),
        sa.ForeignKeyConstraint(
            ["award_id"], ["badge_award.id"], name=op.f("fk_backpack_push_award_id_badge_award"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["backpack_connection.id"],
            name=op.f("fk_backpack_push_connection_id_backpack_connection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backpack_push")),
        sa.UniqueConstraint("connection_id", "award_id", name=op.f("uq_backpack_push_connection_id_award_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_backpack_push_uuid")),
    )
    with op.batch_alter_table("backpack_push", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backpack_push_award_id"), ["award_id"], unique=False)


def downgrade():
    with op.batch_alter_table("backpack_push", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backpack_push_award_id"))
    op.drop_table("backpack_push")
    op.drop_table("backpack_connection")
