"""Guessing who a promise is made to ("the counterpart") from its description.

Pure heuristics, no I/O: an explicit marker such as ``Sam (candidate)`` wins; otherwise the
first capitalised name after a contact verb or preposition ("call Jane Doe", "send Acme",
"for Mrs. Lee") is taken, and the kind is suggested by words like candidate/customer/client
(or, more weakly, by recruiting or sales vocabulary).  ``find_counterpart`` never raises and
only looks at a bounded prefix of the text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Counterpart", "CounterpartKind", "find_counterpart"]

log = logging.getLogger(__name__)

# Only this many characters of a description are examined.
_MAX_CHARS = 2000
_MAX_NAME_WORDS = 4


class CounterpartKind(StrEnum):
    """Who a promise is made to. The one definition: channel settings, forms and messages
    all take their kinds and words from here."""

    CANDIDATE = "candidate"
    CUSTOMER = "customer"
    OTHER = "other"

    @property
    def label(self) -> str:
        """How a message names the counterpart's kind ("Jane Doe (candidate)")."""
        return "contact" if self is CounterpartKind.OTHER else self.value


@dataclass(frozen=True)
class Counterpart:
    name: str | None
    kind: CounterpartKind | None


_NONE = Counterpart(None, None)

_I = re.IGNORECASE

_TRIGGER = re.compile(
    r"(?<![\w-])(?:call(?:\s+back)?|phone|ring|e-?mail|mail|ping|text|message|msg|dm|send"
    r"|update|remind|contact|tell|ask|invite|thank|pay|refund|chase|nudge|meet|brief|notify"
    r"|introduce|reply\s+to|respond\s+to|write\s+to|get\s+back\s+to|follow[\s-]+up\s+with"
    r"|check\s+in\s+with|with|for|to)\s+",
    _I,
)
_HONORIFIC = re.compile(r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame)\.?(?=\s)\s*")
_WORD = re.compile(r"[^\W\d_][\w'’&-]*")
_GAP = re.compile(r"[ \t]+")
_AMPERSAND = re.compile(r"&[ \t]+")
_MARKER = re.compile(r"\(\s*(?P<kind>candidate|customer|client|applicant|prospect)s?\s*\)", _I)
_CANDIDATE_WORDS = re.compile(r"(?<!\w)(?:candidates?|applicants?)(?!\w)", _I)
_CUSTOMER_WORDS = re.compile(r"(?<!\w)(?:customers?|clients?|prospects?)(?!\w)", _I)
_CANDIDATE_HINTS = re.compile(
    r"(?<!\w)(?:role|position|job|interview(?:s|ed|ing)?|offer|cv|resume|résumé|hiring"
    r"|recruit(?:ing|er|ment)?|onboarding|reference(?:s)?|vacancy|shortlist(?:ed)?)(?!\w)",
    _I,
)
_CUSTOMER_HINTS = re.compile(
    r"(?<!\w)(?:quote|order|refund|invoice|account|renewal|contract|purchase|delivery"
    r"|shipment|ticket|subscription|pricing|proposal|demo|complaint)(?!\w)",
    _I,
)
_KIND_OF_MARKER = {
    "candidate": CounterpartKind.CANDIDATE,
    "applicant": CounterpartKind.CANDIDATE,
    "customer": CounterpartKind.CUSTOMER,
    "client": CounterpartKind.CUSTOMER,
    "prospect": CounterpartKind.CUSTOMER,
}

# Capitalised words that are not names.
_NOT_NAMES = frozenset(
    w.lower()
    for w in (
        "I",
        "I'm",
        "I'll",
        "A",
        "An",
        "The",
        "This",
        "That",
        "These",
        "Those",
        "We",
        "Our",
        "Us",
        "You",
        "Your",
        "He",
        "She",
        "Him",
        "Her",
        "They",
        "Them",
        "Their",
        "It",
        "Its",
        "My",
        "Me",
        "All",
        "Everyone",
        "Team",
        "Back",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
        "Today",
        "Tomorrow",
        "Tonight",
        "January",
        "February",
        "March",
        "April",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "EOD",
        "COB",
        "EOW",
        "EOM",
        "EOB",
        "ASAP",
        "FYI",
        "TBD",
        "ETA",
        "Re",
        "Fwd",
        "Candidate",
        "Customer",
        "Client",
        "Applicant",
        "Prospect",
    )
)


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in _NOT_NAMES


