"""App Home: published when the tab opens and whenever something of yours changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from slack_bolt import App
from sqlalchemy import select

from bot.people.profiles import actor_for, ensure_person
from bot.reports.home import home_data
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.store.models import Person
from handlers.replies import acked

log = logging.getLogger("kept.handlers")


def publish_home(
    runtime: Runtime, team_id: str, user_ids: Iterable[str], *, notice: str | None = None
) -> None:
    """Publish the home tab of these people, with `notice` on top (the answer to a button
    pressed on the tab); failures are logged, never raised."""
    for user_id in dict.fromkeys(u for u in user_ids if u):
        try:
            runtime.warm_person(team_id, user_id)
            now = runtime.now()
            with runtime.readers() as session:
                actor, tz = actor_for(
                    session, team_id, user_id, fetch=None, admins=runtime.settings.admins, now=now
                )
                view = blocks.home_view(
                    home_data(session, team_id, user_id, tz=tz, is_admin=actor.is_admin, now=now),
                    notice=notice,
                )
            runtime.client.views_publish(user_id=user_id, view=view)
        except Exception:  # noqa: BLE001 - the home tab is a convenience
            log.warning("could not publish App Home for %s", user_id, exc_info=True)


_lock = threading.Lock()
_running: set[tuple[int, str, str]] = set()
_dirty: set[tuple[int, str, str]] = set()


def refresh_home(runtime: Runtime, team_id: str, user_ids: Iterable[str]) -> None:
    """Publish these people's home tabs after a change, coalescing bursts: while a person's
    tab is being built, further requests only mark it for one more build afterwards."""
    wanted = [u for u in dict.fromkeys(user_ids) if u]
    if not wanted:
        return
    with runtime.readers() as session:  # a tab never opened is built fresh when it opens
        seen = set(
            session.scalars(
                select(Person.user_id).where(
                    Person.team_id == team_id,
                    Person.user_id.in_(wanted),
                    Person.home_seen_at.is_not(None),
                )
            )
        )
    for user_id in (u for u in wanted if u in seen):
        key = (id(runtime), team_id, user_id)
        with _lock:
            if key in _running:
                _dirty.add(key)
                continue
            _running.add(key)
        while True:
            publish_home(runtime, team_id, [user_id])
            with _lock:
                if key in _dirty:
                    _dirty.discard(key)
                    continue
                _running.discard(key)
                break


def register(app: App, runtime: Runtime) -> None:
    @acked(app.event("app_home_opened"))
    def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        team_id = body.get("team_id") or (event.get("view") or {}).get("team_id") or ""
        user_id = event.get("user") or ""
        if not user_id:
            return
        with runtime.sessions.begin() as session:
            ensure_person(session, team_id, user_id).home_seen_at = runtime.now()
        publish_home(runtime, team_id, [user_id])
