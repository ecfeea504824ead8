"""Every state-changing request runs once: its change and its reply are committed together
with the request's key, and a repeat (Slack's retry, a double click, a replayed body) gets the
first reply back and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.reply import Reply
from bot.store.db import Sessions, core
from bot.store.models import HandledRequest

Work = Callable[[Session], Reply]


HANDLED = HandledRequest.__table__


_RECALL = select(HANDLED.c.reply).where(
    HANDLED.c.team_id == bindparam("team_id"), HANDLED.c.key == bindparam("key")
)


def _recall(session: Session, team_id: str, key: str) -> Reply | None:
    reply = core(session).execute(_RECALL, {"team_id": team_id, "key": key[:255]}).scalar()
    return Reply.from_json(reply) if reply is not None else None


def run_once(sessions: Sessions, team_id: str, key: str | None, now: datetime, work: Work) -> Reply:
    """Run `work` in one transaction and commit; with a key, at most once.

    A refusal (an exception from `work`) rolls everything back and is not remembered: a
    repeat is judged afresh, and nothing was changed either time.
    """
    if not key:
        with sessions.begin() as session:
            return work(session)
    try:
        with sessions.begin() as session:
            earlier = _recall(session, team_id, key)
            if earlier is not None:
                return earlier
            reply = work(session)
            core(session).execute(
                insert(HANDLED),
                {"team_id": team_id, "key": key[:255], "reply": reply.to_json(), "created_at": now},
            )
            return reply
    except IntegrityError:
        # the same request ran at the same time in another thread or process and won: its
        # change stands, ours was rolled back with this transaction
        with sessions.begin() as session:
            earlier = _recall(session, team_id, key)
        if earlier is None:
            raise
        return earlier


def command_key(trigger_id: str | None) -> str | None:
    return f"command:{trigger_id}" if trigger_id else None


def action_key(action_id: str, action_ts: str | None, user_id: str) -> str | None:
    return f"action:{action_id}:{action_ts}:{user_id}" if action_ts else None


def view_key(view_id: str | None, view_hash: str | None) -> str | None:
    return f"view:{view_id}:{view_hash}" if view_id else None