def _clean_word(word: str) -> str:
    for suffix in ("'s", "’s"):
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)]
    return word.rstrip("'’-&")


def _name_at(text: str, pos: int) -> str | None:
    """A capitalised name (optionally with an honorific) starting exactly at ``pos``."""
    honorific = _HONORIFIC.match(text, pos)
    prefix = ""
    if honorific is not None:
        prefix = " ".join(honorific.group().split()) + " "
        pos = honorific.end()
    words: list[str] = []
    while len(words) < _MAX_NAME_WORDS:
        m = _WORD.match(text, pos)
        if m is None or not _is_name_word(m.group()):
            break
        word = m.group()
        cleaned = _clean_word(word)
        if not cleaned:
            break
        words.append(cleaned)
        if cleaned != word:  # possessive or trailing punctuation ends the name
            break
        gap = _GAP.match(text, m.end())
        if gap is None:
            break
        pos = gap.end()
        joined = _AMPERSAND.match(text, pos)  # "Acme & Co", "Smith & Sons"
        if joined is not None and len(words) <= _MAX_NAME_WORDS - 2:
            after = _WORD.match(text, joined.end())
            if after is not None and _is_name_word(after.group()):
                words.append("&")
                pos = joined.end()
    if not words:
        return None
    return prefix + " ".join(words)


def _name_before(text: str, end: int) -> str | None:
    """A capitalised name ending right before ``end`` (used for "Sam (candidate)")."""
    tokens = text[max(0, end - 80) : end].split()
    words: list[str] = []
    while tokens and len(words) < _MAX_NAME_WORDS:
        token = tokens[-1]
        if _HONORIFIC.fullmatch(token + " ") and words:
            words.insert(0, token)
            break
        m = _WORD.fullmatch(token)
        if m is None or not _is_name_word(token):
            break
        words.insert(0, token)
        tokens.pop()
    if not words or (len(words) == 1 and _HONORIFIC.fullmatch(words[0] + " ")):
        return None
    return " ".join(words)


def _kind_from_words(text: str) -> CounterpartKind | None:
    candidate = bool(_CANDIDATE_WORDS.search(text))
    customer = bool(_CUSTOMER_WORDS.search(text))
    if candidate != customer:
        return CounterpartKind.CANDIDATE if candidate else CounterpartKind.CUSTOMER
    if candidate and customer:
        return CounterpartKind.OTHER
    candidate = bool(_CANDIDATE_HINTS.search(text))
    customer = bool(_CUSTOMER_HINTS.search(text))
    if candidate != customer:
        return CounterpartKind.CANDIDATE if candidate else CounterpartKind.CUSTOMER
    return None


def find_counterpart(description: str) -> Counterpart:
    """Guess the person or company a promise is made to. Never raises."""
    try:
        return _find(description if isinstance(description, str) else "")
    except Exception:
        log.exception("find_counterpart failed")
        return _NONE


def _find(description: str) -> Counterpart:
    text = description[:_MAX_CHARS]

    for marker in _MARKER.finditer(text):
        name = _name_before(text, marker.start())
        if name is not None:
            return Counterpart(name, _KIND_OF_MARKER[marker["kind"].lower()])

    kind = _kind_from_words(text)
    for trigger in _TRIGGER.finditer(text):
        name = _name_at(text, trigger.end())
        if name is not None:
            return Counterpart(name, kind or CounterpartKind.OTHER)
    return Counterpart(None, kind) if kind is not None else _NONE
