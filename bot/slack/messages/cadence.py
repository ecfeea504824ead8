"""Cadence promises and away/cover (SPEC §2.4, §3): check-ins, their buttons and forms, the
away replies and the return summary. Pure functions of plain data."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from bot.language.cadence import Rhythm, RhythmKind, describe_rhythm
from bot.language.deadlines import format_deadline
from bot.promises.states import CheckInOutcome
from bot.promises.views import PromiseView
from bot.slack.messages.base import (
    KIND_LABEL,
    MAX_SECTION_TEXT,
    Block,
    Message,
    actions,
    button,
    context,
    describe_span,
    modal,
    mrkdwn,
    pack_lines,
    promise_heading,
    section,
    text_message,
)
from bot.slack.messages.ids import EDIT, UNDO

# the text the return summary's lines may take in all (Slack refuses past ~11,000)
RETURN_SUMMARY_BUDGET = 7000

# action and view ids
UPDATED = "checkin_updated"
SKIP_CHECK_IN = "checkin_skip"
NEW_RHYTHM = "checkin_new_rhythm"
DONE_FOR_GOOD = "checkin_done_for_good"
UPDATED_VIEW = "checkin_updated"
BACK = "away_back"
NEW_RHYTHM_VIEW = "checkin_new_rhythm"

__all__ = [
    "BACK",
    "DONE_FOR_GOOD",
    "NEW_RHYTHM",
    "NEW_RHYTHM_VIEW",
    "RHYTHM_CHOICES",
    "SKIP_CHECK_IN",
    "UPDATED",
    "UPDATED_VIEW",
    "away_ended",
    "away_set",
    "cadence_problem",
    "cadence_recorded",
    "check_in_buttons",
    "check_in_draft",
    "check_in_logged",
    "check_in_nudge",
    "covering",
    "info_view",
    "new_rhythm_form",
    "return_summary",
    "rhythm_line",
    "rhythm_of_choice",
    "rhythm_picker",
    "updated_form",
]

# the rhythm picker: value -> rhythm
RHYTHM_CHOICES: dict[str, Rhythm] = {
    "wd1": Rhythm(RhythmKind.WORKING_DAYS, 1),
    "wd2": Rhythm(RhythmKind.WORKING_DAYS, 2),
    "wd3": Rhythm(RhythmKind.WORKING_DAYS, 3),
    "d7": Rhythm(RhythmKind.DAYS, 7),
    "d14": Rhythm(RhythmKind.DAYS, 14),
    **{f"w{n}": Rhythm(RhythmKind.WEEKDAY, n) for n in range(5)},
    "h1": Rhythm(RhythmKind.HOURS, 1),
    "h2": Rhythm(RhythmKind.HOURS, 2),
    "h4": Rhythm(RhythmKind.HOURS, 4),
}


def rhythm_of_choice(value: str | None) -> Rhythm | None:
    return RHYTHM_CHOICES.get(value or "")


def _rhythm(promise: PromiseView) -> Rhythm | None:
    if promise.rhythm_kind is None or promise.rhythm_every is None:
        return None
    return Rhythm(RhythmKind(promise.rhythm_kind), promise.rhythm_every)


def _end_phrase(promise: PromiseView, tz: str, now: datetime) -> str:
    if promise.series_ends_at is not None and promise.series_end_event:
        # a series in hours: until the event, and at the latest HOURLY_LIMIT after it began
        event = mrkdwn(promise.series_end_event, 200)
        latest = format_deadline(promise.series_ends_at, tz, now=now)
        return f"until {event} (at the latest {latest})"
    if promise.series_ends_at is not None:
        return f"until {format_deadline(promise.series_ends_at, tz, now=now)}"
    if promise.series_end_event:
        return f"until {mrkdwn(promise.series_end_event, 200)}"
    return "until you close it"


def rhythm_line(promise: PromiseView, tz: str, *, now: datetime) -> str:
    """`every 3 working days until Wed 9 Dec, 10:00 PST · next check-in Mon 30 Nov, 17:00 PST`"""
    rhythm = _rhythm(promise)
    if rhythm is None:
        return ""
    return (
        f":repeat: {describe_rhythm(rhythm)} {_end_phrase(promise, tz, now)} · "
        f"next check-in {format_deadline(promise.deadline, tz, now=now)}"
    )


def _who(promise: PromiseView) -> str:
    return f" with {mrkdwn(promise.counterpart, 300)}" if promise.counterpart else ""


def cadence_recorded(
    promise: PromiseView, tz: str, now: datetime, *, created: bool = True
) -> Message:
    headline = (
        "Got it — I'll check in with you along the way."
        if created
        else "You already recorded this one."
    )
    lines = []
    if promise.counterpart:
        kind = KIND_LABEL.get(promise.counterpart_kind or "", "")
        lines.append(f"To: {mrkdwn(promise.counterpart, 300)}" + (f" ({kind})" if kind else ""))
    lines.append(rhythm_line(promise, tz, now=now))
    pid = str(promise.id)
    return {
        "response_type": "ephemeral",
        "text": f"{headline} PromiseView {promise.short_id}: {mrkdwn(promise.description, 200)}",
        "blocks": [
            section(f":handshake: {headline}"),
            section(f"*{mrkdwn(promise.description, MAX_SECTION_TEXT - 2)}*"),
            section("\n".join(lines)),
            context(
                f"PromiseView {promise.short_id} · Log each update with "
                f"`/promise updated {promise.id} [note]`; an early one counts and moves the next "
                f"check-in. End it with `/promise done {promise.id}`."
            ),
            actions(button("Edit", EDIT, pid), button("Undo", UNDO, pid, "danger")),
        ],
    }


_CADENCE_PROBLEMS = {
    "too_often": "Check-ins more often than every hour are a chat, not a promise.",
    "past_end": "That end date is already in the past.",
    "unclear_rhythm": (
        "I couldn't tell how often: say it in whole hours, days or weeks, or a weekday "
        "(`every 2 hours`, `every 3 working days`, `every 2 weeks`, `every Tuesday`)."
    ),
    "unclear_end": (
        "I couldn't read when it ends: give a date within a year (`until Dec 18`, "
        "`over the next two weeks`, `until the end of next month`), or an event "
        "(`until the role is filled`)."
    ),
    "too_far": (
        "That runs more than a year ahead: give an end and a rhythm within a year "
        "(`until the end of next month`, `every 2 weeks`)."
    ),
    "hourly_too_long": (
        "Check-ins every few hours can run for 7 days at most: give an end within a week "
        "(`until Friday 5pm`, `until the outage is fixed`)."
    ),
}


def cadence_problem(text: str, problem: str) -> Message:
    why = _CADENCE_PROBLEMS.get(problem, _CADENCE_PROBLEMS["past_end"])
    return text_message(
        f":warning: {why} I didn't record it.\n>{mrkdwn(text, 500)}\n"
        "Try e.g. `/promise keep Acme posted every Friday until Dec 18` or "
        "`/promise stay in touch with Sam over the next two weeks`."
    )


def check_in_buttons(promise: PromiseView) -> Block:
    pid = str(promise.id)
    return actions(
        button("Updated them", UPDATED, pid, "primary"),
        button("Skip this one", SKIP_CHECK_IN, pid),
        button("New rhythm", NEW_RHYTHM, pid),
        button("Done for good", DONE_FOR_GOOD, pid),
        block_id=f"checkin_{promise.id}_{promise.deadline_version}",
    )


def check_in_nudge(promise: PromiseView, tz: str, now: datetime) -> Message:
    late = describe_span(now - promise.deadline) if now > promise.deadline else ""
    ago = f" ({late} ago)" if late else ""
    text = (
        f":speech_balloon: Check-in time: you promised to stay in touch{_who(promise)}. "
        f"This update was due {format_deadline(promise.deadline, tz, now=now)}{ago}."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{mrkdwn(promise.description, 2000)}"),
            context(
                f"PromiseView {promise.short_id} · check-in {promise.deadline_version} · "
                f"{rhythm_line(promise, tz, now=now)} · Sent them an update? Press Updated "
                "them. Nothing to say? A short “no news yet” still counts."
            ),
            check_in_buttons(promise),
        ],
    }


def covering(message: Message, owner_id: str) -> Message:
    """A reminder meant for `owner_id`, sent to whoever covers while they are away."""
    note = f":busts_in_silhouette: Covering for <@{owner_id}>, who is away."
    return {
        **message,
        "text": f"{note} {message.get('text', '')}",
        "blocks": [context(note), *(message.get("blocks") or [])],
    }


def check_in_draft(promise: PromiseView, tz: str, note: str | None = None, *, now: datetime) -> str:
    """A short, honest update for the counterpart the owner can copy."""
    name = promise.counterpart.split()[0] if promise.counterpart else "there"
    news = note.rstrip(".") + "." if note else "No news yet, but I haven't forgotten you."
    when = format_deadline(promise.deadline, tz, now=now)
    return f"Hi {name}, a quick update: {news} Next update by {when}."


_OUTCOME_WORDS = {
    CheckInOutcome.ON_TIME: "on time",
    CheckInOutcome.LATE: "late",
    CheckInOutcome.SKIPPED: "skipped",
    CheckInOutcome.MISSED: "missed",
}


def check_in_logged(
    promise: PromiseView, tz: str, outcome: CheckInOutcome, *, now: datetime
) -> Message:
    if not promise.is_open:
        return text_message(
            f":white_check_mark: Update logged ({_OUTCOME_WORDS[outcome]}) — that was the last "
            f"check-in of promise {promise.short_id}; it's kept. :tada:",
            replace_original=True,
        )
    return text_message(
        f":white_check_mark: Update logged for promise {promise.short_id} "
        f"({_OUTCOME_WORDS[outcome]}). Next check-in "
        f"{format_deadline(promise.deadline, tz, now=now)}.\n"
        f"Ready to send next time: “{mrkdwn(check_in_draft(promise, tz, now=now), 1500)}”",
        replace_original=True,
    )


def updated_form(promise: PromiseView, tz: str, *, now: datetime) -> dict[str, Any]:
    blocks: list[Block] = [
        promise_heading(promise),
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "What did you tell them? (optional)"},
            "element": {
                "type": "plain_text_input",
                "action_id": "value",
                "multiline": True,
                "max_length": 2000,
            },
        },
        context(
            "Ready to send, if you haven't yet: "
            f"“{mrkdwn(check_in_draft(promise, tz, now=now), 1500)}”"
        ),
    ]
    return modal(UPDATED_VIEW, "Updated them", "Log it", promise.id, blocks)


def rhythm_picker(current: Rhythm | None = None) -> Block:
    """A select of the rhythms Kept offers (RHYTHM_CHOICES), `current` chosen."""
    options = [
        {
            "text": {"type": "plain_text", "text": describe_rhythm(rhythm)},
            "value": value,
        }
        for value, rhythm in RHYTHM_CHOICES.items()
    ]
    element: Block = {"type": "static_select", "action_id": "value", "options": options}
    for option in options:
        if current is not None and RHYTHM_CHOICES[option["value"]] == current:
            element["initial_option"] = option
    return element


def new_rhythm_form(promise: PromiseView) -> dict[str, Any]:
    element = rhythm_picker(_rhythm(promise))
    blocks: list[Block] = [
        promise_heading(promise),
        {
            "type": "input",
            "block_id": "rhythm",
            "label": {"type": "plain_text", "text": "Check in"},
            "element": element,
        },
    ]
    return modal(NEW_RHYTHM_VIEW, "New rhythm", "Save", promise.id, blocks)


def info_view(title: str, text: str) -> dict[str, Any]:
    """What a check-in form turns into once it is saved."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(text)],
    }


