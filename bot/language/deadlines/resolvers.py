"""Day phrases to moments: "Friday", "Dec 3", "the 15th", "tomorrow", "last Monday", "4/11"."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from bot.language.deadlines.clock import Clock, month_name, part_of_day
from bot.language.deadlines.context import Context
from bot.language.deadlines.model import (
    DateOrder,
    DayResolver,
    DeadlineProblem,
    Issue,
    Outcome,
    OutOfRange,
)
from bot.language.deadlines.vocabulary import FULL_WEEKDAYS, MAX_DAYS, count_of
from bot.language.workdays import (
    last_working_day_of_month,
    last_working_day_of_week,
    next_working_day,
)

# --------------------------------------------------------------------------------------------


def weekday_resolver(ctx: Context, weekday: int, strictly_after_today: bool) -> DayResolver:
    def resolve(clock: Clock | None) -> Outcome:
        delta = (weekday - ctx.today.weekday()) % 7
        if strictly_after_today and delta == 0:
            delta = 7
        result = ctx.on(ctx.today + timedelta(days=delta), clock)
        if result <= ctx.now:
            result = ctx.on(ctx.today + timedelta(days=delta + 7), clock)
        return result

    return resolve


def valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def impossible_date(month: int, day: int, year: int | None = None) -> Issue | None:
    if not 1 <= month <= 12:
        return Issue(DeadlineProblem.IMPOSSIBLE, f"there's no month {month}")
    if not 1 <= day <= MAX_DAYS[month - 1]:
        return Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {day} {month_name(month)}")
    if year is not None and not valid_day(year, month, day):
        return Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {day} {month_name(month)} in {year}")
    return None


def month_day_resolver(ctx: Context, month: int, day: int, year: int | None) -> DayResolver:
    """A calendar date; without a year, the nearest one (a date just gone is in the past)."""
    problem = impossible_date(month, day, year)

    def resolve(clock: Clock | None) -> Outcome:
        if problem is not None:
            return problem
        if year is not None:
            return ctx.on(date(year, month, day), clock)
        this_year = ctx.today.year
        options: list[datetime] = []
        for y in (this_year - 1, this_year, this_year + 1, this_year + 2):
            if valid_day(y, month, day):
                try:
                    options.append(ctx.on(date(y, month, day), clock))
                except OutOfRange:
                    continue
        if not options:
            return Issue(DeadlineProblem.IMPOSSIBLE, f"there's no {day} {month_name(month)}")
        future = [o for o in options if o > ctx.now]
        past = [o for o in options if o <= ctx.now]
        if not future:
            return past[-1]
        if past and ctx.now - past[-1] < future[0] - ctx.now:
            return past[-1]
        return future[0]

    return resolve


def ordinal_resolver(ctx: Context, day: int) -> DayResolver:
    def resolve(clock: Clock | None) -> Outcome:
        if not 1 <= day <= 31:
            return Issue(DeadlineProblem.IMPOSSIBLE, f"no month has a {day}th day")
        year, month = ctx.today.year, ctx.today.month
        for _ in range(13):
            if valid_day(year, month, day):
                result = ctx.on(date(year, month, day), clock)
                if result > ctx.now:
                    return result
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    return resolve


def relday_resolver(ctx: Context, m: re.Match[str]) -> DayResolver:
    rel = " ".join((m.group("rel") or "").lower().split())
    part = m.group("part") or m.group("this")
    if m.group("this"):
        offset = 0
    elif "after" in rel:
        offset = 2
    elif rel.startswith("tom") or rel.startswith("tm"):
        offset = 1
    elif rel == "yesterday":
        offset = -1
    else:  # today, tonight
        offset = 0
    if rel == "tonight" and part is None:
        part = "night"
    default = part_of_day(part, ctx.wd) if part else None
    plain_today = rel == "today" and part is None

    def resolve(clock: Clock | None) -> Outcome:
        if plain_today and clock is None:
            end = ctx.at(ctx.today)
            return end if end > ctx.now else ctx.at(next_working_day(ctx.today, ctx.wd))
        day = ctx.today + timedelta(days=offset)
        if clock is not None:
            return ctx.on(day, clock)
        return ctx.at(day, default)

    return resolve


def date_resolver(ctx: Context, day: date) -> DayResolver:
    def resolve(clock: Clock | None) -> Outcome:
        return ctx.on(day, clock)

    return resolve


def numeric_resolver(ctx: Context, m: re.Match[str]) -> DayResolver | None:
    a, b = int(m["a"]), int(m["b"])
    raw_year = m["y"]
    if m["sep"] == "." and raw_year is None:
        return None  # "4.11" is a version or a number more often than a date
    year = None if raw_year is None else int(raw_year) + (2000 if len(raw_year) == 2 else 0)
    written = m.group(0)

    def valid(month: int, day: int) -> bool:
        return impossible_date(month, day, year) is None

    order = ctx.order
    if order is None:
        month_first, day_first = valid(a, b), valid(b, a)
        if month_first and day_first and a != b:
            return lambda _clock: Issue(
                DeadlineProblem.UNCLEAR,
                f"is {written} {b} {month_name(a)} or {a} {month_name(b)}? Your Slack "
                f"language setting doesn't say, so write the month as a word, e.g. "
                f"“{a} {month_name(b)[:3]}” or “{month_name(a)[:3]} {b}”",
            )
        if month_first:
            return month_day_resolver(ctx, a, b, year)
        if day_first:
            return month_day_resolver(ctx, b, a, year)
        return lambda _clock: Issue(
            DeadlineProblem.IMPOSSIBLE, f"{written} isn't a date, whichever way round it's read"
        )
    month, day = (a, b) if order is DateOrder.MONTH_FIRST else (b, a)
    problem = impossible_date(month, day, year)
    if problem is not None:
        how = "month/day" if order is DateOrder.MONTH_FIRST else "day/month"
        return lambda _clock: replace(
            problem,
            detail=f"{problem.detail} (your Slack language setting reads {written} as {how})",
        )
    return month_day_resolver(ctx, month, day, year)


def past_resolver(ctx: Context, m: re.Match[str]) -> DayResolver:
    """ "last Monday", "last week", "3 days ago": a moment in the past (the caller says so)."""

    def resolve(clock: Clock | None) -> Outcome:
        today = ctx.today
        if m["pwd"]:
            index = weekday_index(m["pwd"])
            back = (today.weekday() - index) % 7 or 7
            return ctx.on(today - timedelta(days=back), clock)
        if m["pper"]:
            period = m["pper"].lower()
            if period == "week":
                return ctx.at(last_working_day_of_week(today - timedelta(days=7), ctx.wd))
            if period == "weekend":
                return ctx.at(today - timedelta(days=today.weekday() + 1))
            if period == "month":
                first = today.replace(day=1) - timedelta(days=1)
                return ctx.at(last_working_day_of_month(first.year, first.month, ctx.wd))
            if period == "night":
                return ctx.at(today - timedelta(days=1), time(21, 0))
            return ctx.at(date(today.year - 1, 12, 31))
        if m["pdby"]:
            return ctx.on(today - timedelta(days=2), clock)
        if m["pearly"]:
            return ctx.now
        n = min(count_of(m["pn"] or m["pn2"]), 10000)
        unit = (m["pu"] or m["pu2"]).lower()
        if unit.startswith("y"):
            return Issue(DeadlineProblem.PAST, f"“{m.group(0)}” is in the past")
        seconds = {"mi": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2629800}
        key = next(k for k in ("mi", "mo", "h", "d", "w") if unit.startswith(k))
        return ctx.now - timedelta(seconds=n * seconds[key])

    return resolve


def weekday_index(name: str) -> int:
    return next(i for i, full in enumerate(FULL_WEEKDAYS) if full.startswith(name[:3].lower()))


def weekday_week_resolver(ctx: Context, m: re.Match[str]) -> DayResolver:
    """ "Thursday week", "a week on Thursday", "Thursday next week", "Monday this week"."""
    today = ctx.today
    monday = today - timedelta(days=today.weekday())
    relative = m["wr"] or (
        m["wa"] if m["wa"] and m["wa"].lower() in ("today", "tomorrow") else None
    )
    if relative:  # "a week today", "tomorrow week"
        day = today + timedelta(days=7 if relative.lower() == "today" else 8)
    elif m["wf"] or m["wf2"]:  # "Friday fortnight": the Friday two weeks after this one
        index = weekday_index(m["wf"] or m["wf2"])
        day = today + timedelta(days=(index - today.weekday()) % 7 + 14)
    elif m["wa"] or m["wb"]:
        index = weekday_index(m["wa"] or m["wb"])
        day = today + timedelta(days=(index - today.weekday()) % 7 + 7)
    elif m["wc"] or m["wn"]:
        day = monday + timedelta(days=7 + weekday_index(m["wc"] or m["wn"]))
    else:
        day = monday + timedelta(days=weekday_index(m["wt"]))
    return date_resolver(ctx, day)


# --------------------------------------------------------------------------------------------
# Candidate extraction
