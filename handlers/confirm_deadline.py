"""The "Yes, record it" button under a question about a deadline more than a year away."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session

from bot.people.acting import Acting
from bot.promises.commands import CommandInput, confirm_promise
from bot.promises.service import InvalidInput
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages as blocks
from handlers.answer import carry_out, ids_of, later, respond_with


def _confirmed(value: str) -> tuple[str, datetime, str | None]:
    """(the owner's words, the deadline they confirmed, the channel) from the button."""
    try:
        data = json.loads(value)
        deadline = datetime.fromisoformat(str(data["deadline"]))
        text = str(data["text"])
        channel = data.get("channel")
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("That button is out of date; please send the promise again.") from None
    if deadline.tzinfo is None:
        raise InvalidInput("That button is out of date; please send the promise again.")
    return text, deadline, str(channel) if channel else None


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.action(blocks.CONFIRM_DEADLINE)
    def confirm_deadline(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        team_id, user_id = ids_of(body)
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value") or "")

        # the button pressed twice (or the click delivered twice) records one promise
        key = "confirm:" + hashlib.sha256(f"{team_id}|{user_id}|{value}".encode()).hexdigest()[:40]

        def work(session: Session, who: Acting) -> Reply:
            text, deadline, channel = _confirmed(value)
            request = CommandInput(
                team_id=team_id,
                user_id=user_id,
                channel_id=channel,
                text=text,
                request_key=key,
            )
            return confirm_promise(
                session,
                request,
                who,
                deadline,
                timing=runtime.default_timing(),
                working_day=runtime.settings.working_day,
            )

        outcome = carry_out(runtime, team_id, user_id, key, work, "confirm deadline")
        ack()
        message = dict(outcome.reply.message or {})
        if message:
            message["replace_original"] = not outcome.refused
            later(pool, lambda: respond_with(respond, message), "confirm deadline")
