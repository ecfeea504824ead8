"""Buttons on the reply to a new promise: Undo, Edit, and Open the form (when the text had no
usable deadline)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.language.counterparts import find_counterpart
from bot.people.acting import Acting
from bot.promises import flows
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import button_value, ids_of, later, on_press, open_view


def edit_form(session: Session, who: Acting, promise_id: int) -> Reply:
    return flows.form_about(session, who, promise_id=promise_id, build=messages.edit_form)


def prefilled_form(body: dict[str, Any]) -> dict[str, Any]:
    """The New promise form, filled with the words that had no usable deadline."""
    _team_id, user_id = ids_of(body)
    text = button_value(body)
    counterpart = find_counterpart(text)
    return messages.promise_form(
        owner_id=user_id,
        description=text,
        counterpart=counterpart.name,
        counterpart_kind=counterpart.kind.value if counterpart.kind else None,
        metadata={"channel_id": (body.get("channel") or {}).get("id")},
    )


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.action(messages.UNDO)
    def undo(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        on_press(
            runtime,
            pool,
            ack,
            body,
            respond,
            client,
            work=lambda s, who, pid: flows.undo(s, who, promise_id=pid),
            show_reply=True,
        )

    @app.action(messages.EDIT)
    def edit(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        on_press(runtime, pool, ack, body, respond, client, work=edit_form, show_reply=False)

    @app.action(messages.OPEN_FORM)
    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = prefilled_form(body)
        later(pool, lambda: open_view(client, body.get("trigger_id"), view), "opening the form")
