"""Pausing a workspace when Slack says Kept was uninstalled there (or its bot token revoked),
and resuming it when Slack sends a request from that workspace again.

While paused, the scheduler claims none of the workspace's deliveries: they stay `pending`
(kept, not dropped) and go out, late, once the workspace is active again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.store.models import Workspace, WorkspaceState


def paused_teams() -> Select[tuple[str]]:
    """The team ids of paused workspaces, as a subquery for the scheduler's claim."""
    return select(Workspace.team_id).where(Workspace.state == WorkspaceState.PAUSED)


def is_paused(session: Session, team_id: str) -> bool:
    workspace = session.get(Workspace, team_id)
    return workspace is not None and workspace.state == WorkspaceState.PAUSED


def _set(
    session: Session, team_id: str, state: WorkspaceState, reason: str | None, now: datetime
) -> bool:
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        if state is WorkspaceState.ACTIVE:
            return False
        session.add(Workspace(team_id=team_id, state=state, reason=reason, changed_at=now))
        return True
    if workspace.state == state:
        return False
    workspace.state, workspace.reason, workspace.changed_at = state, reason, now
    return True


def pause(session: Session, team_id: str, reason: str, now: datetime) -> bool:
    """Pause deliveries for this workspace; True if it was active until now."""
    return _set(session, team_id, WorkspaceState.PAUSED, reason[:64], now)


def resume(session: Session, team_id: str, now: datetime) -> bool:
    """Deliver to this workspace again; True if it was paused until now."""
    return _set(session, team_id, WorkspaceState.ACTIVE, None, now)
