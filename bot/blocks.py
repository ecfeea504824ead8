"""Every Block Kit message, form and view Kept sends, as pure functions of plain data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.deadlines import format_deadline
from bot.models import Promise, Status
from bot.promises import MAX_DESCRIPTION, short_id

Block = dict[str, Any]
Message = dict[str, Any]

# action and callback ids: the manifest and handlers use these names
UNDO = "promise_undo"
EDIT = "promise_edit"
OPEN_FORM = "promise_open_form"
KEPT = "promise_kept"
NEW_DATE = "promise_new_date"
HAND_OFF = "promise_hand_off"
COULDNT_KEEP = "promise_couldnt_keep"
REMIND_OWNER = "promise_remind_owner"
NEW_PROMISE_VIEW = "new_promise"
EDIT_VIEW = "edit_promise"

EXAMPLES = (
    "`/promise call Jane Doe back about the supervisor role by Friday 5pm`",
    "`/promise send Acme the revised quote by tomorrow`",
    "`/promise stay in touch with Sam (candidate) over the next two weeks`",
    "`/promise refund order 1182 for Mrs. Lee by EOD`",
)

_KIND_LABEL = {"candidate": "candidate", "customer": "customer", "other": "contact"}


def _escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _truncate(text, 3000)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _truncate(text, 3000)}]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value[:2000],
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


def promise_line(promise: Promise, tz: str, now: datetime) -> str:
    """One line: `#42 call Jane Doe back — Jane Doe (candidate) — due Fri 27 Nov, 17:00 PST`."""
    parts = [f"*{short_id(promise.id)}* {_escape(_truncate(promise.description, 300))}"]
    if promise.counterpart:
        kind = _KIND_LABEL.get(promise.counterpart_kind or "", "")
        parts.append(_escape(promise.counterpart) + (f" ({kind})" if kind else ""))
    when = format_deadline(promise.deadline, tz)
    if promise.is_open and promise.deadline <= now:
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


def promise_recorded(promise: Promise, tz: str, now: datetime, *, created: bool = True) -> Message:
    headline = (
        "Got it — I'll hold you to this one." if created else "You already recorded this one."
    )
    lines = [f"*{_escape(_truncate(promise.description, 2500))}*"]
    if promise.counterpart:
        kind = _KIND_LABEL.get(promise.counterpart_kind or "", "")
        lines.append(f"To: {_escape(promise.counterpart)}" + (f" ({kind})" if kind else ""))
    lines.append(f"By: {format_deadline(promise.deadline, tz)}")
    pid = str(promise.id)
    return {
        "response_type": "ephemeral",
        "text": f"{headline} Promise {short_id(promise.id)}: {promise.description[:200]}",
        "blocks": [
            section(f":handshake: {headline}"),
            section("\n".join(lines)),
            context(
                f"Promise {short_id(promise.id)} · I'll remind you before the deadline. "
                f"Close it with `/promise done {promise.id}`."
            ),
            actions(button("Edit", EDIT, pid), button("Undo", UNDO, pid, "danger")),
        ],
    }


def deadline_problem(text: str, problem: str, deadline: datetime | None, tz: str) -> Message:
    if problem == "past" and deadline is not None:
        why = (
            f"That deadline ({format_deadline(deadline, tz)}) is already in the past, "
            "so I didn't record the promise."
        )
    else:
        why = "I couldn't find a deadline in that, so I didn't record the promise yet."
    shown = _escape(_truncate(text, 1500))
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


def too_long(text: str) -> Message:
    """A paste longer than a promise holds: say so, keep the words, offer the form."""
    why = (f"That's {len(text):,} characters; a promise holds up to {MAX_DESCRIPTION:,}, so I "
           "didn't record it. Keep the gist (who, what, by when) and link to the details.")
    return {
        "response_type": "ephemeral",
        "text": why,
        "blocks": [
            section(f":scissors: {why}"),
            section(f"The start of your words:\n>{_escape(_truncate(text, 1500))}"),
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
        "• `/promise report [@user|team] [days]` — kept on time, late, broken, open "
        "(supervisors, admins)",
        "• `/promise channel [#channel] show|set|clear` — channel settings (admins; "
        "`/promise channel help`)",
            "• `/promise` on its own opens the form.",
        ]
    )
    return text_message(text)


def promise_list(title: str, promises: list[Promise], tz: str, now: datetime) -> Message:
    if not promises:
        return text_message(f"{title}: nothing open. :tada:")
    overdue = sum(1 for p in promises if p.deadline <= now)
    header = f"*{title}* — {len(promises)} open" + (f", {overdue} overdue" if overdue else "")
    blocks = [section(header)]
    for promise in promises[:45]:
        owner = f" · <@{promise.owner_id}>"
        blocks.append(section(promise_line(promise, tz, now) + owner))
    if len(promises) > 45:
        blocks.append(context(f"…and {len(promises) - 45} more."))
    return {"response_type": "ephemeral", "text": header, "blocks": blocks}


_OUTCOME_TEXT = {
    Status.KEPT.value: ":white_check_mark: Kept",
    Status.BROKEN.value: ":x: Couldn't keep",
    Status.CANCELLED.value: ":heavy_minus_sign: Cancelled",
}


def outcome_line(promise: Promise, tz: str) -> str:
    when = format_deadline(promise.closed_at, tz) if promise.closed_at else ""
    line = f"{_OUTCOME_TEXT.get(promise.status, promise.status)} — closed by <@{promise.closed_by}>"
    line += f" on {when}" if when else ""
    if promise.closure_note:
        line += f": {_escape(_truncate(promise.closure_note, 500))}"
    return line


def promise_closed(promise: Promise, tz: str) -> Message:
    return text_message(
        f"Promise {short_id(promise.id)} "
        f"({_escape(_truncate(promise.description, 200))}) is closed.\n" + outcome_line(promise, tz)
    )


def promise_extended(promise: Promise, tz: str) -> Message:
    return text_message(
        f":calendar: Promise {short_id(promise.id)} now runs until "
        f"*{format_deadline(promise.deadline, tz)}*. Reminders are re-armed."
    )


def promise_handed_off(promise: Promise, previous_owner: str) -> Message:
    return text_message(
        f":arrows_counterclockwise: Promise {short_id(promise.id)} moved from "
        f"<@{previous_owner}> to <@{promise.owner_id}>. I've told them."
    )


def handoff_notice(promise: Promise, actor_id: str, tz: str, now: datetime) -> Message:
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
    kinds = [("candidate", "Candidate"), ("customer", "Customer"), ("other", "Other")]
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
                "block_id": "owner",
                "label": {"type": "plain_text", "text": "Who owns it?"},
                "element": {"type": "users_select", "action_id": "value", "initial_user": owner_id},
            },
        ],
    }


def edit_form(promise: Promise) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "title": {"type": "plain_text", "text": f"Edit promise {short_id(promise.id)}"[:24]},
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


# --- reminders: heads-up, nudge, escalation (SPEC §3) ---------------------------------------


def _counterpart_phrase(promise: Promise) -> str:
    return f" to {_escape(promise.counterpart)}" if promise.counterpart else ""


def nudge_buttons(promise: Promise) -> Block:
    pid = str(promise.id)
    return actions(
        button("Kept", KEPT, pid, "primary"),
        button("New date", NEW_DATE, pid),
        button("Hand off", HAND_OFF, pid),
        button("Couldn't keep", COULDNT_KEEP, pid),
        block_id=f"promise_{promise.id}",
    )


def heads_up(promise: Promise, tz: str, now: datetime) -> Message:
    left = describe_span(promise.deadline - now) if promise.deadline > now else "moments"
    text = (
        f":hourglass_flowing_sand: Heads-up: your promise{_counterpart_phrase(promise)} is due "
        f"in {left} ({format_deadline(promise.deadline, tz)})."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{_escape(_truncate(promise.description, 2000))}"),
            context(
                f"Promise {short_id(promise.id)} · Done already? Press Kept. Need more time? "
                "Pick a new date and let them know."
            ),
            nudge_buttons(promise),
        ],
    }


def nudge(promise: Promise, tz: str, now: datetime) -> Message:
    late = describe_span(now - promise.deadline) if now > promise.deadline else "just now"
    who = _counterpart_phrase(promise)
    when = format_deadline(promise.deadline, tz)
    ago = "just now" if late == "just now" else f"{late} ago"
    text = f":wave: Friendly nudge: your promise{who} was due {when} ({ago})."
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{_escape(_truncate(promise.description, 2000))}"),
            context(
                f"Promise {short_id(promise.id)} · If it's done, press Kept. If not, a short "
                "update with a new date beats silence — press New date and I'll draft it."
            ),
            nudge_buttons(promise),
        ],
    }


def escalation(
    promise: Promise,
    tz: str,
    now: datetime,
    *,
    nudged_at: datetime | None,
    to_channel: bool = False,
) -> Message:
    late = describe_span(now - promise.deadline)
    nudged = (
        f"<@{promise.owner_id}> was nudged {format_deadline(nudged_at, tz)}."
        if nudged_at
        else f"<@{promise.owner_id}> has not been reached yet."
    )
    text = (
        f":rotating_light: <@{promise.owner_id}>'s promise{_counterpart_phrase(promise)} is "
        f"{late} overdue (due {format_deadline(promise.deadline, tz)}) and still open."
    )
    pid = str(promise.id)
    message_blocks = [
        section(text),
        section(f">{_escape(_truncate(promise.description, 2000))}"),
        context(
            f"Promise {short_id(promise.id)} · {nudged} A quick word from you may be all it takes."
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


def nobody_to_escalate_to(promise: Promise, *, admins_told: bool = False) -> Message:
    if admins_told:
        who = ("No supervisor or escalation channel is set for you, so I let the workspace "
               "admins know instead (they can set your supervisor).")
    else:
        who = ("I couldn't reach a supervisor, an escalation channel or an admin about it.")
    text = (
        f":information_source: Your promise {short_id(promise.id)} is overdue. {who} Please "
        "close it or set a new date so it doesn't slip through."
    )
    return {"text": text, "blocks": [section(text), nudge_buttons(promise)]}


def owner_reminder(promise: Promise, supervisor_id: str, tz: str, now: datetime) -> Message:
    text = (
        f":wave: <@{supervisor_id}> asked me to remind you about promise "
        f"{short_id(promise.id)}{_counterpart_phrase(promise)}, due "
        f"{format_deadline(promise.deadline, tz)}."
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            section(f">{_escape(_truncate(promise.description, 2000))}"),
            nudge_buttons(promise),
        ],
    }


def settled(promise: Promise, tz: str, original_text: str) -> Message:
    """An earlier reminder, rewritten once the promise closed, moved or changed hands."""
    if promise.is_open:
        outcome = (
            f":calendar: Now owned by <@{promise.owner_id}>, due "
            f"{format_deadline(promise.deadline, tz)}. This reminder is out of date."
        )
    else:
        outcome = outcome_line(promise, tz)
    return {
        "text": outcome,
        "blocks": [
            section(
                f"~{_escape(_truncate(original_text, 1500))}~"
                if original_text
                else f"Promise {short_id(promise.id)}"
            ),
            section(f">{_escape(_truncate(promise.description, 2000))}"),
            context(outcome),
        ],
    }


def counterpart_update(promise: Promise, tz: str, note: str | None) -> str:
    """A ready-to-send update for the counterpart after a new date."""
    name = promise.counterpart.split()[0] if promise.counterpart else "there"
    reason = f" {note.rstrip('.')}." if note else ""
    return (
        f"Hi {name}, a quick update on {promise.description[:300].rstrip('.')}: it's taking a "
        f"little longer than I said.{reason} You'll hear from me by "
        f"{format_deadline(promise.deadline, tz)}. Thanks for your patience!"
    )


def _modal(
    callback_id: str,
    title: str,
    submit: str,
    promise_id: int,
    body: list[Block],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"promise_id": promise_id, **(extra or {})}),
        "blocks": body,
    }


def _what(promise: Promise) -> Block:
    """The promise a form is about, on top of the form."""
    return section(f"*{_escape(_truncate(promise.description, 500))}*")


def _picker(block_id: str, label: str, kind: str) -> Block:
    """A required input with one picker element (`datetimepicker`, `users_select`, ...)."""
    return {"type": "input", "block_id": block_id,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": kind, "action_id": "value"}}


NEW_DATE_VIEW = "promise_new_date"
HAND_OFF_VIEW = "promise_hand_off"
COULDNT_KEEP_VIEW = "promise_couldnt_keep"


def new_date_form(promise: Promise, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return _modal(
        NEW_DATE_VIEW,
        "New date",
        "Save",
        promise.id,
        [
            _what(promise),
            _picker("deadline", "New deadline", "datetimepicker"),
            _text_input(
                "note", "Note (why, what's next)", optional=True, multiline=True, max_length=2000
            ),
        ],
        extra,
    )


def new_date_done(promise: Promise, tz: str, note: str | None) -> dict[str, Any]:
    update = counterpart_update(promise, tz, note)
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New date saved"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [
            section(
                f":calendar: Promise {short_id(promise.id)} now runs until "
                f"*{format_deadline(promise.deadline, tz)}*. Reminders are re-armed."
            ),
            section("A ready-to-send update for them (copy, tweak, send):"),
            section(f"```{_escape(update)}```"),
        ],
    }


def hand_off_form(promise: Promise, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return _modal(
        HAND_OFF_VIEW,
        "Hand off",
        "Hand off",
        promise.id,
        [_what(promise), _picker("owner", "Who takes it over?", "users_select")],
        extra,
    )


def couldnt_keep_form(promise: Promise, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return _modal(
        COULDNT_KEEP_VIEW,
        "Couldn't keep it",
        "Close it",
        promise.id,
        [
            _what(promise),
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

TRACK_SHORTCUT = "track_promise"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def home_view(data: Any) -> dict[str, Any]:
    """The App Home tab for one person (`data` is a bot.home.HomeData)."""
    view_blocks: list[Block] = [_header("Your promises")]
    if data.mine:
        for promise in data.mine:
            view_blocks.append(section(promise_line(promise, data.tz, data.now)))
            view_blocks.append(nudge_buttons(promise))
    else:
        view_blocks.append(section("Nothing open. Record one with `/promise <what> by <when>` "
                                   "or the *Track as a promise* shortcut on any message."))
    r = data.record
    view_blocks.append(context(f"Last 30 days: {r.made} made · {r.kept_on_time} kept on time · "
                               f"{r.kept_late} kept late · {r.broken} broken"))
    if data.team:
        view_blocks += [{"type": "divider"}, _header("Your team")]
        for line in data.team:
            flag = f" · :warning: {line.overdue} overdue" if line.overdue else ""
            view_blocks.append(section(f"<@{line.user_id}> — {line.open} open{flag}"))
        view_blocks.append(context("`/promise list team` shows every open promise of your team."))
    if data.is_admin:
        view_blocks += [{"type": "divider"}, _header("Admin")]
        if data.supervisors:
            pairs = ", ".join(f"<@{rep}> → <@{lead}>" for rep, lead in data.supervisors[:60])
            view_blocks.append(section(f"*Supervisors:* {pairs}"))
        else:
            view_blocks.append(section("*Supervisors:* none set yet."))
        if data.channels:
            rows = []
            for ch in data.channels[:40]:
                parts = []
                if ch.escalation_channel_id:
                    parts.append(f"escalations to <#{ch.escalation_channel_id}>")
                if ch.counterpart_kind:
                    parts.append(f"counterparts are {ch.counterpart_kind}s")
                if ch.remind_before_seconds is not None:
                    before = describe_span(timedelta(seconds=ch.remind_before_seconds))
                    parts.append(f"heads-up {before} before")
                if ch.escalate_after_seconds is not None:
                    parts.append("escalate after "
                                 f"{describe_span(timedelta(seconds=ch.escalate_after_seconds))}")
                rows.append(f"<#{ch.channel_id}>: " + (", ".join(parts) or "defaults"))
            view_blocks.append(section("*Channel settings:*\n" + "\n".join(rows)))
        else:
            view_blocks.append(section("*Channel settings:* none; every channel uses the "
                                       "defaults."))
        view_blocks.append(context("Set a supervisor with `/promise supervisor @rep @lead`, or "
                                   "import many with `kept supervisors import people.csv`."))
    return {"type": "home", "blocks": view_blocks[:100]}


# ---------------------------------------------------------------------------- channel settings


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
        "Without `#channel`, it's the channel you type in."
    )


# ---------------------------------------------------------------------------- reports


def _figures_fields(f: Any) -> list[Block]:
    late = str(f.kept_late)
    if f.kept_late:
        late += (f" (median {describe_span(f.median_late)}, "
                 f"worst {describe_span(f.worst_late)})")
    rate = "–" if f.on_time_rate is None else f"{round(f.on_time_rate * 100)}%"
    opened = f"{f.open}" + (f" ({f.overdue} overdue)" if f.overdue else "")
    pairs = [("Made", str(f.made)), ("Kept on time", str(f.kept_on_time)), ("Kept late", late),
             ("Broken", str(f.broken)), ("Cancelled", str(f.cancelled)), ("Open", opened),
             ("On time", rate)]
    return [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in pairs]


def _figures_line(f: Any) -> str:
    parts = [f"{f.made} made", f"{f.kept_on_time} kept on time"]
    late = f"{f.kept_late} late"
    if f.kept_late:
        late += f" (median {describe_span(f.median_late)}, worst {describe_span(f.worst_late)})"
    parts += [late, f"{f.broken} broken", f"{f.cancelled} cancelled",
              f"{f.open} open" + (f", {f.overdue} overdue" if f.overdue else "")]
    rate = "" if f.on_time_rate is None else f" · *{round(f.on_time_rate * 100)}% on time*"
    return " · ".join(parts) + rate


MAX_REPORT_LINES = 40


def report_message(report: Any, title: str, tz: str) -> Message:
    """A `/promise report` answer (`report` is a bot.reports.Report)."""
    days = round((report.until - report.since).total_seconds() / 86400)
    heading = f"{title} — last {days} day{'s' if days != 1 else ''}"
    total = report.total
    rate = "" if total.on_time_rate is None else f"; {round(total.on_time_rate * 100)}% on time"
    fallback = (f"{heading}: {total.made} made, {total.kept_on_time} kept on time, "
                f"{total.kept_late} kept late, {total.broken} broken, {total.cancelled} cancelled, "
                f"{total.open} open ({total.overdue} overdue){rate}.")
    report_blocks: list[Block] = [
        _header(heading),
        context(f"{format_deadline(report.since, tz)} – {format_deadline(report.until, tz)} · "
                f"{len(report.lines)} {'person' if len(report.lines) == 1 else 'people'}"),
    ]
    if not report.lines:
        report_blocks.append(section("No promises made, closed or open in that time."))
        return {"response_type": "ephemeral", "text": fallback, "blocks": report_blocks}
    report_blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "*In total*"},
                          "fields": _figures_fields(total)})
    report_blocks.append({"type": "divider"})
    for line in report.lines[:MAX_REPORT_LINES]:
        report_blocks.append(section(f"*<@{line.user_id}>* — {_figures_line(line.figures)}"))
    if len(report.lines) > MAX_REPORT_LINES:
        report_blocks.append(context(f"…and {len(report.lines) - MAX_REPORT_LINES} more people: "
                                     "`kept report` on the server lists everyone."))
    report_blocks.append(context(
        "On time = kept by the deadline (the final one, after any extension) ÷ kept + broken; "
        "cancelled promises don't count. Handed-off promises count for their current owner."))
    return {"response_type": "ephemeral", "text": fallback, "blocks": report_blocks}


# ---------------------------------------------------------------------------- deactivated owners


def deactivated_handover(old_owner: str, promises: list[Promise], tz: str,
                         now: datetime) -> Message:
    """DM to the supervisor who takes over the open promises of a deactivated person."""
    count = len(promises)
    text = (f":inbox_tray: <@{old_owner}>'s Slack account was deactivated, so their "
            f"{count} open promise{'s' if count != 1 else ''} "
            f"{'are' if count != 1 else 'is'} now yours as their supervisor. Close, extend or "
            "hand each one on:")
    message_blocks = [section(text)]
    for promise in promises[:20]:
        message_blocks.append(section(promise_line(promise, tz, now)))
        message_blocks.append(nudge_buttons(promise))
    if count > 20:
        message_blocks.append(context(f"…and {count - 20} more: `/promise list` shows them all."))
    return {"text": f"<@{old_owner}> was deactivated: {count} open promise(s) are now yours.",
            "blocks": message_blocks}


# --- weekly digest for supervisors --------------------------------------------------------------


def _trend(now: int, before: int, *, higher_is_better: bool = True) -> str:
    if now == before:
        return "→ same as the week before"
    better = (now > before) == higher_is_better
    arrow = "↑" if now > before else "↓"
    return f"{arrow} from {before}" + (" :tada:" if better else "")


def digest_message(digest: Any) -> Message:
    """The Monday DM to a supervisor (`digest` is a bot.digest.Digest)."""
    week, before = digest.last_week.total, digest.week_before.total
    rate = (f"{round(100 * week.on_time_rate)}%" if week.on_time_rate is not None else "—")
    rate_before = (f"{round(100 * before.on_time_rate)}%" if before.on_time_rate is not None
                   else "—")
    headline = (f":bar_chart: Your team's promises last week: {week.made} made, "
                f"{week.kept_on_time} kept on time, {week.kept_late} kept late, "
                f"{week.broken} broken.")
    lines = [
        f"*On time:* {rate} (the week before: {rate_before})",
        f"*Kept on time:* {week.kept_on_time} {_trend(week.kept_on_time, before.kept_on_time)}",
        f"*Broken:* {week.broken} "
        f"{_trend(week.broken, before.broken, higher_is_better=False)}",
        f"*Open at the end of the week:* {week.open}, of which {week.overdue} overdue",
    ]
    per_rep = [f"<@{line.user_id}>: {line.figures.made} made, {line.figures.kept_on_time} on "
               f"time, {line.figures.kept_late} late, {line.figures.broken} broken, "
               f"{line.figures.open} open" for line in digest.last_week.lines]
    message_blocks: list[Block] = [section(headline), section("\n".join(lines))]
    if per_rep:
        message_blocks.append(section("*By person:*\n" + "\n".join(per_rep[:40])))
    if digest.overdue:
        message_blocks.append(section(f"*Still overdue ({len(digest.overdue)}):*"))
        for promise in digest.overdue[:15]:
            message_blocks.append(section(promise_line(promise, digest.tz, digest.now)
                                          + f" · <@{promise.owner_id}>"))
            message_blocks.append(actions(
                button("Remind them", REMIND_OWNER, str(promise.id), "primary"),
                button("Mark kept", KEPT, str(promise.id)),
                block_id=f"digest_{promise.id}"))
    else:
        message_blocks.append(context("Nothing overdue right now. :white_check_mark:"))
    return {"text": headline, "blocks": message_blocks[:50]}
