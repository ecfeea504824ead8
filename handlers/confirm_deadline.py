"""The "Yes, record it" button under a question about a deadline more than a year away."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.promises.commands import CommandInput, CommandRunner, Reply
from bot.promises.service import InvalidInput
from bot.runtime import Runtime
from bot.slack import messages as blocks
from handlers.replies import acked, carry_out, ids_of, safely


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
    @acked(app.action(blocks.CONFIRM_DEADLINE))
    def confirm_deadline(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id, user_id = ids_of(body)
        value = str(((body.get("actions") or [{}])[0]).get("value") or "")

        def work() -> Reply:
            text, deadline, channel = _confirmed(value)
            # the same click delivered twice records one promise
            key = hashlib.sha256(f"{team_id}|{user_id}|{value}".encode()).hexdigest()[:40]
            request = CommandInput(
                team_id=team_id,
                user_id=user_id,
                channel_id=channel,
                text=text,
                request_key=f"confirm:{key}",
            )
            with runtime.sessions.begin() as session:
                runner = CommandRunner(
                    session,
                    fetch=runtime.fetch_user,
                    admins=runtime.settings.admins,
                    now=runtime.now(),
                    timing=runtime.timing(session, team_id, None),
                    working_day=runtime.settings.working_day,
                )
                reply = runner.confirm(request, deadline)
            if reply.message is not None:
                reply.message["replace_original"] = True
            return reply

        carry_out(
            safely(work, "confirm deadline"),
            respond=respond,
            client=client,
            trigger_id=None,
            runtime=runtime,
        )
