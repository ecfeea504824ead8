"""The App Home tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.slack.messages.base import Block, _header, context, describe_span, promise_line, section
from bot.slack.messages.cadence import check_in_buttons
from bot.slack.messages.noticing import watched_lines
from bot.slack.messages.reminders import nudge_buttons


def home_view(data: Any, *, notice: str | None = None) -> dict[str, Any]:
    """The App Home tab for one person (`data` is a bot.home.HomeData); `notice` (mrkdwn) is
    the answer to a button pressed on the tab, shown on top."""
    view_blocks: list[Block] = []
    if notice:
        view_blocks += [section(notice), {"type": "divider"}]
    view_blocks.append(_header("Your promises"))
    if data.mine:
        for promise in data.mine:
            view_blocks.append(section(promise_line(promise, data.tz, data.now)))
            # a cadence promise: log an update (an early one counts for the next check-in)
            view_blocks.append(
                check_in_buttons(promise) if promise.is_cadence else nudge_buttons(promise)
            )
    else:
        view_blocks.append(
            section(
                "Nothing open. Record one with `/promise <what> by <when>` "
                "or the *Track as a promise* shortcut on any message."
            )
        )
    r = data.record
    view_blocks.append(
        context(
            f"Last 30 days: {r.made} made · {r.kept_on_time} kept on time · "
            f"{r.kept_late} kept late · {r.broken} broken"
        )
    )
    view_blocks += _own_away(data)
    if data.team:
        view_blocks += [{"type": "divider"}, _header("Your team")]
        for line in data.team:
            flag = f" · :warning: {line.overdue} overdue" if line.overdue else ""
            view_blocks.append(section(f"<@{line.user_id}> — {line.open} open{flag}"))
        view_blocks += _team_aways(data)
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
                    parts.append(
                        "escalate after "
                        f"{describe_span(timedelta(seconds=ch.escalate_after_seconds))}"
                    )
                rows.append(f"<#{ch.channel_id}>: " + (", ".join(parts) or "defaults"))
            view_blocks.append(section("*Channel settings:*\n" + "\n".join(rows)))
        else:
            view_blocks.append(
                section("*Channel settings:* none; every channel uses the defaults.")
            )
        view_blocks.append(section("\n".join(watched_lines(*data.watched))))
        view_blocks.append(
            context(
                "Set a supervisor with `/promise supervisor @rep @lead`, or "
                "import many with `kept supervisors import people.csv`."
            )
        )
    return {"type": "home", "blocks": view_blocks[:100]}


# ---------------------------------------------------------------------------- channel settings


def _own_away(data: Any) -> list[Block]:
    """You're away (with an I'm back button), and who covers."""
    from bot.language.deadlines import format_deadline
    from bot.slack.messages.base import actions, button
    from bot.slack.messages.cadence import BACK

    found: list[Block] = []
    if data.away is not None:
        until, cover = data.away
        when = f"until {format_deadline(until, data.tz)}" if until else "until you're back"
        who = f"<@{cover}> covers" if cover else "nobody covers (no supervisor set)"
        found.append(section(f":palm_tree: You're away {when}; {who}."))
        found.append(actions(button("I'm back", BACK, "back")))
    return found


def _team_aways(data: Any) -> list[Block]:
    """Who in your team is away, and who covers."""
    from bot.language.deadlines import format_deadline

    found: list[Block] = []
    for user_id, until, cover in data.team_away:
        when = f"until {format_deadline(until, data.tz)}" if until else "until they're back"
        found.append(section(f":palm_tree: <@{user_id}> is away {when} — <@{cover}> covers."))
    return found
