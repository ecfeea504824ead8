"""Saving a form: the change committed once (by view id and hash), then the modal closes,
shows what comes next, or shows what to fix under the fields."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack
from sqlalchemy.orm import Session

from bot.once import run_once, view_key
from bot.people.acting import Acting
from bot.people.profiles import Looked
from bot.promises.forms import FieldError
from bot.promises.service import KeptError
from bot.reply import Reply
from bot.runtime import Runtime
from handlers.answer import SORRY, as_person, ids_of, profiles_ready

log = logging.getLogger("kept.handlers")

SubmitWork = Callable[[Session, Acting], Reply]
SLOW = "Slack is slow to answer me right now; please press Save again in a moment."


def first_input(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return "description"


def on_submit(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    work: SubmitWork,
    *,
    people: Looked | None = None,
) -> Reply | None:
    """Run `work` once for this submission and answer. Returns the reply when it was saved.
    `people`: whom the form names (a new owner), looked up in Slack before the transaction;
    `work` reads them from it."""
    team_id, user_id = ids_of(body)
    field = first_input(view)
    if profiles_ready(runtime, pool, team_id, [user_id], people, retried=True) is not None:
        ack(response_action="errors", errors={field: SLOW})
        return None
    now = runtime.now()
    key = view_key(view.get("id"), view.get("hash"))
    try:
        change = as_person(runtime, team_id, user_id, now, work)
        reply = run_once(runtime.sessions, team_id, key, now, change)
    except FieldError as error:
        ack(response_action="errors", errors={k: v[:150] for k, v in error.errors.items()})
        return None
    except KeptError as error:
        ack(response_action="errors", errors={field: str(error)[:150]})
        return None
    except Exception:  # noqa: BLE001 - never show a stack trace in Slack
        log.exception("form %s failed", view.get("callback_id"))
        ack(response_action="errors", errors={field: SORRY[:150]})
        return None
    if reply.open_view is not None:
        ack(response_action="update", view=reply.open_view)
    else:
        ack()
    return reply
