"""Block Kit building blocks shared by every message: sections, buttons, modals, escaping."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.language.cadence import Rhythm, describe_rhythm
from bot.language.counterparts import CounterpartKind
from bot.language.deadlines import format_deadline
from bot.promises.states import Status
from bot.promises.views import PromiseView
from bot.slack.text import cut_markup, cut_plain, mrkdwn

Block = dict[str, Any]
Message = dict[str, Any]


EXAMPLES = (
    "`/promise call Jane Doe back about the supervisor role by Friday 5pm`",
    "`/promise send Acme the revised quote by tomorrow`",
    "`/promise stay in touch with Sam (candidate) over the next two weeks`",
    "`/promise refund order 1182 for Mrs. Lee by EOD`",
)

# a counterpart kind's stored value -> the word shown for it
KIND_LABEL = {kind.value: kind.label for kind in CounterpartKind}


# a section's or a context element's text, as Slack counts it; a button's value
MAX_SECTION_TEXT = 3000
MAX_BUTTON_VALUE = 2000


def _truncate(text: str, limit: int) -> str:
    """Plain text (not mrkdwn) cut to `limit` characters, never inside an emoji code."""
    return cut_plain(text, limit)


def pack_lines(lines: list[str], *, budget: int, per_block: int = 2900) -> tuple[list[str], int]:
    """Lines packed into as few section texts as fit (each under `per_block` characters, all
    under `budget`), in order; returns (texts, how many lines did not fit). A line longer than
    a block is cut on its own, never mid-reference."""
    chunks: list[str] = []
    current: list[str] = []
    size = used = 0
    for i, line in enumerate(lines):
        line = cut_markup(line, per_block)
        if used + len(line) + 1 > budget:
            if current:
                chunks.append("\n".join(current))
            return chunks, len(lines) - i
        if current and size + len(line) + 1 > per_block:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        used += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks, 0


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut_markup(text, 3000)}}


def context(text: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut_markup(text, MAX_SECTION_TEXT)}],
    }


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": cut_plain(text, 75)},
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def describe_span(span: timedelta) -> str:
    """A short human span: `40 min`, `3 h 5 min`, `2 days 4 h`."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{max(mins, 1)} min" if span.total_seconds() >= 60 else "less than a minute"


def promise_line(promise: PromiseView, tz: str, now: datetime) -> str:
    """One line: `#42 call Jane Doe back — Jane Doe (candidate) — due Fri 27 Nov, 17:00 PST`."""
    parts = [f"*{promise.short_id}* {mrkdwn(promise.description, 200)}"]
    if promise.counterpart:
        kind = KIND_LABEL.get(promise.counterpart_kind or "", "")
        parts.append(mrkdwn(promise.counterpart, 80) + (f" ({kind})" if kind else ""))
    when = format_deadline(promise.deadline, tz, now=now)
    if promise.is_open and promise.is_cadence:
        late = promise.deadline <= now
        rhythm = (
            describe_rhythm(Rhythm(promise.rhythm_kind, promise.rhythm_every)) + ", "
            if promise.rhythm_kind is not None and promise.rhythm_every is not None
            else ""
        )
        parts.append(
            f":repeat: {rhythm}{'check-in overdue since' if late else 'next check-in'} {when}"
        )
    elif promise.is_open and promise.deadline <= now:
        parts.append(
            f":warning: overdue by {describe_span(now - promise.deadline)} (was due {when})"
        )
    else:
        parts.append(f"due {when}")
    return " — ".join(parts)


def text_message(text: str, *, replace_original: bool = False) -> Message:
    message: Message = {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
    if replace_original:
        message["replace_original"] = True
    return message


def error_message(text: str) -> Message:
    return text_message(f":warning: {text}")


_OUTCOME_TEXT = {
    Status.KEPT: ":white_check_mark: Kept",
    Status.BROKEN: ":x: Couldn't keep",
    Status.CANCELLED: ":heavy_minus_sign: Cancelled",
}


def outcome_line(promise: PromiseView, tz: str, *, now: datetime) -> str:
    when = format_deadline(promise.closed_at, tz, now=now) if promise.closed_at else ""
    line = f"{_OUTCOME_TEXT.get(promise.status, promise.status)} — closed by <@{promise.closed_by}>"
    line += f" on {when}" if when else ""
    if promise.closure_note:
        line += f": {mrkdwn(promise.closure_note, 500)}"
    return line


def modal(
    callback_id: str,
    title: str,
    submit: str,
    promise_id: int,
    body: list[Block],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A form about one promise (its id, and `extra`, in the private metadata)."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": cut_plain(title, 24)},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"promise_id": promise_id, **(extra or {})}),
        "blocks": body,
    }


def promise_heading(promise: PromiseView) -> Block:
    """The promise a form is about, on top of the form."""
    return section(f"*{mrkdwn(promise.description, 500)}*")


def picker(block_id: str, label: str, kind: str) -> Block:
    """A required input with one picker element (`datetimepicker`, `users_select`, ...)."""
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"type": kind, "action_id": "value"},
    }


def header(text: str) -> Block:
    """A header block (plain text, cut to Slack's 150 characters)."""
    return {"type": "header", "text": {"type": "plain_text", "text": cut_plain(text, 150)}}


# ---------------------------------------------------------------------------- compact forms

# Slack's refusals of a payload itself (not of the recipient): sending the same again can never
# work, so it goes once more in a compact form (compact_message / compact_home), then no more
REFUSED_PAYLOAD = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_blocks_too_long",
        "msg_too_long",
        "invalid_arguments",
        "view_too_large",
    }
)

COMPACT_POINTER = (
    "_Slack refused the full message (too long), so this is the short form: your Home tab in "
    "Kept and `/promise list` have everything._"
)


def compact_message(message: Message) -> Message:
    """A message Slack refused (`msg_blocks_too_long`, `invalid_blocks`): sent once more as
    its fallback text in one section, with a pointer to the Home tab. Keeps the metadata-free
    keys of the original (response type, replace_original)."""
    text = cut_markup(str(message.get("text") or "A message from Kept."), 2000)
    compact: Message = {
        key: value for key, value in message.items() if key not in ("text", "blocks")
    }
    compact["text"] = text
    compact["blocks"] = [section(text), context(COMPACT_POINTER)]
    return compact


def compact_home() -> dict[str, Any]:
    """The Home tab Slack refused (too large): a short one saying where to look instead."""
    return {
        "type": "home",
        "blocks": [
            header("Your promises"),
            section(
                "There is more here than Slack can show on one tab. `/promise list` shows your "
                "open promises page by page, `/promise list team` your team's."
            ),
        ],
    }
