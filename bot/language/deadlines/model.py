"""What parsing returns (``ParsedDeadline``, ``DeadlineProblem``) and the values the parser
passes around inside (a ``Candidate`` phrase, an ``Issue`` to ask about)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.language.deadlines.clock import Clock
from bot.language.zones import (
    NamedZone,
)

# Only the last WINDOW characters of a long text are searched for the deadline phrase.
WINDOW = 300
# A deadline further out than FAR_AHEAD needs the owner's confirmation; past MAX_AHEAD it is
# refused.
FAR_AHEAD = timedelta(days=366)
MAX_AHEAD = timedelta(days=5 * 365 + 2)


class DeadlineProblem(StrEnum):
    MISSING = "missing"  # no deadline phrase
    PAST = "past"  # "yesterday", "last Monday", a time already gone
    IMPOSSIBLE = "impossible"  # "April 31", month 13
    UNCLEAR = "unclear"  # needs the owner to say: "4/11" with no locale, "IST" from Berlin
    TOO_FAR = "too_far"  # more than MAX_AHEAD away


class DateOrder(StrEnum):
    MONTH_FIRST = "month_first"  # 4/11 = 11 April (en-US)
    DAY_FIRST = "day_first"  # 4/11 = 4 November (en-GB, en-AU, de-DE, ...)


@dataclass(frozen=True)
class ParsedDeadline:
    deadline: datetime | None  # aware, in UTC; None when there is no usable moment
    phrase: str | None  # exact substring of the input taken as the deadline
    description: str  # the input without the phrase, tidied
    problem: DeadlineProblem | None
    detail: str | None = None  # what is wrong, for the owner ("there's no 31 April")
    zone: NamedZone | None = None  # the zone the phrase named, when it named one
    ignored: tuple[str, ...] = ()  # date/time/zone-looking fragments that were not used
    far: bool = False  # more than FAR_AHEAD away: ask before recording


class OutOfRange(Exception):
    """A day too far from today to be a deadline (or to compute without overflow)."""

    def __init__(self, day: date) -> None:
        super().__init__(day)
        self.day = day


@dataclass(frozen=True)
class Issue:
    problem: DeadlineProblem
    detail: str
    moment: datetime | None = None


Outcome = datetime | Issue | None


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    deadline: datetime | None
    issue: Issue | None = None
    weak: bool = False  # needs an intro word (or to be the whole text)
    span: bool = False  # relative span: needs in/within/over/..., "from now" or whole text
    zone: NamedZone | None = None
    weekday: int | None = None  # the weekday a "Friday" phrase names
    dated: bool = False  # a calendar date ("Dec 4", "12/4", "the 4th")


DayResolver = Callable[[Clock | None], Outcome]


def outcome_cand(
    start: int, end: int, outcome: Outcome, *, weak: bool = False, span: bool = False
) -> Candidate | None:
    if outcome is None:
        return None
    if isinstance(outcome, Issue):
        return Candidate(start, end, outcome.moment, issue=outcome, weak=weak, span=span)
    return Candidate(start, end, outcome, weak=weak, span=span)
