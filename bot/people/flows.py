"""One function per thing a person does about people: opening Kept's Home tab (so it is kept
fresh from then on).
"""

from __future__ import annotations

from datetime import datetime

from bot.people.profiles import ensure_person
from bot.store.db import Sessions


def home_opened(sessions: Sessions, team_id: str, user_id: str, now: datetime) -> None:
    """The person opened Kept's Home tab: from now on, changes keep it fresh."""
    with sessions.begin() as session:
        ensure_person(session, team_id, user_id).home_seen_at = now
