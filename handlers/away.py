"""The App Home's "I'm back" button: an away ends early (like `/promise back`).

Committed once (by action id, action_ts and user) before the acknowledgement; the tab is
republished through the outbox, and the return summary is its own delivery row.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.once import action_key
from bot.promises import cadence_flows
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import Presser, carry_out, ids_of, later, respond_with


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.action(messages.BACK)
    def back(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id, user_id = ids_of(body)
        action = (body.get("actions") or [{}])[0]
        key = action_key(messages.BACK, action.get("action_ts"), user_id)
        outcome = carry_out(
            runtime,
            team_id,
            user_id,
            key,
            lambda session, who: cadence_flows.back(session, who),
            messages.BACK,
        )
        ack()
        message = outcome.reply.message
        if outcome.refused and message is not None:
            presser = Presser(runtime, client, body)
            later(pool, lambda: respond_with(respond, message, presser), messages.BACK)
