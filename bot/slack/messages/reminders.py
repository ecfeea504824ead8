"""Reminders over time (SPEC §3): heads-up, nudge, escalation and what rewrites them."""

from __future__ import annotations

from datetime import datetime

from bot.language.deadlines import format_deadline
from bot.promises.views import PromiseView
from bot.slack.messages.base import (
    Block,
    Message,
    actions,
    button,
    context,
    describe_span,
    mrkdwn,
    outcome_line,
    section,
)
from bot.slack.messages.ids import COULDNT_KEEP, HAND_OFF, KEPT, NEW_DATE, REMIND_OWNER

# --- reminders: heads-up, nudge, escalation (SPEC §3) ---------------------------------------


def _counterpart_phrase(promise: PromiseView) -> str:
    return f" to {mrkdwn(promise.counterpart, 300)}" if promise.counterpart else ""


def nudge_buttons(promise: PromiseView) -> Block:
    pid = str(promise.id)
    return actions(
        button("Kept", KEPT, pid, "primary"),
        button("New date", NEW_DATE, pid),
        button("Hand off", HAND_OFF, pid),
        button("Couldn't keep", COULDNT_KEEP, pid),
        block_id=f"promise_{promise.id}",
    )


def heads_up(promise: PromiseView, tz: str, now: datetime) -> Message:
    left = describe_span(promise.deadline - now) if promise.deadline > now else "moments"
    text = (
        f":hourglass_flowing_sand: Heads-up: your promise{_counterpart_phrase(promise)} is due "
        f"in {left} ({format_deadline(promise.deadline, tz, now=now)})."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{mrkdwn(promise.description, 2000)}"),
            context(
                f"PromiseView {promise.short_id} · Done already? Press Kept. Need more time? "
                "Pick a new date and let them know."
            ),
            nudge_buttons(promise),
        ],
    }


def nudge(promise: PromiseView, tz: str, now: datetime) -> Message:
    late = describe_span(now - promise.deadline) if now > promise.deadline else "just now"
    who = _counterpart_phrase(promise)
    when = format_deadline(promise.deadline, tz, now=now)
    ago = "just now" if late == "just now" else f"{late} ago"
    text = f":wave: Friendly nudge: your promise{who} was due {when} ({ago})."
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{mrkdwn(promise.description, 2000)}"),
            context(
                f"PromiseView {promise.short_id} · If it's done, press Kept. If not, a short "
                "update with a new date beats silence — press New date and I'll draft it."
            ),
            nudge_buttons(promise),
        ],
    }


def escalation(
    promise: PromiseView,
    tz: str,
    now: datetime,
    *,
    nudged_at: datetime | None,
    to_channel: bool = False,
) -> Message:
    late = describe_span(now - promise.deadline)
    nudged = (
        f"<@{promise.owner_id}> was nudged {format_deadline(nudged_at, tz, now=now)}."
        if nudged_at
        else f"<@{promise.owner_id}> has not been reached yet."
    )
    text = (
        f":rotating_light: <@{promise.owner_id}>'s promise{_counterpart_phrase(promise)} is "
        f"{late} overdue (due {format_deadline(promise.deadline, tz, now=now)}) and still open."
    )
    pid = str(promise.id)
    message_blocks = [
        section(text),
        section(f">{mrkdwn(promise.description, 2000)}"),
        context(
            f"PromiseView {promise.short_id} · {nudged} A quick word from you may be all it takes."
        ),
    ]
    if not to_channel:
        message_blocks.append(
            actions(
                button("Remind them", REMIND_OWNER, pid, "primary"),
                button("Mark kept", KEPT, pid),
                button("Couldn't keep", COULDNT_KEEP, pid),
                block_id=f"promise_{promise.id}",
            )
        )
    return {"text": text, "blocks": message_blocks}


