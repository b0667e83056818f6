"""alignments to external frameworks (module, competency), evidence kinds of an achievement, endorsements

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("module", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alignments", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("competency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alignments", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("badge_achievement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.JSON(), server_default="[]", nullable=False))
    op.create_table(
        "badge_endorsement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("partner_name", sa.String(length=200), nullable=False),
        sa.Column("partner_url", sa.String(length=300), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["badge_achievement.id"],
            name=op.f("fk_badge_endorsement_achievement_id_badge_achievement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_badge_endorsement_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_endorsement")),
        sa.UniqueConstraint("uuid", name=op.f("uq_badge_endorsement_uuid")),
    )
    with op.batch_alter_table("badge_endorsement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_badge_endorsement_achievement_id"), ["achievement_id"], unique=False)


def downgrade():
    with op.batch_alter_table("badge_endorsement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_badge_endorsement_achievement_id"))
    op.drop_table("badge_endorsement")
    with op.batch_alter_table("badge_achievement", schema=None) as batch_op:
        batch_op.drop_column("evidence")
    with op.batch_alter_table("competency", schema=None) as batch_op:
        batch_op.drop_column("alignments")
    with op.batch_alter_table("module", schema=None) as batch_op:
        batch_op.drop_column("alignments")
