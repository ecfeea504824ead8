"""The "Track as a promise" message shortcut: a form prefilled from the message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.language.counterparts import find_counterpart
from bot.promises import flows
from bot.promises.service import MAX_DESCRIPTION, clean_text
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.slack.text import from_slack, user_ids_in
from handlers.answer import later, log, open_view

MAX_NAMED = 5  # people mentioned in the message whose names are looked up for the form
FORM_LATE = (
    "I couldn't open the *Track as a promise* form in time (Slack gives me 3 seconds). "
    "Please use the shortcut on the message again."
)


def open_tracking_form(runtime: Runtime, shortcut: dict[str, Any], client: WebClient) -> None:
    """The New promise form, prefilled from the message (a suggestion only: any failure to
    prefill still opens the form)."""
    user_id = (shortcut.get("user") or {}).get("id") or ""
    team_id = (shortcut.get("team") or {}).get("id") or ""
    channel_id = (shortcut.get("channel") or {}).get("id")
    message = shortcut.get("message") or {}
    raw = str(message.get("text") or "")  # escaped as Slack escapes message text
    text = clean_text(from_slack(raw))[:MAX_DESCRIPTION]
    kind = None
    deadline = None
    try:
        runtime.warm_person(team_id, user_id)
        for mentioned in user_ids_in(raw)[:MAX_NAMED]:  # names for <@U…> in the form
            runtime.warm_person(team_id, mentioned)
        found = flows.prefill(
            runtime.readers,
            team_id,
            user_id,
            text=raw,
            channel_id=channel_id,
            fetch=runtime.fetcher(team_id),
            admins=runtime.settings.admins,
            now=runtime.now(),
            working_day=runtime.settings.working_day,
        )
        text, deadline, kind = found.description, found.deadline, found.channel_kind
    except Exception:  # noqa: BLE001 - a suggestion only: open the form anyway
        log.warning("could not prefill the shortcut form", exc_info=True)
    counterpart = find_counterpart(text)
    view = blocks.promise_form(
        owner_id=user_id,
        description=text,
        counterpart=counterpart.name,
        counterpart_kind=(counterpart.kind.value if counterpart.kind else None) or kind,
        deadline=deadline,
        metadata={"channel_id": channel_id, "message_ts": message.get("ts"), "shortcut": True},
    )
    if not open_view(client, shortcut.get("trigger_id"), view):  # e.g. the 3 seconds ran out
        try:
            client.chat_postMessage(
                channel=user_id,
                text=FORM_LATE,
                blocks=blocks.error_message(FORM_LATE)["blocks"],
            )
        except Exception:  # noqa: BLE001 - nothing changed; the log says why
            log.warning("could not tell %s the form didn't open", user_id, exc_info=True)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.shortcut(blocks.TRACK_SHORTCUT)
    def track(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()  # nothing changes until the form is saved
        later(pool, lambda: open_tracking_form(runtime, shortcut, client), "the shortcut's form")
