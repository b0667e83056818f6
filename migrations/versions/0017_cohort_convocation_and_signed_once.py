"""cohort: its own convocation details (what to bring, contact, disability referent); a trainee signs a session
once (unique session and enrolment on attendance_signature)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 18:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(sa.Column("what_to_bring", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("convocation_contact", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("accessibility_referent", sa.String(length=200), nullable=True))
    with op.batch_alter_table("attendance_signature", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_attendance_signature_session_id_enrolment_id"), ["session_id", "enrolment_id"]
        )


def downgrade():
    with op.batch_alter_table("attendance_signature", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_attendance_signature_session_id_enrolment_id"), type_="unique")
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_column("accessibility_referent")
        batch_op.drop_column("convocation_contact")
        batch_op.drop_column("what_to_bring")
