"""Reports and the weekly digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.language.deadlines import format_deadline
from bot.slack.messages.base import (
    Block,
    Message,
    actions,
    button,
    context,
    describe_span,
    header,
    pack_lines,
    promise_line,
    section,
)
from bot.slack.messages.ids import KEPT, REMIND_OWNER


def _figures_fields(f: Any) -> list[Block]:
    late = str(f.kept_late)
    if f.kept_late:
        late += f" (median {describe_span(f.median_late)}, worst {describe_span(f.worst_late)})"
    rate = "–" if f.on_time_rate is None else f"{round(f.on_time_rate * 100)}%"
    opened = f"{f.open}" + (f" ({f.overdue} overdue)" if f.overdue else "")
    pairs = [
        ("Made", str(f.made)),
        ("Kept on time", str(f.kept_on_time)),
        ("Kept late", late),
        ("Broken", str(f.broken)),
        ("Cancelled", str(f.cancelled)),
        ("Open", opened),
        ("On time", rate),
    ]
    if f.check_ins:
        pairs.append(("Check-ins", check_ins_text(f)))
    return [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in pairs]


def check_ins_text(f: Any) -> str:
    """`5 on time, 1 late, 2 missed` (the check-ins of cadence promises)."""
    return f"{f.check_ins_on_time} on time, {f.check_ins_late} late, {f.check_ins_missed} missed"


def _figures_line(f: Any) -> str:
    parts = [f"{f.made} made", f"{f.kept_on_time} kept on time"]
    late = f"{f.kept_late} late"
    if f.kept_late:
        late += f" (median {describe_span(f.median_late)}, worst {describe_span(f.worst_late)})"
    parts += [
        late,
        f"{f.broken} broken",
        f"{f.cancelled} cancelled",
        f"{f.open} open" + (f", {f.overdue} overdue" if f.overdue else ""),
    ]
    if f.check_ins:
        parts.append(f"check-ins {check_ins_text(f)}")
    rate = "" if f.on_time_rate is None else f" · *{round(f.on_time_rate * 100)}% on time*"
    return " · ".join(parts) + rate


MAX_REPORT_LINES = 40
# the text the per-person lines of a report may take (a message holds ~11,000 in all)
REPORT_LINES_BUDGET = 7000
# the text the per-person lines of a digest may take (a message holds ~11,000 in all)
DIGEST_PEOPLE_BUDGET = 3000


def report_message(report: Any, title: str, tz: str, *, now: datetime) -> Message:
    """A `/promise report` answer (`report` is a bot.reports.Report)."""
    days = round((report.until - report.since).total_seconds() / 86400)
    heading = f"{title} — last {days} day{'s' if days != 1 else ''}"
    total = report.total
    rate = "" if total.on_time_rate is None else f"; {round(total.on_time_rate * 100)}% on time"
    fallback = (
        f"{heading}: {total.made} made, {total.kept_on_time} kept on time, "
        f"{total.kept_late} kept late, {total.broken} broken, {total.cancelled} cancelled, "
        f"{total.open} open ({total.overdue} overdue){rate}."
    )
    if total.check_ins:
        fallback += f" Check-ins: {check_ins_text(total)}."
    report_blocks: list[Block] = [
        header(heading),
        context(
            f"{format_deadline(report.since, tz, now=now)} – "
            f"{format_deadline(report.until, tz, now=now)} · "
            f"{len(report.lines)} {'person' if len(report.lines) == 1 else 'people'}"
        ),
    ]
    if not report.lines:
        report_blocks.append(section("No promises made, closed or open in that time."))
        return {"response_type": "ephemeral", "text": fallback, "blocks": report_blocks}
    report_blocks.append(
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*In total*"},
            "fields": _figures_fields(total),
        }
    )
    report_blocks.append({"type": "divider"})
    lines = [f"*<@{line.user_id}>* — {_figures_line(line.figures)}" for line in report.lines]
    chunks, rest = pack_lines(lines, budget=REPORT_LINES_BUDGET)
    report_blocks += [section(chunk) for chunk in chunks]
    if rest:
        report_blocks.append(
            context(
                f"…and {rest} more people (of {len(lines)}): `/promise report @person` shows "
                "one, and `kept report` on the server lists everyone."
            )
        )
    report_blocks.append(
        context(
            "On time = kept by the deadline (the final one, after any extension) ÷ kept + broken; "
            "cancelled promises don't count. Handed-off promises count for their current owner."
        )
    )
    return {"response_type": "ephemeral", "text": fallback, "blocks": report_blocks}


def _trend(now: int, before: int, *, higher_is_better: bool = True) -> str:
    if now == before:
        return "→ same as the week before"
    better = (now > before) == higher_is_better
    arrow = "↑" if now > before else "↓"
    return f"{arrow} from {before}" + (" :tada:" if better else "")


def digest_message(digest: Any) -> Message:
    """The Monday DM to a supervisor (`digest` is a bot.digest.Digest)."""
    week, before = digest.last_week.total, digest.week_before.total
    rate = f"{round(100 * week.on_time_rate)}%" if week.on_time_rate is not None else "—"
    rate_before = f"{round(100 * before.on_time_rate)}%" if before.on_time_rate is not None else "—"
    headline = (
        f":bar_chart: Your team's promises last week: {week.made} made, "
        f"{week.kept_on_time} kept on time, {week.kept_late} kept late, "
        f"{week.broken} broken."
    )
    lines = [
        f"*On time:* {rate} (the week before: {rate_before})",
        f"*Kept on time:* {week.kept_on_time} {_trend(week.kept_on_time, before.kept_on_time)}",
        f"*Broken:* {week.broken} {_trend(week.broken, before.broken, higher_is_better=False)}",
        f"*Open at the end of the week:* {week.open}, of which {week.overdue} overdue",
    ]
    if week.check_ins or before.check_ins:
        missed = _trend(week.check_ins_missed, before.check_ins_missed, higher_is_better=False)
        lines.append(f"*Check-ins:* {check_ins_text(week)} (missed {missed})")
    per_rep = [
        f"<@{line.user_id}>: {line.figures.made} made, {line.figures.kept_on_time} on "
        f"time, {line.figures.kept_late} late, {line.figures.broken} broken, "
        f"{line.figures.open} open"
        + (f"; check-ins {check_ins_text(line.figures)}" if line.figures.check_ins else "")
        for line in digest.last_week.lines
    ]
    message_blocks: list[Block] = [section(headline), section("\n".join(lines))]
    if per_rep:
        people = len(per_rep)
        chunks, rest = pack_lines(
            [f"*By person ({people}):*", *per_rep], budget=DIGEST_PEOPLE_BUDGET
        )
        message_blocks += [section(chunk) for chunk in chunks]
        if rest:
            message_blocks.append(
                context(f"…and {rest} more people: `/promise report team` lists everyone.")
            )
    total = max(digest.overdue_total, len(digest.overdue))
    if total:
        shown = len(digest.overdue)
        head = f"*Still overdue ({total}):*"
        if shown < total:
            head += f" the {shown} most overdue first."
        message_blocks.append(section(head))
        for promise in digest.overdue:
            message_blocks.append(
                section(promise_line(promise, digest.tz, digest.now) + f" · <@{promise.owner_id}>")
            )
            message_blocks.append(
                actions(
                    button("Remind them", REMIND_OWNER, str(promise.id), "primary"),
                    button("Mark kept", KEPT, str(promise.id)),
                    block_id=f"digest_{promise.id}",
                )
            )
        if shown < total:
            message_blocks.append(
                context(
                    f"…and {total - shown} more overdue: `/promise list team` pages through "
                    "them all."
                )
            )
    else:
        message_blocks.append(context("Nothing overdue right now. :white_check_mark:"))
    return {"text": headline, "blocks": message_blocks}
