"""A direct message to Kept is read like `/promise <text>` (SPEC §2.1) and answered in the DM
through the outbox, like every other message Kept sends: the answer's delivery row is written
in the same transaction as the change (or, for a refusal, with the request's key), so it is
sent exactly once across restarts, crashes and 429s, in the DM's thread when the DM was a
thread reply. The answer's text is the reply kept with the request (handled_requests), which
is not forgotten while its delivery is still owed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.reply import Reply
from bot.slack import messages
from bot.store.db import Sessions
from bot.store.models import HandledRequest, Step

DM_FORM = (
    "Tell me what you promised, e.g. `call Jane Doe back by Friday 5pm`, or type `/promise` "
    "anywhere to open the form."
)
SLACKBOT = "USLACKBOT"


def request_key(channel: str, ts: str, thread_ts: str | None) -> str:
    """The DM's idempotency key (also its answer's delivery key): the message, and the thread
    it was written in, if any."""
    key = f"dm:{channel}:{ts}"
    return f"{key}:{thread_ts}" if thread_ts and thread_ts != ts else key


def thread_of(key: str) -> str | None:
    """The thread a DM's answer goes in (None: the DM itself)."""
    parts = key.split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "dm" else None


def answer_row(team_id: str, user_id: str, key: str, now: datetime) -> dict[str, object]:
    return outbox.row(team_id, Step.DM_ANSWER, key, now, recipient_id=user_id)


def owe_answer(session: Session, team_id: str, user_id: str, key: str, now: datetime) -> None:
    """In the change's own transaction: the answer is owed."""
    outbox.write(session, [answer_row(team_id, user_id, key, now)])


def remember_refusal(
    sessions: Sessions, team_id: str, user_id: str, key: str, reply: Reply, now: datetime
) -> None:
    """A refused DM changed nothing, but is answered once: its reply and the answer's row are
    stored together (a repeat of the DM, Slack's retry, finds the key and does nothing)."""
    try:
        with sessions.begin() as session:
            session.execute(
                insert(HandledRequest.__table__),
                {"team_id": team_id, "key": key[:255], "reply": reply.to_json(), "created_at": now},
            )
            owe_answer(session, team_id, user_id, key, now)
    except IntegrityError:
        pass  # the same DM was answered meanwhile (another thread or process)


def answered(readers: sessionmaker[Session], team_id: str, key: str) -> bool:
    """This DM was answered before (Slack's retry of it finds its key)."""
    with readers() as session:
        return session.get(HandledRequest, (team_id, key[:255])) is not None


def answer_message(reply: dict[str, Any] | None) -> dict[str, Any] | None:
    """What to post for a stored reply: its message, or how to make a promise in a DM when
    the reply was a form (forms can't open from a DM)."""
    if not reply:
        return None
    message = reply.get("message")
    if message is None and reply.get("open_view") is not None:
        return messages.text_message(DM_FORM)
    return dict(message) if message else None
