"""Reading and checking the promise forms (modals). Slack-free: plain dicts in, results out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.language.counterparts import CounterpartKind
from bot.people.profiles import FetchUser, check_recipient
from bot.promises.service import (
    MAX_DESCRIPTION,
    InvalidInput,
    clean_text,
)


@dataclass(frozen=True)
class FormValues:
    description: str
    counterpart: str | None
    counterpart_kind: str | None
    deadline: datetime | None
    owner_id: str | None
    rhythm: str | None = None  # a rhythm picked (bot.slack.messages.RHYTHM_CHOICES key)


def _state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id) or {}
    element = block.get("value") if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def read_form(state_values: dict[str, Any]) -> FormValues:
    kind = (_state(state_values, "counterpart_kind").get("selected_option") or {}).get("value")
    stamp = _state(state_values, "deadline").get("selected_date_time")
    deadline = None
    if isinstance(stamp, int | float) or (isinstance(stamp, str) and stamp.isdigit()):
        try:
            deadline = datetime.fromtimestamp(int(stamp), UTC)
        except (OverflowError, OSError, ValueError):
            deadline = None
    return FormValues(
        description=clean_text(_state(state_values, "description").get("value")),
        counterpart=clean_text(_state(state_values, "counterpart").get("value")) or None,
        counterpart_kind=kind if kind in {k.value for k in CounterpartKind} else None,
        deadline=deadline,
        owner_id=_state(state_values, "owner").get("selected_user"),
        rhythm=(_state(state_values, "rhythm").get("selected_option") or {}).get("value"),
    )


class FieldError(InvalidInput):
    """Problems with fields of a form, each shown under its field (block id -> message)."""

    def __init__(self, field: str, message: str, **more: str) -> None:
        super().__init__(message)
        self.errors = {field: message, **more}

    @classmethod
    def of(cls, errors: dict[str, str]) -> FieldError:
        (field, message), *rest = errors.items()
        return cls(field, message, **dict(rest))


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def check_form(
    session: Session,
    team_id: str,
    form: FormValues,
    *,
    fetch: FetchUser | None,
    now: datetime,
    need_owner: bool = True,
) -> dict[str, str]:
    """Inline errors keyed by block id; empty when the form is fine."""
    errors: dict[str, str] = {}
    if not form.description:
        errors["description"] = "Say what you promised, e.g. “Call Jane Doe back about the role”."
    elif len(form.description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep it under {MAX_DESCRIPTION:,} characters."
    if form.deadline is None:
        errors["deadline"] = "Pick the date and time you promised it by."
    elif form.deadline <= now:
        errors["deadline"] = "That moment has already passed. Pick one still ahead."
    if need_owner:
        if not form.owner_id:
            errors["owner"] = "Pick who owns this promise."
        else:
            problem = check_recipient(session, team_id, form.owner_id, fetch=fetch, now=now)
            if problem is not None:  # form errors are plain text: no <@U…> mentions
                plain = problem.replace(f"<@{form.owner_id}>", "that person")
                errors["owner"] = (plain[:1].upper() + plain[1:])[:150]
    return errors
