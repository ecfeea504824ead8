"""Nothing next to a deadline is dropped silently (issue 19).

After the deadline phrase is chosen, the words right next to it (up to three on each side, in
the same sentence) are checked for anything that could change it: an amount of time ("2 days"),
a relation ("from", "after", "plus", "prior to"), a weekday or month in any abbreviation or a
near-miss spelling ("Thurs", "Sept", "Fridya"), a time of day ("3pm", "17h30", "noon", "morning"),
a word keeping the current time ("same time") or a number with a clock suffix.  If one is
there, the parser asks instead of answering, quoting it.
"""

from __future__ import annotations

import re

from bot.language.deadlines.spelling import looks_like_a_day
from bot.language.deadlines.vocabulary import (
    CI,
    FULL_WEEKDAYS,
    HOUR_WORDS,
    MONTH_NAMES,
    MONTH_RE,
    NUM_RE,
    UNIT_RE,
    WEEKDAY_RE,
)

_STOP = re.compile(r"\.(?=\s|\Z)|[;!?\n]|(?<!\w)(?:then|so|but|because|if|when|once)(?!\w)", CI)
_TOKEN = re.compile(r"[\w'’+:./-]+")
_DAY_WORDS = (
    rf"(?:{WEEKDAY_RE}|{MONTH_RE})\.?|mo|tu|we|th|fr|sa|su|sept|weds|thur|thurs|thrs"
    r"|today|tonight|tomorrow|yesterday|tmrw|tmr|tdy|eod|cob|eow|eom|eoq|eoy|noon|midday"
    r"|midnight|morning|afternoon|evening|night|lunch|lunchtime|arvo|first\s+thing|eve"
)
# every unit written short: the first one to three letters of its name ("3 d", "2 wk", "1 mo")
_UNIT_STEMS = ("minute", "hour", "day", "week", "month", "year", "fortnight", "business")
_SHORT_UNITS = sorted(
    {stem[:n] + s for stem in _UNIT_STEMS for n in (1, 2, 3) for s in ("", "s")}
    - {"for", "fors", "fo", "fos", "we", "bu", "bus", "b", "bs"},  # "2 for 1", "1 we..."
    key=len,
)[::-1]
_DANGER = re.compile(
    rf"(?<![\w'])(?:(?P<amount>(?:\d{{1,4}}\s*|(?:{NUM_RE})\s+)"
    rf"(?:{UNIT_RE}|{'|'.join(_SHORT_UNITS)})\.?)"
    r"|(?P<rel>from|following|between|plus|\+|past|since|prior\s+to|ahead\s+of|on\s+top\s+of|after"
    r"|before|earlier\s+than|later\s+than|sooner\s+than)"
    rf"|(?P<day>{_DAY_WORDS}|\d{{1,2}}(?:st|nd|rd|th))"
    r"|(?P<clock>\d{1,2}(?:[:.h]\d{2})?\s*(?:[ap]\.?m\.?|h|hrs|hours|o['’]?clock)"
    r"|\d{1,2}(?::\d{2})?\s*-?ish|[ap]\.?m\.?"
    r"|\d{1,2}[:h]\d{2}|(?:half|quarter)\s+(?:past|to|after)\s+\w+"
    r"|(?:at|@|around|about|by)\s*\d{1,2}(?::\d{2})?(?![\w/]))"
    r"|(?P<same>(?:this|the\s+same|same)\s+time|same)"
    r"|(?P<part>early|mid|late|middle|end\s+of|beginning))(?![\w'])",
    CI,
)
# words that look like a day word but are plain English next to a deadline
_PLAIN = frozenset({"we", "may"})
# months that are also first names: a leftover only with a day number after them
_NAME_MONTHS = frozenset({"jan", "june", "april", "august", "may"})


_NAMES = tuple(n.lower() for n in (*FULL_WEEKDAYS, *MONTH_NAMES))
_NAME_PREFIXES = frozenset(name[:n] for name in _NAMES for n in range(2, 6))
# prefixes of day and month names that are everyday words when written plain
_PLAIN_PREFIXES = frozenset({"we", "may", "no", "so"})
_BARE_UNIT = re.compile(
    r"(?:minutes?|hours?|days?|weeks?|fortnights?|months?|years?|mins|hrs|wks|yrs)\.?", CI
)
HOURS = "|".join(HOUR_WORDS)
_INTRO_START = re.compile(
    r"(?:due|by|before|on|until|till|til|within|in|no\s+later\s+than|latest\s+by)(?!\w)", CI
)
_DAY_WORD = re.compile(rf"(?:{_DAY_WORDS})", CI)


