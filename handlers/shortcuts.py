"""The "Track as a promise" message shortcut: a form prefilled from the message."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.language.counterparts import find_counterpart
from bot.language.deadlines import parse_deadline
from bot.promises.service import MAX_DESCRIPTION, clean_text
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.store.models import ChannelSetting
from handlers.answer import later, log, open_view


def open_tracking_form(runtime: Runtime, shortcut: dict[str, Any], client: WebClient) -> None:
    """The New promise form, prefilled from the message (a suggestion only: any failure to
    prefill still opens the form)."""
    user_id = (shortcut.get("user") or {}).get("id") or ""
    team_id = (shortcut.get("team") or {}).get("id") or ""
    channel_id = (shortcut.get("channel") or {}).get("id")
    message = shortcut.get("message") or {}
    text = clean_text(message.get("text"))[:MAX_DESCRIPTION]
    now = runtime.now()
    kind = None
    deadline = None
    try:
        runtime.warm_person(team_id, user_id)
        with runtime.readers() as session:
            _actor, tz = runtime.actor(session, team_id, user_id)
            if channel_id:
                setting = session.get(ChannelSetting, (team_id, channel_id))
                kind = setting.counterpart_kind if setting is not None else None
        parsed = parse_deadline(text, now=now, tz=tz)
        if parsed.problem is None:
            deadline = parsed.deadline
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
    open_view(client, shortcut.get("trigger_id"), view)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.shortcut(blocks.TRACK_SHORTCUT)
    def track(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()  # nothing changes until the form is saved
        later(pool, lambda: open_tracking_form(runtime, shortcut, client), "the shortcut's form")
