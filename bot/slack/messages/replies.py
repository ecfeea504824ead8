"""Replies to commands: a promise recorded, closed, extended, handed off; settings shown."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.language.deadlines import format_as_written, format_deadline
from bot.language.zones import NamedZone
from bot.promises.states import MAX_DESCRIPTION
from bot.promises.views import PromiseView
from bot.slack.messages.base import (
    EXAMPLES,
    KIND_LABEL,
    MAX_SECTION_TEXT,
    Message,
    actions,
    button,
    context,
    describe_span,
    mrkdwn,
    outcome_line,
    promise_line,
    section,
    text_message,
)
from bot.slack.messages.ids import EDIT, LIST_PAGE, OPEN_FORM, UNDO
from bot.slack.messages.reminders import nudge_buttons

# the "Yes, record it" button under a question about a deadline more than a year away
CONFIRM_DEADLINE = "promise_confirm_deadline"


def deadline_line(
    deadline: datetime, tz: str, now: datetime, named_zone: NamedZone | None = None
) -> str:
    """ "Wed 25 Nov, 11:00 PST — 14:00 ET as you wrote" (the second part when a zone was named
    and it is not the owner's own)."""
    shown = format_deadline(deadline, tz, now=now)
    if named_zone is None:
        return shown
    written = format_as_written(deadline, named_zone, tz, now=now)
    if shown.endswith(written):
        return shown
    return f"{shown} — {mrkdwn(written)} as you wrote"


def ignored_note(ignored: tuple[str, ...] | list[str]) -> str | None:
    """ "I ignored '3pm' — Edit if that was the deadline." for fragments the parser left."""
    if not ignored:
        return None
    quoted = ", ".join(f"‘{mrkdwn(f, 40)}’" for f in ignored)
    return f":warning: I ignored {quoted} — Edit if that was the deadline."


def promise_recorded(
    promise: PromiseView,
    tz: str,
    now: datetime,
    *,
    created: bool = True,
    named_zone: NamedZone | None = None,
    ignored: tuple[str, ...] = (),
) -> Message:
    headline = (
        "Got it — I'll hold you to this one." if created else "You already recorded this one."
    )
    lines = []
    if promise.counterpart:
        kind = KIND_LABEL.get(promise.counterpart_kind or "", "")
        lines.append(f"To: {mrkdwn(promise.counterpart, 300)}" + (f" ({kind})" if kind else ""))
    lines.append(f"By: {deadline_line(promise.deadline, tz, now, named_zone)}")
    note = ignored_note(ignored)
    if note:
        lines.append(note)
    pid = str(promise.id)
    return {
        "response_type": "ephemeral",
        "text": f"{headline} PromiseView {promise.short_id}: {mrkdwn(promise.description, 200)}",
        "blocks": [
            section(f":handshake: {headline}"),
            # what, then to whom and by when in a block of their own: a long description
            # (escaping can make it five times longer) never pushes the deadline out
            section(f"*{mrkdwn(promise.description, MAX_SECTION_TEXT - 2)}*"),
            section("\n".join(lines)),
            context(
                f"PromiseView {promise.short_id} · I'll remind you before the deadline. "
                f"Close it with `/promise done {promise.id}`."
            ),
            actions(button("Edit", EDIT, pid), button("Undo", UNDO, pid, "danger")),
        ],
    }


def deadline_problem(
    text: str,
    problem: str,
    deadline: datetime | None,
    tz: str,
    *,
    detail: str | None = None,
    now: datetime | None = None,
    ignored: tuple[str, ...] = (),
) -> Message:
    """Why a deadline could not be used ("there's no 31 April", a past date, a question)."""
    if problem == "past" and deadline is not None:
        why = (
            f"That deadline ({format_deadline(deadline, tz, now=now)}) is already in the past, "
            "so I didn't record the promise."
        )
    elif problem == "unclear" and detail:
        why = f"Quick question before I record it: {mrkdwn(detail, 500)}."
    elif problem in ("impossible", "too_far", "past") and detail:
        why = f"I can't use that deadline: {mrkdwn(detail, 500)}. I didn't record the promise."
    else:
        why = "I couldn't find a deadline in that, so I didn't record the promise yet."
        if ignored:
            quoted = ", ".join(f"‘{mrkdwn(f, 40)}’" for f in ignored)
            why += f" (I couldn't use {quoted}.)"
    shown = mrkdwn(text, 1500)
    return {
        "response_type": "ephemeral",
        "text": why,
        "blocks": [
            section(
                f":calendar: {why}\nAdd when you'll do it, for example:\n"
                + "\n".join(f"• {e}" for e in EXAMPLES)
            ),
            section(f"Your words, so nothing is lost:\n>{shown}" if shown else "(no text)"),
            actions(button("Open the form", OPEN_FORM, text[:MAX_DESCRIPTION], "primary")),
        ],
    }


def far_deadline_question(
    text: str, deadline: datetime, tz: str, now: datetime, channel_id: str | None
) -> Message:
    """A deadline more than a year away: ask before recording it (a typo'd year is likely).
    The button carries the words and the deadline; a text too long for a button value gets
    only the form."""
    when = format_deadline(deadline, tz, now=now)
    why = f"That deadline is *{when}* — more than a year from now. Record it with that date?"
    value = json.dumps(
        {"text": text, "deadline": deadline.isoformat(), "channel": channel_id},
        ensure_ascii=False,
    )
    buttons = [button("Open the form", OPEN_FORM, text[:MAX_DESCRIPTION])]
    if len(value) <= 2000:
        buttons.insert(0, button("Yes, record it", CONFIRM_DEADLINE, value, "primary"))
    return {
        "response_type": "ephemeral",
        "text": f"That deadline is {when}, more than a year from now. Record it?",
        "blocks": [
            section(f":calendar: {why}"),
            section(f"Your words:\n>{mrkdwn(text, 1500)}"),
            actions(*buttons),
        ],
    }


def too_long(text: str) -> Message:
    """A paste longer than a promise holds: say so, keep the words, offer the form."""
    why = (
        f"That's {len(text):,} characters; a promise holds up to {MAX_DESCRIPTION:,}, so I "
        "didn't record it. Keep the gist (who, what, by when) and link to the details."
    )
    return {
        "response_type": "ephemeral",
        "text": why,
        "blocks": [
            section(f":scissors: {why}"),
            section(f"The start of your words:\n>{mrkdwn(text, 1500)}"),
            actions(button("Open the form with the start of it", OPEN_FORM, text, "primary")),
        ],
    }


def help_message() -> Message:
    text = "\n".join(
        [
            "*Kept* keeps track of what you promised people outside the team, and reminds you.",
            "*Record a promise:* `/promise <what> by <when>`",
            *(f"• {e}" for e in EXAMPLES),
            "Deadlines: `Friday 5pm`, `Dec 3`, `EOD`, `tomorrow morning`, `end of week`, "
            "`in 3 days`, `within 48 hours`, `2026-12-03 14:00`.",
            "*Manage:*",
            "• `/promise list [@user|team|everyone]` — open promises, overdue first",
            "• `/promise done <id> [note]` — kept",
            "• `/promise broken <id> <reason>` — couldn't keep it",
            "• `/promise cancel <id> [reason]` — no longer needed",
            "• `/promise extend <id> <when> [note]` — new deadline",
            "• `/promise handoff <id> @user` — give it to someone else",
            "• `/promise supervisor @rep [@lead]` — who @rep reports to (admins set it)",
            "• `/promise updated <id> [note]` — log an update for a check-in",
            "• `/promise away <until> [@cover]`, `/promise back` — who gets your reminders "
            "meanwhile",
            "• `/promise report [@user|team] [days]` — kept on time, late, broken, open "
            "(supervisors, admins)",
            "• `/promise channel [#channel] show|set|clear` — channel settings (admins; "
            "`/promise channel help`)",
            "• `/promise watch [off]` — notice promises made in this channel and offer their "
            "authors to track them; `/promise watch me off` — not for you",
            "• `/promise` on its own opens the form.",
        ]
    )
    return text_message(text)


# how many promises one page of `/promise list` shows (each line is at most ~450 characters,
# so a page stays well under Slack's ~11,000 characters of block text)
LIST_PAGE_SIZE = 20


def promise_list(
    title: str,
    promises: list[PromiseView],
    tz: str,
    now: datetime,
    *,
    total: int | None = None,
    overdue: int | None = None,
    page: int = 1,
    scope: str = "",
) -> Message:
    """One page of open promises. `total` and `overdue` are the true totals (a count query);
    the header says which part this page shows and how to get to the others."""
    if total is None:
        total = len(promises)
    if overdue is None:
        overdue = sum(1 for p in promises if p.deadline <= now)
    if not total:
        return text_message(f"{title}: nothing open. :tada:")
    header = f"*{title}* — {total} open" + (f", {overdue} overdue" if overdue else "")
    first = (page - 1) * LIST_PAGE_SIZE + 1
    last = first + len(promises) - 1
    if total > len(promises):
        header += f" — showing {first}–{last}, overdue first"
    blocks = [section(header)]
    for promise in promises[:LIST_PAGE_SIZE]:
        owner = f" · <@{promise.owner_id}>"
        blocks.append(section(promise_line(promise, tz, now) + owner))
    pages = -(-total // LIST_PAGE_SIZE)
    if pages > 1:
        command = "/promise list" + (f" {scope}" if scope else "")
        hints = []
        if page < pages:
            hints.append(f"next: `{command} page {page + 1}`")
        if page > 1:
            hints.append(f"previous: `{command} page {page - 1}`")
        blocks.append(context(f"Page {page} of {pages} · " + " · ".join(hints)))
        paging = []
        if page > 1:
            paging.append(button("Previous", LIST_PAGE, f"{scope} page {page - 1}".strip()))
        if page < pages:
            paging.append(button("Next", LIST_PAGE, f"{scope} page {page + 1}".strip()))
        blocks.append(actions(*paging, block_id=f"list_page_{page}"))
    fallback = f"{title} — {total} open" + (f", {overdue} overdue" if overdue else "")
    return {"response_type": "ephemeral", "text": fallback, "blocks": blocks}


def list_view(message: Message) -> dict[str, Any]:
    """A `/promise list` answer as a modal ("Show all" on the Home tab): the same blocks, its
    Previous / Next buttons turn its pages in place."""
    blocks = message.get("blocks") or [section(str(message.get("text") or ""))]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Open promises"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks,
    }


def promise_closed(promise: PromiseView, tz: str, *, now: datetime) -> Message:
    return text_message(
        f"PromiseView {promise.short_id} "
        f"({mrkdwn(promise.description, 200)}) is closed.\n" + outcome_line(promise, tz, now=now)
    )


def promise_extended(
    promise: PromiseView,
    tz: str,
    *,
    now: datetime,
    named_zone: NamedZone | None = None,
    ignored: tuple[str, ...] = (),
) -> Message:
    when = deadline_line(promise.deadline, tz, now, named_zone)
    note = ignored_note(ignored)
    return text_message(
        f":calendar: PromiseView {promise.short_id} now runs until "
        f"*{when}*. Reminders are re-armed." + (f"\n{note}" if note else "")
    )


def promise_handed_off(promise: PromiseView, previous_owner: str) -> Message:
    return text_message(
        f":arrows_counterclockwise: PromiseView {promise.short_id} moved from "
        f"<@{previous_owner}> to <@{promise.owner_id}>. A DM telling them is on its way."
    )


def handoff_notice(promise: PromiseView, actor_id: str, tz: str, now: datetime) -> Message:
    text = f":inbox_tray: <@{actor_id}> handed you a promise:\n" + promise_line(promise, tz, now)
    return {"text": text, "blocks": [section(text)]}


def supervisor_shown(rep_id: str, supervisor_id: str | None) -> Message:
    if supervisor_id:
        return text_message(f"<@{rep_id}> reports to <@{supervisor_id}>.")
    return text_message(
        f"No supervisor is set for <@{rep_id}>. An admin can set one with "
        f"`/promise supervisor <@{rep_id}> @lead`."
    )


def supervisor_set(rep_id: str, supervisor_id: str) -> Message:
    return text_message(
        f":busts_in_silhouette: <@{rep_id}> now reports to <@{supervisor_id}>. "
        "Escalations for their promises will go there."
    )


def _setting_lines(values: dict[str, Any]) -> list[str]:
    """What a channel sets, one line per key; unset keys say they use the workspace default."""

    def span(key: str) -> str | None:
        seconds = values.get(key)
        if seconds is None:
            return None
        return "off" if seconds == 0 else describe_span(timedelta(seconds=int(seconds)))

    default = "_workspace default_"
    escalation = values.get("escalation")
    kind = values.get("kind")
    before = span("remind_before")
    after = span("escalate_after")
    return [
        "• Escalation channel (`escalation`): "
        + (f"<#{escalation}>" if escalation else "_none_ — escalations go to the supervisor"),
        "• Counterpart kind (`kind`): "
        + (f"{kind}" if kind else "_not set_ — guessed from the text"),
        "• Heads-up before the deadline (`remind_before`): " + (before or default),
        "• Escalate after the deadline (`escalate_after`): " + (after or default),
    ]


def channel_settings_shown(
    channel_id: str, values: dict[str, Any], *, headline: str | None = None
) -> Message:
    """The settings of one channel (`values` as bot.channels.values_of gives them)."""
    title = headline or f"Kept settings for <#{channel_id}>"
    text = f"{title}\n" + "\n".join(_setting_lines(values))
    return {
        "response_type": "ephemeral",
        "text": title,
        "blocks": [
            section(text),
            context(
                "They apply to promises made in this channel from now on; promises already made "
                "keep their reminders. Change one with `/promise channel set <key> <value>`, undo "
                "with `/promise channel clear [key]`."
            ),
        ],
    }


def channel_help() -> Message:
    return text_message(
        "*Channel settings* (admins):\n"
        "• `/promise channel [#channel] show`\n"
        "• `/promise channel [#channel] set escalation #channel`\n"
        "• `/promise channel [#channel] set kind candidate|customer|other`\n"
        "• `/promise channel [#channel] set remind_before 30m` (0 turns the heads-up off)\n"
        "• `/promise channel [#channel] set escalate_after 4h`\n"
        "• `/promise channel [#channel] clear [key]`\n"
        "• `/promise channel list [page N]` — every channel's settings\n"
        "Without `#channel`, it's the channel you type in."
    )


# ---------------------------------------------------------------------------- reports


# ---------------------------------------------------------------------------- deactivated owners


# the handed-over promises a hand-over DM lists with buttons (the rest are counted)
HANDOVER_SHOWN = 15


def deactivated_handover(
    old_owner: str, promises: list[PromiseView], tz: str, now: datetime
) -> Message:
    """DM to the supervisor who takes over the open promises of a deactivated person."""
    count = len(promises)
    text = (
        f":inbox_tray: <@{old_owner}>'s Slack account was deactivated, so their "
        f"{count} open promise{'s' if count != 1 else ''} "
        f"{'are' if count != 1 else 'is'} now yours as their supervisor. Close, extend or "
        "hand each one on:"
    )
    message_blocks = [section(text)]
    shown = promises[:HANDOVER_SHOWN]
    for promise in shown:
        message_blocks.append(section(promise_line(promise, tz, now)))
        message_blocks.append(nudge_buttons(promise))
    if count > len(shown):
        message_blocks.append(
            context(
                f"…and {count - len(shown)} more (all {count} are yours now): `/promise list` "
                "pages through them, overdue first."
            )
        )
    return {
        "text": f"<@{old_owner}> was deactivated: {count} open promise(s) are now yours.",
        "blocks": message_blocks,
    }


# --- weekly digest for supervisors --------------------------------------------------------------
