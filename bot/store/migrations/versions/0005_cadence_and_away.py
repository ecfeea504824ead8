"""cadence promises and away periods

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("promises", sa.Column("rhythm_kind", sa.String(length=16), nullable=True))
    op.add_column("promises", sa.Column("rhythm_every", sa.Integer(), nullable=True))
    op.add_column(
        "promises", sa.Column("series_ends_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("promises", sa.Column("series_end_event", sa.String(length=255), nullable=True))
    op.create_table(
        "away_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cover_id", sa.String(length=32), nullable=True),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_away_periods_user", "away_periods", ["team_id", "user_id", "starts_at"], unique=False
    )
    # a return summary's away period (typed, instead of packing it into recipient_id)
    op.add_column("deliveries", sa.Column("away_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "away_id")
    op.drop_index("ix_away_periods_user", table_name="away_periods")
    op.drop_table("away_periods")
    op.drop_column("promises", "series_end_event")
    op.drop_column("promises", "series_ends_at")
    op.drop_column("promises", "rhythm_every")
    op.drop_column("promises", "rhythm_kind")
