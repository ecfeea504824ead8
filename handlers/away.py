"""The App Home's "I'm back" button: an away ends early (like `/promise back`)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.people.away import end_away
from bot.promises.commands import Reply
from bot.runtime import Runtime
from bot.slack import messages as blocks
from handlers.actions import action_context
from handlers.replies import acked, carry_out, safely


def register(app: App, runtime: Runtime) -> None:
    @acked(app.action(blocks.BACK))
    def back(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id, user_id, _value = action_context(body)

        def work() -> Reply:
            with runtime.sessions.begin() as session:
                away = end_away(session, team_id=team_id, user_id=user_id, now=runtime.now())
            if away is None:
                return Reply(blocks.text_message("You aren't away in Kept; nothing changed."))
            return Reply(blocks.away_ended(user_id, own=True), home_for=(team_id, [user_id]))

        carry_out(
            safely(work, blocks.BACK),
            respond=respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            runtime=runtime,
        )
