"""Previous / Next under a `/promise list` answer: the same list, another page, in place."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.promises.commands import CommandInput
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import button_value, ids_of, later, respond_with
from handlers.commands import run_command


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.action(messages.LIST_PAGE)
    def list_page(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        team_id, user_id = ids_of(body)
        request = CommandInput(
            team_id=team_id,
            user_id=user_id,
            channel_id=(body.get("channel") or {}).get("id"),
            # the button carries what follows `list` ("team page 3"); read-only, so no key
            text=f"list {button_value(body)[:200]}",
            request_key=None,
        )

        def show() -> None:
            reply, _refused = run_command(runtime, request)
            if reply.message is not None:
                respond_with(respond, {**reply.message, "replace_original": True})

        later(pool, show, messages.LIST_PAGE)
