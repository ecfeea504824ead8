"""Watched channels, their changes, suggestions shown and per-person opt-outs (SPEC §2.5)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watched_channels",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("watching", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("other_team_id", sa.String(length=32), nullable=True),
        sa.Column("other_org", sa.String(length=255), nullable=True),
        sa.Column("answer_days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
    )
    op.create_table(
        "watch_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("watching", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "suggestions",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "fingerprint"),
    )
    op.create_index(
        "ix_suggestions_user", "suggestions", ["team_id", "user_id", "shown_at"], unique=False
    )
    op.create_table(
        "suggestion_opt_outs",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )
    op.add_column("deliveries", sa.Column("watch_change_id", sa.Integer(), nullable=True))
    op.add_column("deliveries", sa.Column("promise_event_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "promise_event_id")
    op.drop_column("deliveries", "watch_change_id")
    op.drop_table("suggestion_opt_outs")
    op.drop_index("ix_suggestions_user", table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_table("watch_changes")
    op.drop_table("watched_channels")