# ------------------------------------------------------------------------------- away


def away_set(
    user_id: str, until: datetime | None, cover_id: str | None, tz: str, *, own: bool, now: datetime
) -> Message:
    who = "You're" if own else f"<@{user_id}> is"
    when = f"until {format_deadline(until, tz, now=now)}" if until else "until they're back"
    if own and until is None:
        when = "until you're back"
    covered = (
        f"<@{cover_id}> gets the reminders meanwhile"
        if cover_id
        else "their supervisor gets the reminders meanwhile"
        if not own
        else "your supervisor gets the reminders meanwhile"
    )
    back = "`/promise back`" if own else f"`/promise back <@{user_id}>`"
    return text_message(
        f":palm_tree: {who} away {when}; {covered}, marked “covering for”. "
        f"Escalations still go to the supervisor. {back} ends it early."
    )


def away_ended(user_id: str, *, own: bool) -> Message:
    who = "Welcome back! Your" if own else f"<@{user_id}> is back; their"
    return text_message(
        f":wave: {who} reminders come straight to {'you' if own else 'them'} again. "
        "A summary of what happened meanwhile is on its way."
    )


def return_summary(
    user_id: str,
    starts_at: datetime,
    ended_at: datetime,
    lines: list[tuple[str, str]],
    tz: str,
    *,
    now: datetime,
) -> Message:
    """The DM after an away: one line per thing that happened, as many as fit, oldest first;
    what does not fit is counted by kind ("…and 57 more: 50 closed as kept, …")."""
    head = (
        f":wave: Welcome back, <@{user_id}>. While you were away "
        f"({format_deadline(starts_at, tz, now=now)} – {format_deadline(ended_at, tz, now=now)}):"
    )
    shown, rest = pack_lines([f"• {line}" for _what, line in lines], budget=RETURN_SUMMARY_BUDGET)
    body: list[Block] = [section(chunk) for chunk in shown] or [
        section("• Nothing happened to your promises.")
    ]
    count = len(lines)
    head += f" {count} thing{'s' if count != 1 else ''} happened to your promises."
    tail = "Your reminders come to you again. `/promise list` shows what's open."
    blocks: list[Block] = [section(head), *body]
    if rest:
        kinds = Counter(what for what, _line in lines[count - rest :])
        by_kind = ", ".join(f"{n} {what}" for what, n in kinds.most_common())
        blocks.append(
            section(
                f"…and {rest} more since then (the {count - rest} above came first): {by_kind}."
            )
        )
    blocks.append(context(tail))
    return {"text": head, "blocks": blocks}
