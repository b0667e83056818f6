"""OpenID4VCI: wallet offers of a badge (single-use, short-lived) and the copies issued to holders' keys

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "badge_wallet_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("tx_code_digest", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["badge_award.id"],
            name=op.f("fk_badge_wallet_offer_award_id_badge_award"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_badge_wallet_offer_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_wallet_offer")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_badge_wallet_offer_code_digest")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_badge_wallet_offer_token_digest")),
        sa.UniqueConstraint("uuid", name=op.f("uq_badge_wallet_offer_uuid")),
    )
    with op.batch_alter_table("badge_wallet_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badge_wallet_offer_award_id"), ["award_id"], unique=False)
    op.create_table(
        "badge_wallet_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("holder_did", sa.Text(), nullable=False),
        sa.Column("binding", sa.String(length=10), nullable=False),
        sa.Column("configuration_id", sa.String(length=60), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("proof_nonce", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.CheckConstraint("binding IN ('did:key', 'did:jwk', 'jwk')", name=op.f("ck_badge_wallet_credential_binding")),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["badge_award.id"],
            name=op.f("fk_badge_wallet_credential_award_id_badge_award"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["badge_wallet_offer.id"],
            name=op.f("fk_badge_wallet_credential_offer_id_badge_wallet_offer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_wallet_credential")),
        sa.UniqueConstraint("proof_nonce", name=op.f("uq_badge_wallet_credential_proof_nonce")),
        sa.UniqueConstraint("uuid", name=op.f("uq_badge_wallet_credential_uuid")),
    )
    with op.batch_alter_table("badge_wallet_credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badge_wallet_credential_award_id"), ["award_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_badge_wallet_credential_offer_id"), ["offer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("badge_wallet_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_wallet_credential_offer_id"))
        batch_op.drop_index(batch_op.f("ix_badge_wallet_credential_award_id"))
    op.drop_table("badge_wallet_credential")
    with op.batch_alter_table("badge_wallet_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_wallet_offer_award_id"))
    op.drop_table("badge_wallet_offer")
