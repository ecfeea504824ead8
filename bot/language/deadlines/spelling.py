"""The words people type, read as the words the patterns know (issue 19).

``normalize`` rewrites texting forms ("tmrw", "2moro", "tdy"), weekday abbreviations ("Weds",
"Thurs.", "EOD Th"), near-miss spellings ("Firday", "Decmber", "tommorow"), shortened
working-day words ("3 bus. days", "2 wd", "next biz day") and continental clock times ("17h30",
"at 17.30", "Friday 14h") into the canonical words, and keeps a map back to the original text
so that the phrase, the description and what was ignored are always the owner's own words.

A near-miss that is as close to two words ("Thuesday": Tuesday or Thursday?) is not read: it
is returned as an ambiguity for the parser to ask about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.language.deadlines.vocabulary import CI, FULL_WEEKDAYS, MONTH_NAMES

# Texting and informal forms (noslang, Macmillan's texting list, 7ESL: tmrw, tmr, tmw, 2moro,
# 2moz, 2mrw, 2day, 2nite; British tomoz), each to the word the patterns read.
TEXTING: dict[str, str] = {
    **dict.fromkeys(
        [
            "tmrw",
            "tmr",
            "tmw",
            "tmrow",
            "tmrrw",
            "tmorow",
            "tmorrow",
            "tomoz",
            "tomorrw",
            "tommorow",
            "tommorrow",
            "tomorow",
            "tomorro",
            "tomoro",
            "2moro",
            "2morro",
            "2morrow",
            "2morow",
            "2mrw",
            "2mro",
            "2moz",
            "2mora",
            "2mrow",
        ],
        "tomorrow",
    ),
    **dict.fromkeys(["tdy", "tday", "2day", "todai"], "today"),
    **dict.fromkeys(["2nite", "2night", "tonite", "tonit"], "tonight"),
    "wk": "week",
    "wks": "weeks",
}
# Weekday abbreviations that are no other English word: read as the weekday.
_WEEKDAY_ABBR: dict[str, str] = {
    **dict.fromkeys(("tue", "tues", "tu"), "tuesday"),
    **dict.fromkeys(("wed", "weds", "wedn", "wednes"), "wednesday"),
    **dict.fromkeys(("thu", "thur", "thurs", "thr", "thrs", "th"), "thursday"),
    **dict.fromkeys(("fri", "fr"), "friday"),
    **dict.fromkeys(("mon", "mo"), "monday"),
    **dict.fromkeys(("sat", "sa"), "saturday"),
    **dict.fromkeys(("sun", "su"), "sunday"),
}
# Read at once (with or without a dot): these are no other word.
_ALWAYS = frozenset({"tue", "tues", "weds", "wedn", "wednes", "thu", "thur", "thurs", "thrs"})
_ALWAYS |= frozenset({"fri"})
# Other English words ("mon", "wed", "sat", "sun", "we", "th", "mo"...): read as a weekday only
# with a dot or after a word that calls for a day ("by Sat", "EOD Th", "next Mon").
_DAY_CALLERS = re.compile(
    r"(?:\b(?:by|on|before|until|till|til|due|eod|cob|eob|this|next|coming|every|from|after"
    r"|of\s+day|of\s+business|of\s+play)|@)\s*\Z",
    CI,
)
_DAY_STARTS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "tod", "tom", "tmr", "2mo")
_CLOCK_CALLERS = re.compile(
    r"(?:\b(?:at|by|before|until|till|til|from|around|to|@|à|um|vor|bis)|\b(?:"
    + "|".join(FULL_WEEKDAYS)
    + r"|tues?|weds|thu|thur|thurs|fri|today|tomorrow|tonight|tmrw))\.?\s*,?\s*\Z",
    CI,
)
# near-miss targets: long enough that one or two slips leave them recognisable
_TARGETS: tuple[str, ...] = (
    *FULL_WEEKDAYS,
    *(m.lower() for m in MONTH_NAMES if len(m) >= 6),
    "tomorrow",
    "tonight",
)
# real words near a target (and plural weekdays, which say "every")
_NOT_MISSPELT = frozenset(
    {"sundae", "sundays", "mondays", "tuesdays", "fridays", "saturdays", "thursdays"}
    | {"wednesdays", "monday's", "friday's", "business", "working", "worming", "morning"}
    | {"tonights", "tonight's", "tomorrows", "tomorrow's", "august", "augusta", "octobers"}
    | {"sundry", "fridge", "mondo", "jane", "julie", "jules", "julia", "julio", "match", "marsh"}
)

_TOKENS = re.compile(
    r"(?P<bd>(?<![\w.])(?:bus\.?|biz|busi?ness?|buisness|bussiness|work(?:ing)?)\s*"
    r"(?P<bdays>days?)(?!\w)"
    r"|(?<=\d)\s*(?:b\.?d\.?|w\.?d\.?|w/d)s?(?!\w)"
    r"|(?<=\d\s)(?:b\.?d\.?|w\.?d\.?|w/d)s?(?!\w))"
    r"|(?<![\w:.,/])(?P<ch>[01]?\d|2[0-3])h(?P<cm>[0-5]\d)?(?!\w)"
    r"|(?<![\w:.,/$£€])(?P<dh>[01]?\d|2[0-3])\.(?P<dm>[0-5]\d)(?![\d.,%]|\s*(?:[kKmM]\b|per|%|pounds?|dollars?|euros?|quid|bucks|usd|eur|gbp))"
    r"|(?<![\w:.,/$£€])(?P<sh>1[0-2]|0?[1-9])(?::(?P<sm>[0-5]\d))?\s?(?P<sap>[ap])(?![\w.])"
    r"|(?<![\w'])(?P<word>[a-z0-9][a-z0-9']{1,12})(?P<dot>\.)?(?![\w'])",
    CI,
)


@dataclass(frozen=True)
class Ambiguity:
    start: int  # in the original text
    end: int
    written: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Normalized:
    text: str  # what the patterns read
    starts: tuple[int, ...]  # original index of each character of ``text`` (and one past)
    ambiguities: tuple[Ambiguity, ...]

    def start_in_original(self, index: int) -> int:
        return self.starts[min(index, len(self.starts) - 1)]

    def end_in_original(self, index: int) -> int:
        if index <= 0:
            return 0
        return self.starts[min(index, len(self.starts) - 1) - 1] + 1


def _distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (a swap of two letters counts one), cut off past limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=4096)
def near_miss(word: str) -> tuple[str, ...]:
    """The targets a misspelt word is closest to (none, one, or several when ambiguous)."""
    word = word.lower()
    if len(word) < 5 or word in _NOT_MISSPELT or word in _TARGETS or not word.isalpha():
        return ()
    best, found = 3, []
    for target in _TARGETS:
        limit = 1 if len(target) <= 6 else 2
        if word[0] != target[0]:
            continue  # "remember" is no December
        d = _distance(word, target, limit)
        if d > limit:
            continue
        if d < best:
            best, found = d, [target]
        elif d == best:
            found.append(target)
    return tuple(found)


_ALL_NAMES: tuple[str, ...] = (
    *FULL_WEEKDAYS,
    *(m.lower() for m in MONTH_NAMES if len(m) >= 4),
    "tomorrow",
    "tonight",
    "today",
)


@lru_cache(maxsize=4096)
def looks_like_a_day(word: str) -> bool:
    """Close to a weekday, month or today/tomorrow word (one slip; two in long words): not
    enough to read it, enough to ask about it when it sits beside a deadline."""
    word = word.lower()
    if len(word) < 3 or not word.isalpha() or word in _NOT_MISSPELT:
        return False
    for name in _ALL_NAMES:
        limit = 1 if len(name) <= 6 else 2
        if word[0] == name[0] and _distance(word, name, limit) <= limit:
            return True
    return False


def _replacement(text: str, m: re.Match[str]) -> str | None:
    """What the patterns should read instead of this token; None to keep it as written."""
    if m["bd"] is not None:
        plural = not m["bdays"] or m["bdays"].lower() != "day"
        return (
            " business days"
            if m["bd"][:1].isspace()
            else ("business days" if plural else "business day")
        )
    if m["ch"] is not None:
        hour = int(m["ch"])
        if m["cm"] is None and not _CLOCK_CALLERS.search(text, 0, m.start()):
            return None  # "in 2h" is two hours
        return f"{hour:02d}:{m['cm'] or '00'}"
    if m["sh"] is not None:  # "3p", "10:30a": a clock only where one is expected
        after = text[m.end() : m.end() + 12].lower().lstrip()
        if _CLOCK_CALLERS.search(text, 0, m.start()) or after.startswith(_DAY_STARTS):
            return f"{m['sh']}{':' + m['sm'] if m['sm'] else ''}{m['sap'].lower()}m"
        return None
    if m["dh"] is not None:
        if not _CLOCK_CALLERS.search(text, 0, m.start()):
            return None  # "2.50" is a number more often than a time
        return f"{m['dh']}:{m['dm']}"  # "4.30" may be either half past four; "08.15" is not
    word = m["word"].lower()
    dot = m["dot"] or ""
    if word in TEXTING:
        return TEXTING[word] + ("" if not dot else " ")
    if word in _WEEKDAY_ABBR:
        if (
            word in _ALWAYS
            or (len(word) >= 3 and dot and m["word"][0].isupper())
            or _DAY_CALLERS.search(text, 0, m.start())
        ):
            return _WEEKDAY_ABBR[word] + (" " if dot else "")
        return None
    options = near_miss(word)
    if len(options) == 1:
        return options[0] + dot
    return None


def normalize(text: str) -> Normalized:
    pieces: list[str] = []
    starts: list[int] = []
    ambiguities: list[Ambiguity] = []
    last = 0
    for m in _TOKENS.finditer(text):
        if m["word"] is not None:
            options = near_miss(m["word"])
            if len(options) > 1:
                ambiguities.append(Ambiguity(m.start(), m.end(), m.group(0), options))
                continue
        new = _replacement(text, m)
        if new is None or new == m.group(0):
            continue
        pieces.append(text[last : m.start()])
        starts.extend(range(last, m.start()))
        pieces.append(new)
        s, e = m.start(), m.end()
        if new.endswith(" ") and text[e - 1] == ".":  # "Thurs." -> "thursday ": the dot apart
            starts.extend([s] * (len(new) - 2) + [e - 2, e - 1])
        else:
            starts.extend([s] * (len(new) - 1) + [e - 1])
        last = e
    if not pieces:
        return Normalized(text, tuple(range(len(text) + 1)), tuple(ambiguities))
    pieces.append(text[last:])
    starts.extend(range(last, len(text) + 1))
    return Normalized("".join(pieces), tuple(starts), tuple(ambiguities))
