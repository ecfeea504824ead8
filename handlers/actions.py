"""Buttons on Kept's messages."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.language.counterparts import find_counterpart
from bot.promises.commands import Reply
from bot.promises.service import InvalidInput as _Invalid
from bot.promises.service import changeable, close_promise, parse_promise_id
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.store.models import Status
from handlers.replies import acked, carry_out, ids_of, safely


def action_context(body: dict[str, Any]) -> tuple[str, str, str]:
    """(team id, user id, the pressed button's value)."""
    team_id, user_id = ids_of(body)
    action = (body.get("actions") or [{}])[0]
    return team_id, user_id, str(action.get("value") or "")


def need_promise_id(value: str) -> int:
    promise_id = parse_promise_id(value)
    if promise_id is None:
        raise _Invalid("That button doesn't point at a promise any more.")
    return promise_id


def register(app: App, runtime: Runtime) -> None:
    @acked(app.action(blocks.UNDO))
    def undo(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id, user_id, value = action_context(body)

        def work() -> Reply:
            with runtime.sessions.begin() as session:
                who, _tz = runtime.actor(session, team_id, user_id)
                promise = close_promise(
                    session,
                    team_id=team_id,
                    promise_id=need_promise_id(value),
                    actor=who,
                    outcome=Status.CANCELLED,
                    note="Undone right after it was recorded.",
                    now=runtime.now(),
                )
                return Reply(
                    blocks.text_message(
                        f":leftwards_arrow_with_hook: Undone — promise #{promise.id} is cancelled.",
                        replace_original=True,
                    )
                )

        carry_out(
            safely(work, "undo"),
            respond=respond,
            client=client,
            trigger_id=None,
            runtime=runtime,
            body=body,
        )

    @acked(app.action(blocks.EDIT))
    def edit(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id, user_id, value = action_context(body)

        def work() -> Reply:
            with runtime.sessions.begin() as session:
                who, _tz = runtime.actor(session, team_id, user_id)
                promise = changeable(session, team_id, need_promise_id(value), who)
                return Reply(open_view=blocks.edit_form(promise))

        carry_out(
            safely(work, "edit"),
            respond=respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            runtime=runtime,
            body=body,
        )

    @acked(app.action(blocks.OPEN_FORM))
    def open_form(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        _team_id, user_id, value = action_context(body)
        counterpart = find_counterpart(value)
        view = blocks.promise_form(
            owner_id=user_id,
            description=value,
            counterpart=counterpart.name,
            counterpart_kind=counterpart.kind.value if counterpart.kind else None,
            metadata={"channel_id": (body.get("channel") or {}).get("id")},
        )
        carry_out(
            Reply(open_view=view),
            respond=respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            runtime=runtime,
            body=body,
        )
