"""The entry point: ``parse_deadline`` and ``warm_up``."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.language.deadlines.choose import (
    aware_utc,
    choose,
    ignored_fragments,
    missing_result,
    quote_fragment,
    remove_phrase,
)
from bot.language.deadlines.clock import show_day
from bot.language.deadlines.context import Context
from bot.language.deadlines.display import format_deadline
from bot.language.deadlines.leftovers import leftover
from bot.language.deadlines.locales import date_order
from bot.language.deadlines.model import (
    FAR_AHEAD,
    MAX_AHEAD,
    WINDOW,
    DateOrder,
    DeadlineProblem,
    Issue,
    ParsedDeadline,
)
from bot.language.deadlines.spelling import Ambiguity, normalize
from bot.language.deadlines.zoned import zoned_candidates
from bot.language.workdays import (
    DEFAULT_WORKING_DAY,
    WorkingDay,
    zone,
)
from bot.language.zones import warm_up as warm_zones

log = logging.getLogger(__name__)


def parse_deadline(
    text: str,
    *,
    now: datetime,
    tz: str | ZoneInfo,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    locale: str | None = None,
) -> ParsedDeadline:
    """Find the deadline in ``text`` relative to ``now`` in time zone ``tz``.

    ``locale`` is the owner's Slack locale ("en-US", "en-GB", ...): it decides how numeric
    dates like 4/11 read; without it such a date is a question.  Never raises.
    """
    if not isinstance(text, str):
        text = ""
    try:
        return parse_text(text, now, tz, working_day, date_order(locale))
    except Exception:
        log.exception("parse_deadline failed; treating the deadline as missing")
        return missing_result(text)


def parse_text(
    text: str, now: datetime, tz: str | ZoneInfo, wd: WorkingDay, order: DateOrder | None
) -> ParsedDeadline:
    z = zone(tz)
    now_utc = aware_utc(now)
    ctx = Context(now=now_utc, tz=z, local=now_utc.astimezone(z), wd=wd, order=order)
    offset = max(0, len(text) - WINDOW)
    written = text[offset:]
    norm = normalize(written)
    window = norm.text

    def shown(start: int, end: int) -> str:
        return written[norm.start_in_original(start) : norm.end_in_original(end)]

    cands, unused_zones = zoned_candidates(window, ctx, z.key)
    chosen = choose(window, cands)
    if chosen is None:
        if norm.ambiguities:
            return ambiguous_result(text, offset, norm.ambiguities[0])
        return missing_result(text, ignored_fragments(window, [], unused_zones, None, shown))
    cand, phrase_start, others = chosen
    ignored = ignored_fragments(window, others, unused_zones, (phrase_start, cand.end), shown)
    start = offset + norm.start_in_original(phrase_start)
    end = offset + norm.end_in_original(cand.end)
    phrase = text[start:end]
    description = remove_phrase(text, start, end)
    if norm.ambiguities:
        cand = replace(cand, issue=ambiguity_issue(norm.ambiguities[0]))
    elif cand.issue is None and cand.deadline is not None:
        spans = tuple((c.start, c.end) for c in cands) + tuple(
            (z.start, z.end) for z in unused_zones
        )
        beside = leftover(window, phrase_start, cand.end, spans)
        if beside is not None:
            word = shown(*beside)
            detail = (
                f"I read “{quote_fragment(phrase)}” as "
                f"{format_deadline(cand.deadline, ctx.tz, now=now_utc)}, but not “{word}” "
                "next to it: what's the deadline?"
            )
            cand = replace(cand, issue=Issue(DeadlineProblem.UNCLEAR, detail))

    def result(
        deadline: datetime | None, problem: DeadlineProblem | None, detail: str | None = None
    ) -> ParsedDeadline:
        far = deadline is not None and problem is None and deadline - now_utc > FAR_AHEAD
        return ParsedDeadline(
            deadline, phrase, description, problem, detail, cand.zone, ignored, far
        )

    if cand.issue is not None:
        moment = cand.issue.moment if cand.issue.problem is DeadlineProblem.PAST else None
        return result(moment, cand.issue.problem, cand.issue.detail)
    deadline = cand.deadline
    if deadline is None:
        return missing_result(text, ignored)
    deadline = deadline.astimezone(UTC)
    if deadline <= now_utc:
        return result(deadline, DeadlineProblem.PAST, f"“{quote_fragment(phrase)}” is in the past")
    if deadline - now_utc > MAX_AHEAD:
        detail = (
            f"{show_day(deadline.date())} is more than 5 years away; "
            "I only track promises up to 5 years ahead"
        )
        return result(None, DeadlineProblem.TOO_FAR, detail)
    return result(deadline, None)


def ambiguity_issue(ambiguity: Ambiguity) -> Issue:
    options = " or ".join(o.capitalize() for o in ambiguity.options)
    return Issue(
        DeadlineProblem.UNCLEAR,
        f"“{quote_fragment(ambiguity.written)}” could be {options}: which one did you mean?",
    )


def ambiguous_result(text: str, offset: int, ambiguity: Ambiguity) -> ParsedDeadline:
    """A day word Kept can't settle and nothing else to read: ask about it."""
    start, end = offset + ambiguity.start, offset + ambiguity.end
    issue = ambiguity_issue(ambiguity)
    return ParsedDeadline(
        None, text[start:end], remove_phrase(text, start, end), issue.problem, issue.detail
    )


def warm_up(working_day: WorkingDay = DEFAULT_WORKING_DAY) -> None:
    """Build the zone tables and compile the patterns so the first real call is fast."""
    warm_zones()
    now = datetime.now(UTC)
    for phrase in (
        "call Jane Doe back about the supervisor role by Friday 5pm",
        "send the quote by the 15th of next month",
        "stay in touch over the next two weeks",
        "refund order 1182 by EOD",
        "by 2pm ET on 4/11",
        "half past three Thursday week, 1600 in 5 business days",
        "last Monday first thing within the hour end of next quarter",
        "EOD Thurs, 2 days after Firday, same time tmrw, 3 bus. days before Christmas at 17h30",
    ):
        parse_deadline(phrase, now=now, tz="UTC", working_day=working_day, locale="en-US")
