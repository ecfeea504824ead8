"""Issue 19: nothing next to a deadline is dropped silently.

For every phrase of the corpus (and the held-out set) that Kept reads right, words that could
change a deadline are generated and inserted next to the deadline phrase or anywhere else in
the text.  The answer must then be the same deadline, or a question / refusal, or a deadline
whose phrase took the inserted words in (Kept used them).  A different deadline that ignores
the inserted words is a silent wrong: the test fails.

The words are generated, not listed: amounts are numbers (digits or words) times every spelling
of a unit, abbreviations are prefixes of weekday and month names, near misses are random edits
of them, clock times are random hours with every suffix, relations are combined with amounts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.language.deadlines import ParsedDeadline, parse_deadline
from bot.language.deadlines.vocabulary import FULL_WEEKDAYS, HOUR_WORDS, MONTH_NAMES
from bot.language.holidays import Holidays
from bot.language.workdays import WorkingDay
from tests.deadline_corpus import CORPUS, HELDOUT, Case
from tests.test_deadline_corpus import expected_instant, grade, now_for, parse_case

NAMES = [*FULL_WEEKDAYS, *(m.lower() for m in MONTH_NAMES)]
UNIT_STEMS = ["minute", "hour", "day", "week", "month", "year", "fortnight"]
PLAIN_WORDS = {"we", "no", "may"}
RELATIONS = ["from", "after", "before", "prior to", "following", "plus", "ahead of", "past"]


def right_cases() -> list[tuple[Case, ParsedDeadline]]:
    out = []
    for case in [*CORPUS, *HELDOUT]:
        result = parse_case(case)
        if expected_instant(case) is not None and grade(case, result) == "right":
            out.append((case, result))
    return out


RIGHT = right_cases()


@st.composite
def unit(draw: st.DrawFn) -> str:
    stem = draw(st.sampled_from(UNIT_STEMS))
    form = draw(st.sampled_from(["full", "plural", "short", "short-plural"]))
    if form == "plural":
        return stem + "s"
    if form.startswith("short"):
        cut = stem[: draw(st.integers(1, min(3, len(stem))))]
        # "2 for", "1 we": English, not a short fortnight or week
        assume(cut not in ("f", "fo", "for", "we"))
        return cut + ("s" if form == "short-plural" else "")
    if stem == "day" and draw(st.booleans()):
        return draw(st.sampled_from(["working", "business", "bus.", "biz"])) + " days"
    return stem


@st.composite
def amount(draw: st.DrawFn) -> str:
    number = draw(
        st.one_of(st.integers(1, 99).map(str), st.sampled_from([*HOUR_WORDS, "a", "an", "a few"]))
    )
    # "3days" is written, "threedays" is not
    gap = draw(st.sampled_from([" ", ""])) if number.isdigit() else " "
    return f"{number}{gap}{draw(unit())}"


@st.composite
def abbreviation(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    cut = name[: draw(st.integers(2, min(5, len(name))))]
    cut = draw(st.sampled_from([cut, cut.capitalize(), cut.upper()]))
    written = cut + draw(st.sampled_from(["", "."]))
    # "we", "no", "may" written plain are English words, not abbreviations
    assume(written not in PLAIN_WORDS)
    return written


@st.composite
def near_miss(draw: st.DrawFn) -> str:
    # one slip in a three-letter word ("may") makes another word ("man", "mat"), no near miss
    name = draw(st.sampled_from([n for n in NAMES if len(n) > 3]))
    i = draw(st.integers(1, len(name) - 2))
    edit = draw(st.sampled_from(["swap", "drop", "double", "change"]))
    if edit == "swap":
        word = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    elif edit == "drop":
        word = name[:i] + name[i + 1 :]
    elif edit == "double":
        word = name[: i + 1] + name[i:]
    else:
        word = name[:i] + draw(st.sampled_from("aeiourstn")) + name[i + 1 :]
    return draw(st.sampled_from([word, word.capitalize()]))


@st.composite
def clock(draw: st.DrawFn) -> str:
    hour = draw(st.integers(1, 23))
    minute = draw(st.sampled_from([0, 15, 30, 45, 5, 50]))
    style = draw(st.sampled_from(["ampm", "colon", "continental", "oclock", "h", "words"]))
    if style == "ampm":
        suffix = draw(st.sampled_from(["am", "pm", "a.m.", "p.m.", " pm", " am"]))
        return f"{(hour - 1) % 12 + 1}{suffix}"
    if style == "colon":
        return f"{hour}:{minute:02d}"
    if style == "continental":
        return f"{hour}h{minute:02d}"
    if style == "oclock":
        return f"{(hour - 1) % 12 + 1} o'clock"
    if style == "h":
        return f"{hour}h"
    word = draw(st.sampled_from(["half past", "quarter past", "quarter to", "ten to"]))
    return f"{word} {(hour - 1) % 12 + 1}"


@st.composite
def relation(draw: st.DrawFn) -> str:
    rel = draw(st.sampled_from(RELATIONS))
    return draw(st.sampled_from([rel, f"{draw(amount())} {rel}"]))


words = st.one_of(
    amount(),
    abbreviation(),
    near_miss(),
    clock(),
    relation(),
    st.sampled_from(["same time", "this time", "tmrw", "2moro", "tdy", "noon", "morning"]),
)


def insert(text: str, phrase_at: tuple[int, int], word: str, where: int) -> tuple[str, int]:
    """The text with ``word`` inserted at a word boundary: 0 just before the phrase, 1 just
    after it, 2+ at another boundary; returns the text and where the word starts."""
    start, end = phrase_at
    boundaries = [0, *(i + 1 for i, c in enumerate(text) if c == " "), len(text)]
    if where == 0:
        at = start
    elif where == 1:
        at = end
    else:
        at = boundaries[where % len(boundaries)]
    left, right = text[:at].rstrip(" "), text[at:].lstrip(" ")
    joined = f"{left} {word} {right}".strip() if left else f"{word} {right}".strip()
    return joined, (len(left) + 1 if left else 0)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(RIGHT) - 1), words, st.integers(0, 40))
def test_inserted_words_are_used_or_asked(index: int, word: str, where: int) -> None:
    case, before = RIGHT[index]
    assert before.phrase is not None and before.deadline is not None
    phrase_start = case.text.find(before.phrase)
    text, at = insert(case.text, (phrase_start, phrase_start + len(before.phrase)), word, where)
    after = parse_deadline(
        text,
        now=now_for(case),
        tz=case.tz,
        working_day=WorkingDay(holidays=Holidays(case.holidays)),
        locale=case.locale,
    )
    if after.problem is not None or after.deadline == before.deadline:
        return
    assert after.phrase is not None
    occurrences = [
        k for k in range(len(text)) if text.startswith(after.phrase, k)
    ]  # the phrase may be written twice ("Thursday ... Thu"): any copy touching the word
    used = any(k < at + len(word) and at < k + len(after.phrase) for k in occurrences)
    assert used, (
        f"{text!r}: {after.deadline} (phrase {after.phrase!r}) instead of {before.deadline},"
        f" and {word!r} was not used"
    )


def test_enough_phrases_read_right_to_insert_into() -> None:
    with_deadline = [c for c in [*CORPUS, *HELDOUT] if expected_instant(c) is not None]
    assert len(RIGHT) == len(with_deadline) >= 270
    assert all(
        r.deadline is not None and r.deadline > datetime(2026, 1, 1, tzinfo=UTC) for _, r in RIGHT
    )
