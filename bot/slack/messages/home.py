"""The App Home tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.channels.views import ChannelView
from bot.language.deadlines import format_deadline
from bot.slack.messages.base import (
    Block,
    actions,
    button,
    context,
    describe_span,
    header,
    pack_lines,
    promise_line,
    section,
    text_message,
)
from bot.slack.messages.cadence import BACK, check_in_buttons
from bot.slack.messages.ids import SHOW_ALL
from bot.slack.messages.noticing import watched_lines
from bot.slack.messages.reminders import nudge_buttons

# the text one part of the Home tab (team, supervisors, channel settings) may take
HOME_SECTION_BUDGET = 8000


def home_view(data: Any, *, notice: str | None = None) -> dict[str, Any]:
    """The App Home tab for one person (`data` is a bot.reports.home.HomeData); `notice` (mrkdwn) is
    the answer to a button pressed on the tab, shown on top."""
    view_blocks: list[Block] = []
    if notice:
        view_blocks += [section(notice), {"type": "divider"}]
    view_blocks.append(header("Your promises"))
    total = max(getattr(data, "mine_total", 0), len(data.mine))
    if data.mine:
        overdue = getattr(data, "mine_overdue", 0)
        count = f"*{total} open*" + (f", {overdue} overdue" if overdue else "")
        if total > len(data.mine):
            count += (
                f" — the {len(data.mine)} most urgent first; `/promise list` pages "
                "through them all."
            )
        view_blocks.append(section(count))
        if total > len(data.mine):
            view_blocks.append(
                actions(button("Show all", SHOW_ALL, "", "primary"), block_id="show_all_mine")
            )
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
        view_blocks += [{"type": "divider"}, header("Your team")]
        team_lines = [
            f"<@{line.user_id}> — {line.open} open"
            + (f" · :warning: {line.overdue} overdue" if line.overdue else "")
            for line in data.team
        ]
        chunks, rest = pack_lines(
            [f"*{len(team_lines)} people*, {sum(t.open for t in data.team)} open:", *team_lines],
            budget=HOME_SECTION_BUDGET,
        )
        view_blocks += [section(chunk) for chunk in chunks]
        if rest:
            view_blocks.append(context(f"…and {rest} more people: `/promise report team`."))
        if any(t.open for t in data.team):
            view_blocks.append(
                actions(
                    button("Show all their promises", SHOW_ALL, "team"), block_id="show_all_team"
                )
            )
        view_blocks += _team_aways(data)
        view_blocks.append(context("`/promise list team` shows every open promise of your team."))
    if data.is_admin:
        view_blocks += [{"type": "divider"}, header("Admin")]
        if data.supervisors:
            pairs = [f"<@{rep}> → <@{lead}>" for rep, lead in data.supervisors]
            chunks, rest = pack_lines(
                [f"*Supervisors ({len(pairs)}):*", *pairs], budget=HOME_SECTION_BUDGET
            )
            view_blocks += [section(chunk) for chunk in chunks]
            if rest:
                view_blocks.append(
                    context(f"…and {rest} more: `/promise supervisor @rep` shows one.")
                )
        else:
            view_blocks.append(section("*Supervisors:* none set yet."))
        if data.channels:
            rows = [f"*Channel settings ({len(data.channels)}):*"]
            rows += [channel_row(ch) for ch in data.channels]
            chunks, rest = pack_lines(rows, budget=HOME_SECTION_BUDGET)
            view_blocks += [section(chunk) for chunk in chunks]
            if rest:
                view_blocks.append(
                    context(f"…and {rest} more: `/promise channel list` shows them all.")
                )
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
    return {"type": "home", "blocks": view_blocks}


# ---------------------------------------------------------------------------- channel settings


def channel_row(ch: ChannelView) -> str:
    """One channel's settings on one line."""
    parts = []
    if ch.escalation_channel_id:
        parts.append(f"escalations to <#{ch.escalation_channel_id}>")
    if ch.counterpart_kind:
        parts.append(f"counterparts are {ch.counterpart_kind}s")
    if ch.remind_before_seconds is not None:
        before = describe_span(timedelta(seconds=ch.remind_before_seconds))
        parts.append(f"heads-up {before} before")
    if ch.escalate_after_seconds is not None:
        after = describe_span(timedelta(seconds=ch.escalate_after_seconds))
        parts.append(f"escalate after {after}")
    return f"<#{ch.channel_id}>: " + (", ".join(parts) or "defaults")


# channel settings one page of `/promise channel list` shows
CHANNEL_PAGE_SIZE = 40


def channel_settings_list(settings: list[ChannelView], page: int = 1) -> dict[str, Any]:
    """`/promise channel list [page N]`: every channel's settings (true total), paged."""
    total = len(settings)
    if not total:
        return text_message("No channel has settings of its own; every channel uses the defaults.")
    pages = -(-total // CHANNEL_PAGE_SIZE)
    page = max(1, min(page, pages))
    shown = settings[(page - 1) * CHANNEL_PAGE_SIZE : page * CHANNEL_PAGE_SIZE]
    head = f"*Channel settings: {total}*"
    if pages > 1:
        first = (page - 1) * CHANNEL_PAGE_SIZE + 1
        head += f" — showing {first}–{first + len(shown) - 1}"
    chunks, _rest = pack_lines([head, *(channel_row(ch) for ch in shown)], budget=8000)
    blocks: list[Block] = [section(chunk) for chunk in chunks]
    if pages > 1:
        hints = []
        if page < pages:
            hints.append(f"next: `/promise channel list page {page + 1}`")
        if page > 1:
            hints.append(f"previous: `/promise channel list page {page - 1}`")
        blocks.append(context(f"Page {page} of {pages} · " + " · ".join(hints)))
    return {"response_type": "ephemeral", "text": f"Channel settings: {total}", "blocks": blocks}


def _own_away(data: Any) -> list[Block]:
    """You're away (with an I'm back button), and who covers."""
    found: list[Block] = []
    if data.away is not None:
        until, cover = data.away
        when = (
            f"until {format_deadline(until, data.tz, now=data.now)}"
            if until
            else "until you're back"
        )
        who = f"<@{cover}> covers" if cover else "nobody covers (no supervisor set)"
        found.append(section(f":palm_tree: You're away {when}; {who}."))
        found.append(actions(button("I'm back", BACK, "back")))
    return found


def _team_aways(data: Any) -> list[Block]:
    """Who in your team is away, and who covers."""
    lines = []
    for user_id, until, cover in data.team_away:
        when = (
            f"until {format_deadline(until, data.tz, now=data.now)}"
            if until
            else "until they're back"
        )
        lines.append(f":palm_tree: <@{user_id}> is away {when} — <@{cover}> covers.")
    chunks, rest = pack_lines(lines, budget=HOME_SECTION_BUDGET // 2)
    found: list[Block] = [section(chunk) for chunk in chunks]
    if rest:
        found.append(context(f"…and {rest} more away."))
    return found
