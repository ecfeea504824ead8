"""What Slack's requests do to a workspace's state: paused when Kept is uninstalled there (or
its bot token revoked), resumed when a request comes from it again and Kept's token works
there again (bot.workspaces.service has the rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.store.db import Sessions
from bot.workspaces import service


def is_paused(readers: sessionmaker[Session], team_id: str) -> bool:
    with readers() as session:
        return service.is_paused(session, team_id)


def pause(sessions: Sessions, team_id: str, reason: str, now: datetime) -> bool:
    """Deliveries for this workspace wait; True if it was active until now."""
    with sessions.begin() as session:
        return service.pause(session, team_id, reason, now)


def resume(sessions: Sessions, team_id: str, now: datetime) -> bool:
    """Deliver to this workspace again; True if it was paused until now."""
    with sessions.begin() as session:
        return service.resume(session, team_id, now)
