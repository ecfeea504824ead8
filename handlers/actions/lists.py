"""Paging through open promises: Previous / Next under a `/promise list` answer (the same
list, another page, in place) and "Show all" on the Home tab (the list in a modal, paged)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.promises.commands import CommandInput
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import button_value, ids_of, later, log, open_view, respond_with
from handlers.run import run_command


def _list(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    """The list the button asks for (what follows `list`: "team page 3"), as its presser may
    see it; read-only, so no request key."""
    team_id, user_id = ids_of(body)
    request = CommandInput(
        team_id=team_id,
        user_id=user_id,
        channel_id=(body.get("channel") or {}).get("id"),
        text=f"list {button_value(body)[:200]}".strip(),
        request_key=None,
    )
    reply, _refused = run_command(runtime, request)
    return reply.message or messages.text_message("Nothing to show.")


def _in_modal(body: dict[str, Any]) -> str | None:
    """The id of the modal the button was pressed in, if it was."""
    view = body.get("view") or {}
    return view.get("id") if view.get("type") == "modal" else None


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.action(messages.LIST_PAGE)
    def list_page(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        modal = _in_modal(body)

        def show() -> None:
            message = _list(runtime, body)
            if modal is None:
                respond_with(respond, {**message, "replace_original": True})
                return
            try:
                client.views_update(view_id=modal, view=messages.list_view(message))
            except Exception:  # noqa: BLE001 - the modal was closed meanwhile
                log.warning("could not turn the page of %s", modal, exc_info=True)

        later(pool, show, messages.LIST_PAGE)

    @app.action(messages.SHOW_ALL)
    def show_all(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        trigger_id = body.get("trigger_id")

        def show() -> None:
            open_view(client, trigger_id, messages.list_view(_list(runtime, body)))

        later(pool, show, messages.SHOW_ALL)
