"""App Home: built fresh when the tab opens; refreshed through the outbox after changes."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.people import flows as people
from bot.promises.flows import home_now
from bot.runtime import Runtime
from handlers.after_ack import later


def publish(
    runtime: Runtime, client: WebClient, team_id: str, user_id: str, *, notice: str | None = None
) -> None:
    """Publish this person's tab, with `notice` on top (the answer to a press on the tab)."""
    runtime.warm_person(team_id, user_id)
    view = home_now(
        runtime.readers,
        team_id,
        user_id,
        admins=runtime.settings.admins,
        now=runtime.now(),
        notice=notice,
    )
    client.views_publish(user_id=user_id, view=view)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.event("app_home_opened")
    def home_opened(
        ack: Ack, event: dict[str, Any], body: dict[str, Any], client: WebClient
    ) -> None:
        team_id = body.get("team_id") or (event.get("view") or {}).get("team_id") or ""
        user_id = event.get("user") or ""
        if event.get("tab", "home") != "home" or not user_id:
            ack()
            return
        # from now on, changes keep this person's tab fresh
        people.home_opened(runtime.sessions, team_id, user_id, runtime.now())
        ack()
        later(pool, lambda: publish(runtime, client, team_id, user_id), "publishing App Home")
