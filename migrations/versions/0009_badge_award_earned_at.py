"""badge award: the day the badge was earned, kept across re-issues

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00

``issued_at`` stays the day each copy was signed; ``earned_at`` is the day the badge was earned. Existing rows get
their ``issued_at``, then each re-issued copy (``superseded_by_id`` chains, old -> new) gets the ``earned_at`` of
the first copy of its chain. Documents already signed are not changed (they are what holders carry).
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_award = sa.table(
    'badge_award',
    sa.column('id', sa.Integer()),
    sa.column('superseded_by_id', sa.Integer()),
    sa.column('issued_at', sa.DateTime(timezone=True)),
    sa.column('earned_at', sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table('badge_award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('earned_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(_award.update().values(earned_at=_award.c.issued_at))
    bind = op.get_bind()
    rows = bind.execute(sa.select(_award.c.id, _award.c.superseded_by_id, _award.c.issued_at)).all()
    issued = {row.id: row.issued_at for row in rows}
    successor = {row.id: row.superseded_by_id for row in rows if row.superseded_by_id in issued}
    heads = set(issued) - set(successor.values())
    for head in sorted(heads):
        seen, current = {head}, successor.get(head)
        while current is not None and current not in seen:
            bind.execute(_award.update().where(_award.c.id == current).values(earned_at=issued[head]))
            seen.add(current)
            current = successor.get(current)
    with op.batch_alter_table('badge_award', schema=None) as batch_op:
        batch_op.alter_column('earned_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('badge_award', schema=None) as batch_op:
        batch_op.drop_column('earned_at')