def nobody_to_escalate_to(promise: PromiseView, *, admins_told: bool = False) -> Message:
    if admins_told:
        who = (
            "No supervisor or escalation channel is set for you, so I let the workspace "
            "admins know instead (they can set your supervisor)."
        )
    else:
        who = "I couldn't reach a supervisor, an escalation channel or an admin about it."
    text = (
        f":information_source: Your promise {promise.short_id} is overdue. {who} Please "
        "close it or set a new date so it doesn't slip through."
    )
    return {"text": text, "blocks": [section(text), nudge_buttons(promise)]}


# Slack's refusals for a recipient who can't receive, as the owner is told them
UNREACHABLE_BECAUSE = {
    "cannot_dm_bot": "is a bot",
    "user_disabled": "is deactivated",
    "account_inactive": "is deactivated",
    "user_not_found": "isn't in the workspace any more",
    "channel_not_found": "doesn't exist any more",
    "is_archived": "is archived",
    "not_in_channel": "doesn't let me post",
}


def undeliverable(
    promise: PromiseView, step_label: str, recipient: str, error: str, went_to: list[str]
) -> Message:
    """To the owner: a reminder about their promise could not reach `recipient` (a user or
    channel id), and where it went instead (user or channel ids; empty: nowhere)."""
    who = f"<#{recipient}>" if recipient[:1] in {"C", "G"} else f"<@{recipient}>"
    because = UNREACHABLE_BECAUSE.get(error, f"can't receive it (Slack said `{error}`)")
    if went_to:
        names = ", ".join(f"<#{r}>" if r[:1] in {"C", "G"} else f"<@{r}>" for r in went_to)
        where = f"I sent it to {names} instead."
    else:
        where = "Nobody else could be reached either."
    text = (
        f":information_source: I couldn't deliver the {step_label} about your promise "
        f"{promise.short_id}: {who} {because}. {where} An admin can set who it should go to "
        "with `/promise supervisor` or `/promise channel`."
    )
    return {"text": text, "blocks": [section(text), nudge_buttons(promise)]}


def owner_reminder(promise: PromiseView, supervisor_id: str, tz: str, now: datetime) -> Message:
    text = (
        f":wave: <@{supervisor_id}> asked me to remind you about promise "
        f"{promise.short_id}{_counterpart_phrase(promise)}, due "
        f"{format_deadline(promise.deadline, tz, now=now)}."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{mrkdwn(promise.description, 2000)}"),
            nudge_buttons(promise),
        ],
    }


def settled(promise: PromiseView, tz: str, original_text: str, *, now: datetime) -> Message:
    """An earlier reminder, rewritten once the promise closed, moved or changed hands."""
    if promise.is_open and promise.is_cadence:
        outcome = (
            f":repeat: This check-in is behind us; the next one is "
            f"{format_deadline(promise.deadline, tz, now=now)} (<@{promise.owner_id}>)."
        )
    elif promise.is_open:
        outcome = (
            f":calendar: Now owned by <@{promise.owner_id}>, due "
            f"{format_deadline(promise.deadline, tz, now=now)}. This reminder is out of date."
        )
    else:
        outcome = outcome_line(promise, tz, now=now)
    return {
        "text": outcome,
        "blocks": [
            section(
                f"~{mrkdwn(original_text, 1500)}~"
                if original_text
                else f"PromiseView {promise.short_id}"
            ),
            section(f">{mrkdwn(promise.description, 2000)}"),
            context(outcome),
        ],
    }


def counterpart_update(promise: PromiseView, tz: str, note: str | None, *, now: datetime) -> str:
    """A ready-to-send update for the counterpart after a new date."""
    name = promise.counterpart.split()[0] if promise.counterpart else "there"
    reason = f" {note.rstrip('.')}." if note else ""
    return (
        f"Hi {name}, a quick update on {promise.description[:300].rstrip('.')}: it's taking a "
        f"little longer than I said.{reason} You'll hear from me by "
        f"{format_deadline(promise.deadline, tz, now=now)}. Thanks for your patience!"
    )
