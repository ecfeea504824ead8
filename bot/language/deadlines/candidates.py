"""Every phrase in the text that could be the deadline: the rows of the table run over the text,
with the clock time next to a day attached, and merged phrases ("Friday 12/4", "Mon or Tue")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from bot.language.deadlines.clock import (
    Clock,
    clock_from,
    exact_clock,
    month_name,
    part_of_day,
)
from bot.language.deadlines.context import Context, range_issue
from bot.language.deadlines.model import (
    Candidate,
    DayResolver,
    DeadlineProblem,
    Issue,
    OutOfRange,
    outcome_cand,
)
from bot.language.deadlines.offsets import offset_candidates
from bot.language.deadlines.resolvers import (
    weekday_index,
)
from bot.language.deadlines.rows import ROWS, DayRow, MomentRow
from bot.language.deadlines.vocabulary import (
    FULL_WEEKDAYS,
    LEAD,
    TRAIL,
)


def extend_day(
    window: str, start: int, end: int, resolver: DayResolver, weak: bool, ctx: Context
) -> Candidate | None:
    """Attach an adjacent clock time ("Friday 5pm", "5pm on Friday", "EOD Friday")."""
    clock: Clock | None = None
    trail = TRAIL.match(window, end)
    if trail is not None:
        if trail.group("tsame"):
            clock = exact_clock(ctx.clock_now)
            end = trail.end()
        elif trail.group("eod"):
            end = trail.end()
        elif trail.group("part"):
            clock = exact_clock(part_of_day(trail.group("part"), ctx.wd))
            end = trail.end()
        else:
            clock = clock_from(trail)
            if clock is not None:
                end = trail.end()
    if clock is None:
        prefix_start = max(0, start - 40)
        lead = LEAD.search(window, prefix_start, start)
        if lead is not None:
            if lead["first"]:
                clock = exact_clock(ctx.wd.start)
                start = lead.start()
            elif lead["same"]:
                clock = exact_clock(ctx.clock_now)
                start = lead.start()
            else:
                has_clock = any(
                    lead[g] is not None
                    for g in ("h", "h24", "hhmm", "rel", "oh", "half", "word", "lbare")
                )
                lead_clock = clock_from(lead) if has_clock else None
                if lead_clock is not None or not has_clock:
                    clock = lead_clock
                    start = lead.start()
    try:
        outcome = resolver(clock)
    except OutOfRange as out:
        outcome = range_issue(ctx, out.day)
    except (ValueError, OverflowError):
        return None
    return outcome_cand(start, end, outcome, weak=weak and clock is None)


WEEKDAY_DATE_GAP = re.compile(r"[\s,]{1,3}(?:the\s+)?")
OR_GAP = re.compile(r"\s*,?\s*or\s+(?:(?:by|on|before|at)\s+)?")


def regex_candidates(window: str, ctx: Context) -> list[Candidate]:
    """Every candidate, plus merged ones: "Friday 12/4" (the weekday checks the date) and
    "Monday or Tuesday" (the later one)."""
    cands = list(single_candidates(window, ctx))
    merged: list[Candidate] = []
    weekdays = [c for c in cands if c.weekday is not None]
    dates = [c for c in cands if c.dated]
    for a in weekdays:
        for b in dates:
            if a.end <= b.start and WEEKDAY_DATE_GAP.fullmatch(window, a.end, b.start):
                merged.append(weekday_and_date(ctx, a, b))
    for a in cands:
        for b in cands:
            if (
                a.end <= b.start
                and not a.span
                and not b.span
                and OR_GAP.fullmatch(window, a.end, b.start)
            ):
                merged.append(either(ctx, a, b))
    return cands + merged + offset_candidates(window, ctx, cands + merged)


def weekday_and_date(ctx: Context, a: Candidate, b: Candidate) -> Candidate:
    if b.issue is not None or b.deadline is None or a.weekday is None:
        return replace(b, start=a.start, weekday=None, dated=False)
    local = b.deadline.astimezone(ctx.tz).date()
    if local.weekday() == a.weekday:
        return replace(b, start=a.start, weekday=None, dated=False)
    named = FULL_WEEKDAYS[a.weekday].capitalize()
    actual = FULL_WEEKDAYS[local.weekday()].capitalize()
    question = (
        f"{local.day} {month_name(local.month)} is a {actual}, not a {named}: "
        "which day did you mean?"
    )
    return Candidate(a.start, b.end, None, issue=Issue(DeadlineProblem.UNCLEAR, question))


def either(ctx: Context, a: Candidate, b: Candidate) -> Candidate:
    """ "Friday or Monday": the later of the two is the deadline ("Monday or Tuesday" said on a
    Tuesday means the Tuesday after that Monday)."""
    for cand in (a, b):
        if cand.issue is not None:
            return replace(cand, start=a.start, end=b.end, weekday=None, dated=False)
    first, second = a.deadline, b.deadline
    assert first is not None and second is not None
    if a.weekday is not None and b.weekday is not None and second < first:
        local = second.astimezone(ctx.tz)
        try:
            second = ctx.at(local.date() + timedelta(days=7), local.time())
        except OutOfRange:
            return Candidate(a.start, b.end, None, issue=range_issue(ctx, local.date()))
        b = replace(b, deadline=second)
    later = a if first >= second else b
    return replace(later, start=a.start, end=b.end, weekday=None, dated=False, weak=False)


def single_candidates(window: str, ctx: Context) -> Iterator[Candidate]:
    """Every row of the table over the window, in the table's order."""
    for row in ROWS:
        for m in row.pattern.finditer(window):
            cand = (
                _day_candidate(window, ctx, row, m)
                if isinstance(row, DayRow)
                else _moment_candidate(ctx, row, m)
            )
            if cand is not None:
                yield cand


def _day_candidate(window: str, ctx: Context, row: DayRow, m: re.Match[str]) -> Candidate | None:
    try:
        made = row.make(m, ctx)
    except (ValueError, OverflowError):
        return None
    if made is None:
        return None
    resolver, weak = made
    cand = extend_day(window, m.start(), m.end(), resolver, weak, ctx)
    if cand is None:
        return None
    if row.dated:
        return replace(cand, dated=True)
    if row.weekday:
        return replace(cand, weekday=weekday_index(m["wd"]))
    return cand


def _moment_candidate(ctx: Context, row: MomentRow, m: re.Match[str]) -> Candidate | None:
    try:
        outcome = row.make(m, ctx)
    except OutOfRange as out:
        outcome = range_issue(ctx, out.day)
    except (ValueError, OverflowError):
        return None
    start = m.start(row.start_group) if row.start_group else m.start()
    return outcome_cand(start, m.end(), outcome, weak=row.weak(m), span=row.span(m))
