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

from bot.language.deadlines.spelling import near_miss
from bot.language.deadlines.vocabulary import CI, MONTH_RE, NUM_RE, UNIT_RE, WEEKDAY_RE

_STOP = re.compile(r"[.;!?\n]|(?<!\w)(?:and|then|so|but|because|if|when|once|or)(?!\w)", CI)
_TOKEN = re.compile(r"[\w'’+:./-]+")
_DAY_WORDS = (
    rf"(?:{WEEKDAY_RE}|{MONTH_RE})\.?|mo|tu|we|th|fr|sa|su|sept|weds|thur|thurs|thrs"
    r"|today|tonight|tomorrow|yesterday|tmrw|tmr|tdy|eod|cob|eow|eom|eoq|eoy|noon|midday"
    r"|midnight|morning|afternoon|evening|night|lunch|lunchtime|arvo"
)
_DANGER = re.compile(
    rf"(?<![\w'])(?:(?P<amount>(?:{NUM_RE})\s*(?:{UNIT_RE}))"
    r"|(?P<rel>from|following|plus|\+|past|since|prior\s+to|ahead\s+of|on\s+top\s+of|after"
    r"|before|earlier\s+than|later\s+than|sooner\s+than)"
    rf"|(?P<day>{_DAY_WORDS})"
    r"|(?P<clock>\d{1,2}(?:[:.h]\d{2})?\s*(?:[ap]\.?m\.?|h|hrs|hours|o['’]?clock)"
    r"|\d{1,2}[:h]\d{2}|(?:half|quarter)\s+(?:past|to|after)\s+\w+)"
    r"|(?P<same>(?:this|the\s+same|same)\s+time))(?![\w'])",
    CI,
)
# words that look like a day word but are plain English next to a deadline
_PLAIN = frozenset({"we", "sat", "sun", "may", "mar", "mon", "wed", "jun", "th", "su", "sa"})


def _side(window: str, start: int, end: int, leftwards: bool) -> tuple[int, int]:
    """The span of up to three words beside the phrase, within its sentence."""
    if leftwards:
        text = window[max(0, start - 60) : start]
        base = max(0, start - 60)
        stops = list(_STOP.finditer(text))
        if stops:
            base += stops[-1].end()
            text = window[base:start]
        tokens = list(_TOKEN.finditer(text))[-3:]
        return (base + tokens[0].start(), start) if tokens else (start, start)
    text = window[end : end + 60]
    stop = _STOP.search(text)
    if stop is not None:
        text = text[: stop.start()]
    tokens = list(_TOKEN.finditer(text))[:3]
    return (end, end + tokens[-1].end()) if tokens else (end, end)


def leftover(window: str, start: int, end: int) -> tuple[int, int] | None:
    """The first word (span in ``window``) beside the phrase [start, end) that could change the
    deadline, or None."""
    for leftwards in (True, False):
        lo, hi = _side(window, start, end, leftwards)
        for m in _DANGER.finditer(window, lo, hi):
            day = m["day"]
            if (
                day is not None
                and day.lower().rstrip(".") in _PLAIN
                and not (day[0].isupper() and day.lower() not in ("we", "may"))
            ):
                continue
            if m["rel"] is not None and leftwards and m.end() < hi - 1:
                continue  # "from Acme by Friday": a relation must touch the phrase on the left
            return m.start(), m.end()
        for m in _TOKEN.finditer(window, lo, hi):
            word = m.group(0).strip(".,").lower()
            if word.isalpha() and near_miss(word):
                return m.start(), m.end()
    return None
