"""The "Track as a promise" message shortcut: a form prefilled from the message."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.language.counterparts import find_counterpart
from bot.language.deadlines import parse_deadline
from bot.people.profiles import find_person
from bot.promises.service import MAX_DESCRIPTION, clean_text
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.slack.client import send_dm
from bot.slack.text import from_slack, user_ids_in
from bot.store.models import ChannelSetting
from handlers.replies import acked, log

MAX_NAMED = 5  # people mentioned in the message whose names are looked up for the form


def register(app: App, runtime: Runtime) -> None:
    @acked(app.shortcut(blocks.TRACK_SHORTCUT))
    def track(shortcut: dict[str, Any], client: WebClient) -> None:
        user_id = (shortcut.get("user") or {}).get("id") or ""
        team_id = (shortcut.get("team") or {}).get("id") or ""
        channel_id = (shortcut.get("channel") or {}).get("id")
        message = shortcut.get("message") or {}
        raw = str(message.get("text") or "")
        text = clean_text(from_slack(raw))[:MAX_DESCRIPTION]
        now = runtime.now()
        kind = None
        deadline = None
        try:
            runtime.warm_person(team_id, user_id)
            for mentioned in user_ids_in(raw)[:MAX_NAMED]:  # names for <@U…>, before the txn
                runtime.warm_person(team_id, mentioned)
            with runtime.sessions.begin() as session:
                _actor, tz = runtime.actor(session, team_id, user_id)
                if channel_id:
                    setting = session.get(ChannelSetting, (team_id, channel_id))
                    kind = setting.counterpart_kind if setting is not None else None

                def name_of(uid: str) -> str | None:
                    person = find_person(session, team_id, uid)
                    return person.name if person is not None else None

                text = clean_text(from_slack(raw, name_of=name_of))[:MAX_DESCRIPTION]
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
        try:
            client.views_open(trigger_id=shortcut.get("trigger_id"), view=view)
        except Exception:  # noqa: BLE001 - e.g. the 3-second trigger ran out: say so
            log.warning("views.open for the shortcut failed", exc_info=True)
            send_dm(
                client,
                user_id,
                blocks.error_message(
                    "I couldn't open the *Track as a promise* form in time (Slack gives me 3 "
                    "seconds). Please use the shortcut on the message again."
                ),
            )