def _abbreviation_dot(text: str, stop: re.Match[str]) -> bool:
    """A dot ending a short token ("Thurs.", "Ja.", "1a.m.", "Mr.") does not end the sentence."""
    if stop.group(0) != ".":
        return False
    word = re.search(r"[\w.]+\Z", text[: stop.start()])
    return word is not None and (
        len(word.group(0)) <= 5 or bool(_DAY_WORD.fullmatch(word.group(0)))
    )


def _name_prefix(word: str) -> bool:
    """Two to five letters starting a weekday or month name ("Ja", "Sept", "Thur"), and not
    a first name ("Jane", "Marc")."""
    word = word.lower()
    return word in _NAME_PREFIXES and word not in _FIRST_NAMES


# "on time", "in time": no clock or zone
_PLAIN_TIMES = frozenset(
    {"on", "in", "of", "full", "part", "first", "last", "any", "some", "no", "lead", "the"}
    | {"spare", "free", "a", "one", "real", "enough", "more", "less", "much", "ample", "good"}
)
_FIRST_NAMES = frozenset({"jane", "marc", "mart"})


def _side(window: str, start: int, end: int, leftwards: bool) -> tuple[int, int]:
    """The span of the words beside the phrase (four before, five after), within its sentence."""
    if leftwards:
        text = window[max(0, start - 60) : start]
        base = max(0, start - 60)
        stops = [m for m in _STOP.finditer(text) if not _abbreviation_dot(text, m)]
        if stops:
            base += stops[-1].end()
            text = window[base:start]
        tokens = list(_TOKEN.finditer(text))[-4:]
        return (base + tokens[0].start(), start) if tokens else (start, start)
    text = window[end : end + 60]
    stop = next((m for m in _STOP.finditer(text) if not _abbreviation_dot(text, m)), None)
    if stop is not None:
        text = text[: stop.start()]
    tokens = list(_TOKEN.finditer(text))[:5]
    return (end, end + tokens[-1].end()) if tokens else (end, end)


def leftover(
    window: str, start: int, end: int, others: tuple[tuple[int, int], ...] = ()
) -> tuple[int, int] | None:
    """The first word (span in ``window``) beside the phrase [start, end) that could change the
    deadline, or None.  ``others`` are the spans of every other phrase the parser recognised:
    one of them beside the deadline is a leftover too."""
    for leftwards in (True, False):
        lo, hi = _side(window, start, end, leftwards)
        for o_start, o_end in others:
            if o_start < hi and o_end > lo and (o_end <= start or o_start >= end):
                return max(o_start, lo), min(o_end, hi)
        for m in _DANGER.finditer(window, lo, min(len(window), hi + 20)):
            if m.start() >= hi:
                break  # a danger may run past the side ("at the same | time"), not start past it
            day = m["day"]
            if (
                day is not None
                and day.lower().rstrip(".") in _PLAIN
                and not (day[0].isupper() and day.lower() != "we")
            ):
                continue
            if (
                day is not None
                and day.lower() in _NAME_MONTHS
                and day[0].isupper()
                and not re.match(r"\s*\d", window[m.end() : m.end() + 4])
            ):
                continue  # "call Jan by Thursday": a person; "Jan 8" would be a date
            if m["rel"] is not None and leftwards and len(window[m.end() : hi].split()) > 1:
                continue  # "from Acme by Friday": a relation must be one of the two words left
            return m.start(), m.end()
        tokens = list(_TOKEN.finditer(window, lo, hi))
        nearest = tokens[-2:] if leftwards else tokens[:2]
        for m in nearest:
            if _BARE_UNIT.fullmatch(m.group(0)):
                return m.start(), m.end()
        touching = tokens[-1:] if leftwards else tokens[:1]
        # "at 3 tomorrow" with the "at" apart: a clock?  ("ticket 9 by tomorrow" is a label: the
        # deadline starts with its own intro word)
        if not (leftwards and _INTRO_START.match(window, start)):
            for m in touching:
                if re.fullmatch(rf"\d{{1,2}}(?:[.,]|\.\d{{2}}|[ap])?|{HOURS}", m.group(0), re.I):
                    return m.start(), m.end()
        for before, m in zip([None, *tokens], tokens, strict=False):
            if m.group(0).lower() == "time" and (
                before is None or before.group(0).lower() not in _PLAIN_TIMES
            ):
                return m.start(), m.end()  # "same ... time", "Sydney ... time"
            raw = m.group(0).rstrip(",")
            word = raw.rstrip(".")
            if not word.isalpha():
                continue
            if looks_like_a_day(word):
                return m.start(), m.end()
            marked = raw.endswith(".") or word[0].isupper()
            if word.lower() in _NAME_MONTHS and word[0].isupper() and not raw.endswith("."):
                continue  # a person's name; with a day number it was a date above
            if _name_prefix(word) and (marked or word.lower() not in _PLAIN_PREFIXES):
                return m.start(), m.end()
    return None
