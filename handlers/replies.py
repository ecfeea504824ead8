"""Carrying out a Reply in Slack, and turning failures into friendly messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.promises.commands import Reply
from bot.promises.service import KeptError
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.slack.client import send_dm
from bot.slack.messages.base import Message

log = logging.getLogger("kept.handlers")

SORRY = (
    "Something went wrong on my side, so nothing was changed. Please try again in a "
    "moment; if it keeps happening, tell your Kept admin."
)


def ack_now(ack: Ack) -> None:
    """Acknowledge at once in the request thread; the work follows as a lazy listener, so a
    busy worker pool never delays Slack's 3-second acknowledgement."""
    ack()


def acked(listener: Callable[..., Any]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`@acked(app.action("x"))`: register the function as a lazy listener behind ack_now."""

    def register(work: Callable[..., None]) -> Callable[..., None]:
        listener(ack=ack_now, lazy=[work])
        return work

    return register


def after_ack(app: App, work: Callable[[], None], what: str) -> None:
    """Run `work` in the background once this request's acknowledgement is on its way: a
    form submission acks in the request thread, and its DMs must not delay that answer."""

    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - the promise is stored; the rest is best effort
            log.exception("%s (after the ack) failed", what)

    app.listener_runner.listener_executor.submit(run)


def on_home_tab(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def show_without_response_url(runtime: Runtime, body: dict[str, Any], message: Message) -> None:
    """A press with no response_url to answer (the Home tab, a modal): on the Home tab the
    tab is published again with the answer on top; elsewhere the answer comes as a DM."""
    from handlers.home import publish_home

    team_id, user_id = ids_of(body)
    if not user_id:
        return
    if on_home_tab(body):
        publish_home(runtime, team_id, [user_id], notice=str(message.get("text") or ""))
    else:
        send_dm(runtime.client, user_id, message)


def respond_with(
    respond: Respond,
    message: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    runtime: Runtime | None = None,
) -> None:
    if respond.response_url is None:
        if body is not None and runtime is not None:
            show_without_response_url(runtime, body, message)
        else:
            log.warning("no response_url to answer with: %s", message.get("text", "")[:80])
        return
    try:
        respond(
            text=message.get("text", ""),
            blocks=message.get("blocks"),
            response_type=message.get("response_type", "ephemeral"),
            replace_original=message.get("replace_original", False),
        )
    except Exception:  # noqa: BLE001 - the response URL may have expired
        log.warning("could not answer through response_url", exc_info=True)


def ids_of(body: dict[str, Any]) -> tuple[str, str]:
    """(team id, user id) of an interaction payload."""
    user = body.get("user") or {}
    return (body.get("team") or {}).get("id") or user.get("team_id") or "", user.get("id") or ""


def safely(work: Callable[[], Reply], what: str) -> Reply:
    """Run `work`; a KeptError becomes its own message, anything else a kind apology."""
    try:
        return work()
    except KeptError as error:
        return Reply(blocks.error_message(str(error)))
    except Exception:  # noqa: BLE001 - never show a stack trace in Slack
        log.exception("%s failed", what)
        return Reply(blocks.error_message(SORRY))


def carry_out(
    reply: Reply,
    *,
    respond: Respond | None,
    client: WebClient,
    trigger_id: str | None,
    runtime: Runtime | None = None,
    body: dict[str, Any] | None = None,
) -> None:
    """Carry out a Reply. `body` (a button's payload) lets an answer reach the presser where
    Slack gives no response_url (the Home tab)."""
    if reply.open_view is not None and trigger_id:
        try:
            client.views_open(trigger_id=trigger_id, view=reply.open_view)
        except SlackApiError as error:
            log.warning("views.open failed: %s", error.response.get("error"))
            if respond is not None:
                respond_with(
                    respond,
                    blocks.error_message(
                        "I couldn't open the form (Slack gives me 3 seconds). Please try again."
                    ),
                    body=body,
                    runtime=runtime,
                )
    message = reply.message
    if (
        message is None
        and body is not None
        and on_home_tab(body)
        and reply.changed is not None
        and reply.open_view is None
    ):
        message = blocks.text_message(f":white_check_mark: Done — promise #{reply.changed[1]}.")
    # on the Home tab the answer is the tab published again: no separate refresh for the presser
    presser = ids_of(body)[1] if body is not None and on_home_tab(body) else None
    if message is not None and respond is not None:
        respond_with(respond, message, body=body, runtime=runtime)
    for user_id, dm in reply.direct_messages:
        send_dm(client, user_id, dm)
    if reply.changed is not None and runtime is not None:
        from scheduler.delivery import refresh_reminders

        refresh_reminders(runtime, reply.changed[0], [reply.changed[1]])
    if reply.home_for and runtime is not None:
        from handlers.home import refresh_home

        shown = presser if message is not None and respond is not None else None
        refresh_home(runtime, reply.home_for[0], [u for u in reply.home_for[1] if u != shown])
