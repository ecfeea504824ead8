"""Offsets counted from a day: "2 days after Friday", "3 working days before the 15th", "an
hour before noon tomorrow", "the day before Thanksgiving" (issue 19).

The offset is computed in the owner's zone from the day (and time) the anchor resolves to:
working days skip weekends and the workspace's holidays, calendar days and weeks keep the
anchor's time of day, hours and minutes are exact.  An offset from something Kept cannot
date ("48 hours after the demo") is a question, never the offset counted from now.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.language.deadlines.context import Context, range_issue
from bot.language.deadlines.model import Candidate, DeadlineProblem, Issue, OutOfRange
from bot.language.deadlines.periods import days_in_month
from bot.language.deadlines.vocabulary import CI, SPAN, count_of
from bot.language.workdays import next_working_day, previous_working_day

RELATION = re.compile(
    r"\s+(?P<rel>after|from|before|prior\s+to|ahead\s+of|in\s+advance\s+of|preceding"
    r"|following|past|post|on\s+top\s+of|counting\s+from|starting\s+from|since|of)"
    r"\s+",
    CI,
)
ARTICLE = re.compile(r"(?:the|on|at)\s+", CI)
# "the day before Friday", "the week after Dec 3"
UNIT_OFFSET = re.compile(r"(?<!\w)(?:the|a)\s+(?P<unit>day|week)(?!\w)", CI)
EVENT = re.compile(
    r"(?!(?:by|on|at|before|until|till|in|within|and|then|or|to)(?!\w))(?:[\w'’-]+)(?:\s+(?!by\b|and\b|then\b|on\b|at\b)[\w'’-]+){0,2}",
    CI,
)
_BACKWARDS = ("before", "prior", "ahead", "in advance", "preceding")


def _offset_of(window: str, cand: Candidate) -> tuple[float, str] | None:
    """The amount and unit a span-like candidate counts, when it is one."""
    m = SPAN.match(window, cand.start)
    if m is not None and m.end() == cand.end and not m["fromnow"]:
        return count_of(m["n1"] if m["next"] else m["n2"]), " ".join(m["unit"].lower().split())
    return None


def offset_candidates(window: str, ctx: Context, cands: list[Candidate]) -> list[Candidate]:
    """Merged candidates for every "<amount> <relation> <day>" in the window, and questions for
    "<amount> <relation> <something that is no date>"."""
    amounts: list[tuple[int, int, float, str]] = []
    for cand in cands:
        if cand.span:
            found = _offset_of(window, cand)
            if found is not None:
                amounts.append((cand.start, cand.end, *found))
    for m in UNIT_OFFSET.finditer(window):
        amounts.append((m.start(), m.end(), 1, m["unit"].lower()))
    if not amounts:
        return []
    anchors: dict[int, list[Candidate]] = {}
    for cand in cands:
        if not cand.span:
            anchors.setdefault(cand.start, []).append(cand)
    merged: list[Candidate] = []
    for start, end, n, unit in amounts:
        rel = RELATION.match(window, end)
        if rel is None:
            continue
        backwards = rel["rel"].lower().startswith(_BACKWARDS)
        if rel["rel"].lower() == "of":
            # "within 5 days of signing / of Friday": before it, after it, around it? Ask.
            event = EVENT.match(window, rel.end())
            stop = max(rel.end(), event.end() if event is not None else rel.end())
            for cand in anchors.get(rel.end(), []):
                stop = max(stop, cand.end)
            said = " ".join(window[start:stop].split())
            detail = f"“{said}”: from when, and before or after it? Write the date"
            merged.append(
                Candidate(start, stop, None, issue=Issue(DeadlineProblem.UNCLEAR, detail))
            )
            continue
        options = anchors.get(rel.end(), [])
        article = ARTICLE.match(window, rel.end())
        if not options and article is not None:
            options = anchors.get(article.end(), [])
        if options:
            anchor = max(options, key=lambda c: c.end)
            merged.append(_shifted(ctx, start, anchor, n, unit, backwards))
            continue
        if any(c.start <= start and c.end >= rel.end() for c in cands):
            continue  # "the day after tomorrow" is a phrase of its own
        event = EVENT.match(window, rel.end())
        if event is None:
            continue  # "2 days from by Friday": the leftover check asks about it
        stop = event.end()
        said = " ".join(window[start:stop].split())
        what = " ".join(window[rel.end() : stop].split()) or "what"
        detail = (
            f"“{said}”: I can't tell when {what} is. Write the date it counts from, "
            f"e.g. “{window[start:end].strip()} {rel['rel'].strip()} Dec 3”"
        )
        merged.append(Candidate(start, stop, None, issue=Issue(DeadlineProblem.UNCLEAR, detail)))
    return merged


def _shifted(
    ctx: Context, start: int, anchor: Candidate, n: float, unit: str, backwards: bool
) -> Candidate:
    if anchor.issue is not None or anchor.deadline is None:
        return Candidate(start, anchor.end, None, issue=anchor.issue, zone=anchor.zone)
    sign = -1 if backwards else 1
    local = anchor.deadline.astimezone(ctx.tz)
    try:
        if unit.endswith(("day", "days")) and " " in unit:  # working / business days
            day = local.date()
            for _ in range(min(int(n), 2000)):
                day = (
                    previous_working_day(day, ctx.wd)
                    if backwards
                    else next_working_day(day, ctx.wd)
                )
            moment = ctx.at(day, local.time())
        elif unit.startswith(("mo", "y")) and n == int(n):
            months = int(n) * (12 if unit.startswith("y") else 1) * sign
            total = local.month - 1 + months
            year, month = local.year + total // 12, total % 12 + 1
            day = local.date().replace(year=year, month=month, day=1)
            day = day.replace(day=min(local.day, days_in_month(year, month)))
            moment = ctx.at(day, local.time())
        elif unit.startswith(("mi", "h")):
            per = 60 if unit.startswith("mi") else 3600
            moment = anchor.deadline + timedelta(seconds=sign * n * per)
        else:
            per_day = {"d": 1, "w": 7, "f": 14}.get(unit[0], 30 if unit.startswith("mo") else 365)
            days = n * per_day
            if days == int(days):
                moment = ctx.at(local.date() + timedelta(days=sign * int(days)), local.time())
            else:
                moment = anchor.deadline + timedelta(days=sign * days)
    except OutOfRange as out:
        return Candidate(start, anchor.end, None, issue=range_issue(ctx, out.day))
    except (ValueError, OverflowError):
        return Candidate(start, anchor.end, None, issue=range_issue(ctx, local.date()))
    return Candidate(start, anchor.end, moment, zone=anchor.zone)
