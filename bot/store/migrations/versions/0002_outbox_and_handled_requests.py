"""outbox columns on deliveries, and handled requests (idempotency keys)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("actor_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("about_id", sa.String(length=32), nullable=True))
    # hand-overs packed "new owner|gone owner" into recipient_id: split it into typed columns
    op.execute(
        "UPDATE deliveries SET about_id = substr(recipient_id, instr(recipient_id, '|') + 1), "
        "recipient_id = substr(recipient_id, 1, instr(recipient_id, '|') - 1) "
        "WHERE step = 'handover' AND recipient_id LIKE '%|%'"
        if op.get_bind().dialect.name == "sqlite"
        else "UPDATE deliveries SET about_id = split_part(recipient_id, '|', 2), "
        "recipient_id = split_part(recipient_id, '|', 1) "
        "WHERE step = 'handover' AND recipient_id LIKE '%|%'"
    )
    op.create_table(
        "handled_requests",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "key"),
    )
    op.create_index("ix_handled_requests_created", "handled_requests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_requests_created", table_name="handled_requests")
    op.drop_table("handled_requests")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("about_id")
        batch.drop_column("actor_id")
