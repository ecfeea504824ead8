"""Modals: the New promise and Edit forms, and the forms behind reminder buttons."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.language.counterparts import CounterpartKind
from bot.language.deadlines import format_deadline
from bot.promises.states import MAX_DESCRIPTION
from bot.promises.views import PromiseView
from bot.slack.messages.base import (
    MAX_SECTION_TEXT,
    Block,
    context,
    modal,
    mrkdwn,
    picker,
    promise_heading,
    section,
)
from bot.slack.messages.cadence import rhythm_picker
from bot.slack.messages.ids import (
    COULDNT_KEEP_VIEW,
    EDIT_VIEW,
    HAND_OFF_VIEW,
    NEW_DATE_VIEW,
    NEW_PROMISE_VIEW,
)
from bot.slack.messages.reminders import counterpart_update
from bot.slack.text import code_block, cut_plain


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    optional: bool = False,
    max_length: int = 3000,
    placeholder: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


def promise_form(
    *,
    owner_id: str,
    description: str = "",
    counterpart: str | None = None,
    counterpart_kind: str | None = None,
    deadline: datetime | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The "New promise" modal; prefilled from a typed command or a message."""
    kinds = [(kind.value, kind.value.capitalize()) for kind in CounterpartKind]
    kind_options = [
        {"text": {"type": "plain_text", "text": label}, "value": value} for value, label in kinds
    ]
    kind_element: Block = {"type": "static_select", "action_id": "value", "options": kind_options}
    if counterpart_kind in dict(kinds):
        kind_element["initial_option"] = kind_options[[k for k, _ in kinds].index(counterpart_kind)]
    deadline_element: Block = {"type": "datetimepicker", "action_id": "value"}
    if deadline is not None:
        deadline_element["initial_date_time"] = int(deadline.timestamp())
    return {
        "type": "modal",
        "callback_id": NEW_PROMISE_VIEW,
        "title": {"type": "plain_text", "text": "New promise"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata or {})[:3000],
        "blocks": [
            _text_input(
                "description",
                "What did you promise?",
                initial=description,
                multiline=True,
                max_length=MAX_DESCRIPTION,
                placeholder="Call Jane Doe back about the supervisor role",
            ),
            _text_input(
                "counterpart",
                "To whom?",
                initial=counterpart,
                optional=True,
                max_length=255,
                placeholder="Jane Doe",
            ),
            {
                "type": "input",
                "block_id": "counterpart_kind",
                "optional": True,
                "label": {"type": "plain_text", "text": "They are a…"},
                "element": kind_element,
            },
            {
                "type": "input",
                "block_id": "deadline",
                "label": {"type": "plain_text", "text": "By when?"},
                "element": deadline_element,
            },
            {
                "type": "input",
                "block_id": "rhythm",
                "optional": True,
                "label": {"type": "plain_text", "text": "Or keep them posted, every…"},
                "hint": {
                    "type": "plain_text",
                    "text": "Pick a rhythm for a promise to stay in touch: Kept plans a "
                    "check-in at each step, and “By when?” is when the series ends.",
                },
                "element": rhythm_picker(),
            },
            {
                "type": "input",
                "block_id": "owner",
                "label": {"type": "plain_text", "text": "Who owns it?"},
                "element": {"type": "users_select", "action_id": "value", "initial_user": owner_id},
            },
        ],
    }


def edit_form(promise: PromiseView) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "title": {
            "type": "plain_text",
            "text": cut_plain(f"Edit promise {promise.short_id}", 24),
        },
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"promise_id": promise.id}),
        "blocks": [
            _text_input(
                "description",
                "What did you promise?",
                initial=promise.description,
                multiline=True,
                max_length=MAX_DESCRIPTION,
            ),
            _text_input(
                "counterpart",
                "To whom?",
                initial=promise.counterpart,
                optional=True,
                max_length=255,
            ),
            context(
                "To change the deadline use `/promise extend "
                f"{promise.id} <when>`: it re-arms the reminders."
            ),
        ],
    }


def new_date_form(promise: PromiseView, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return modal(
        NEW_DATE_VIEW,
        "New date",
        "Save",
        promise.id,
        [
            promise_heading(promise),
            picker("deadline", "New deadline", "datetimepicker"),
            _text_input(
                "note", "Note (why, what's next)", optional=True, multiline=True, max_length=2000
            ),
        ],
        extra,
    )


def new_date_done(
    promise: PromiseView, tz: str, note: str | None, *, now: datetime
) -> dict[str, Any]:
    update = counterpart_update(promise, tz, note, now=now)
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New date saved"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [
            section(
                f":calendar: PromiseView {promise.short_id} now runs until "
                f"*{format_deadline(promise.deadline, tz, now=now)}*. Reminders are re-armed."
            ),
            section("A ready-to-send update for them (copy, tweak, send):"),
            section(code_block(update, MAX_SECTION_TEXT)),
        ],
    }


def hand_off_form(promise: PromiseView, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return modal(
        HAND_OFF_VIEW,
        "Hand off",
        "Hand off",
        promise.id,
        [promise_heading(promise), picker("owner", "Who takes it over?", "users_select")],
        extra,
    )


def couldnt_keep_form(promise: PromiseView, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return modal(
        COULDNT_KEEP_VIEW,
        "Couldn't keep it",
        "Close it",
        promise.id,
        [
            promise_heading(promise),
            _text_input(
                "reason",
                "What happened?",
                multiline=True,
                max_length=2000,
                placeholder="The role was filled internally; I told Jane on the phone.",
            ),
        ],
        extra,
    )


# --- App Home and the message shortcut --------------------------------------------------------


def notice_view(text: str) -> dict[str, Any]:
    """A modal that only says something (plain text) and can be closed."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Kept"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(mrkdwn(text, MAX_SECTION_TEXT))],
    }
