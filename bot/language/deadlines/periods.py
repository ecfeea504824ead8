"""Spans and periods: "in 3 days", "5 business days", part of a week, weekends, quarters, years,
and ISO 8601 instants."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from bot.language.deadlines.context import Context
from bot.language.deadlines.model import MAX_AHEAD, DeadlineProblem, Issue, Outcome, OutOfRange
from bot.language.deadlines.resolvers import impossible_date
from bot.language.deadlines.vocabulary import MONTHS
from bot.language.workdays import (
    first_working_day_of_week,
    is_working_day,
    last_working_day_of_month,
    last_working_day_of_week,
    next_working_day,
)


def add_months(ctx: Context, months: int) -> datetime:
    local = ctx.local
    total = local.month - 1 + months
    year, month = local.year + total // 12, total % 12 + 1
    day = min(local.day, days_in_month(year, month))
    naive = datetime(year, month, day, local.hour, local.minute, local.second, local.microsecond)
    return naive.replace(tzinfo=ctx.tz).astimezone(UTC)


def days_in_month(year: int, month: int) -> int:
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (first_next - timedelta(days=1)).day


TOO_FAR_ISSUE = Issue(
    DeadlineProblem.TOO_FAR, "that's more than 5 years away; I only track promises up to 5 years"
)


def span_deadline(ctx: Context, n: float, unit: str) -> Outcome:
    unit = " ".join(unit.lower().split())
    if unit.endswith(("day", "days")) and " " in unit:  # working/business days
        count = int(n)
        if count > 5 * 262:
            return TOO_FAR_ISSUE
        day = ctx.today
        for _ in range(count):
            day = next_working_day(day, ctx.wd)
        return ctx.at(day)
    if unit.startswith("mo"):
        months = n
    elif unit.startswith("y"):
        months = n * 12
    else:
        months = 0
    if months:
        if months > 61:
            return TOO_FAR_ISSUE
        if months == int(months):
            return add_months(ctx, int(months))
        return ctx.now + timedelta(days=30 * months)
    if unit.startswith("min"):
        seconds = 60 * n
    elif unit.startswith("h"):
        seconds = 3600 * n
    elif unit.startswith("d"):
        seconds = 86400 * n
    elif unit.startswith("f"):
        seconds = 14 * 86400 * n
    else:  # weeks
        seconds = 7 * 86400 * n
    if seconds > MAX_AHEAD.total_seconds() + 86400:
        return TOO_FAR_ISSUE
    return ctx.now + timedelta(seconds=seconds)


def part_of_week(ctx: Context, m: re.Match[str]) -> datetime:
    which = (m["pwn"] or "this").lower()
    base = ctx.today + timedelta(days=7 if which == "next" else 0)
    part = m["pw"].lower()
    if part == "early":
        day = first_working_day_of_week(base, ctx.wd)
    elif part.startswith(("late", "later")):
        day = last_working_day_of_week(base, ctx.wd)
    else:
        day = base - timedelta(days=base.weekday()) + timedelta(days=2)
    result = ctx.at(day)
    if result <= ctx.now and which != "next":
        return ctx.end_of_or_next_working(ctx.today)
    return result


def weekend_deadline(ctx: Context, prep: str) -> datetime:
    if prep in ("by", "before"):
        result = ctx.at(last_working_day_of_week(ctx.today, ctx.wd))
        if result > ctx.now:
            return result
        return ctx.at(last_working_day_of_week(ctx.today + timedelta(days=7), ctx.wd))
    # over / during / this weekend: done by the start of the next working week
    monday = ctx.today - timedelta(days=ctx.today.weekday()) + timedelta(days=7)
    day = monday if is_working_day(monday, ctx.wd) else next_working_day(monday, ctx.wd)
    return ctx.at(day, ctx.wd.start)


_QUARTER_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def end_of_period(ctx: Context, m: re.Match[str]) -> Outcome:
    """End of a month, quarter or year: 17:00 on its last working day.  Quarters are the
    calendar ones unless the workspace sets the month its fiscal year starts; "the year" is the
    calendar year, "the fiscal year" the workspace's (a question when it is not set)."""
    today = ctx.today
    if m["emon"]:
        month = MONTHS[m["emon"][:3].lower()]
        for year in (today.year, today.year + 1):
            result = ctx.at(last_working_day_of_month(year, month, ctx.wd))
            if result > ctx.now:
                return result
        return None
    fiscal = ctx.wd.fiscal_year_start
    start = fiscal or 1
    if (m["fisc"] or m["fisc2"] or m["fye"]) and fiscal is None:
        return Issue(
            DeadlineProblem.UNCLEAR,
            "when does your fiscal year end? Write the date, e.g. “by 31 March”",
        )
    quarter = m["qn"] or m["qn2"] or m["qord"]
    if quarter:
        number = int(quarter[0]) if quarter[0].isdigit() else _QUARTER_ORDINALS[quarter.lower()]
        ends = _month_ends(ctx, {(start - 1 + 3 * number - 1) % 12 + 1})
        return next(e for e in ends if e > ctx.now)
    if m["fisc"] or m["fisc2"] or m["fye"]:
        what = "year"
    else:
        what = (m["eper"] or m["eper2"] or m["enext"] or m["eabbr"][-1]).lower()
    if what.startswith("q"):
        months = {(start - 1 + 3 * k + 2) % 12 + 1 for k in range(4)}
    elif m["fisc"] or m["fisc2"] or m["fye"]:
        months = {(start - 2) % 12 + 1}
    else:
        months = {12}  # "end of the year" is the calendar year's
    ends = _month_ends(ctx, months)
    future = [e for e in ends if e > ctx.now]
    if not m["enext"]:
        return future[0]
    # "end of next quarter/year": the period after the current one
    return future[1]


def _month_ends(ctx: Context, months: set[int]) -> list[datetime]:
    """17:00 on the last working day of each of these months, from this month on (3 years)."""
    today = ctx.today
    ends: list[datetime] = []
    for offset in range(37):
        total = today.month - 1 + offset
        year, month = today.year + total // 12, total % 12 + 1
        if month in months:
            ends.append(ctx.at(last_working_day_of_month(year, month, ctx.wd)))
    return ends


def iso_instant(m: re.Match[str], ctx: Context) -> Outcome:
    year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    problem = impossible_date(month, day, year)
    if problem is not None:
        return problem
    hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {m['H']}:{m['M']} on a clock")
    if not 2 <= year <= ctx.today.year + 6:
        raise OutOfRange(date(year, month, day))
    frac = m["F"] or ""
    naive = datetime(year, month, day, hour, minute, second, int(frac.ljust(6, "0")) if frac else 0)
    z = (m["z"] or "").upper()
    if not z:
        return naive.replace(tzinfo=ctx.tz).astimezone(UTC)
    if z in ("Z", "UTC", "GMT"):
        return naive.replace(tzinfo=UTC)
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return naive.replace(tzinfo=offset).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# Named zones
# --------------------------------------------------------------------------------------------
