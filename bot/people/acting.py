"""Who is acting on a request, and where and when: the plain values every flow is handed.
Low in the people domain (no database, no Slack), so that any domain can take them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """The person acting, and whether Kept counts them as an admin."""

    user_id: str
    is_admin: bool = False


@dataclass(frozen=True)
class Acting:
    """Who is acting, where and when: what every flow needs to know about the request."""

    team_id: str
    actor: Actor
    tz: str  # the actor's time zone, for the reply
    now: datetime
    sees_home: bool = False  # the actor has opened Kept's Home tab (so it is kept fresh)
    locale: str | None = None  # their Slack locale (numeric dates), when Slack told us

    @property
    def user_id(self) -> str:
        return self.actor.user_id
