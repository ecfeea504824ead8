"""Picking the deadline among the candidates, naming what was not used, tidying the description."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime

from bot.language.deadlines.model import Candidate, DeadlineProblem, ParsedDeadline
from bot.language.deadlines.vocabulary import (
    CONNECTOR_CHARS,
    INTRO,
    LOOSE_MONTH,
    SPAN_INTRO_WORDS,
    TRAILING_WORD,
)
from bot.language.zones import (
    ZoneMention,
)

Scored = tuple[int, Candidate, int]


def choose(window: str, cands: list[Candidate]) -> tuple[Candidate, int, list[Scored]] | None:
    """Pick the best candidate and the start of its phrase (including any intro word); also
    the other candidates it beat (non-overlapping), to mention them."""
    first = len(window) - len(window.lstrip())
    last = len(window.rstrip(" \t\r\n.!?"))
    scored: list[Scored] = []
    for cand in cands:
        intro = INTRO.search(window, max(0, cand.start - 30), cand.start)
        strength, phrase_start, word = 0, cand.start, ""
        if intro is not None:
            strength = 2 if intro["strong"] else 1
            phrase_start = intro.start()
            # "@ 5pm" reads as "at 5pm"
            word = (intro["strong"] or intro["weak"] or "at").lower().split()[-1]
        whole = cand.start <= first and cand.end >= last
        if cand.span:
            ok = word in SPAN_INTRO_WORDS or whole
        elif cand.weak:
            ok = strength > 0 or whole
        else:
            ok = True
        if ok:
            scored.append((strength, cand, phrase_start))
    if not scored:
        return None
    # Resolve overlaps: longer phrases win; on ties prefer fixed dates over spans.
    scored.sort(key=lambda s: (-(s[1].end - s[2]), s[1].span, s[1].zone is None, -s[1].end))
    kept: list[Scored] = []
    for item in scored:
        _, cand, start = item
        if all(cand.end <= k_start or start >= k.end for _, k, k_start in kept):
            kept.append(item)
    best = max(kept, key=lambda s: (s[0], s[1].end))
    others = [item for item in kept if item is not best]
    return best[1], best[2], others


def quote_fragment(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def ignored_fragments(
    window: str,
    others: list[Scored],
    unused_zones: list[ZoneMention],
    used: tuple[int, int] | None,
    shown: Callable[[int, int], str] | None = None,
) -> tuple[str, ...]:
    """Up to three date-, time- or zone-looking fragments that were not used, as written
    (``shown`` gives the owner's own words for a span of ``window``)."""
    spans: list[tuple[int, int]] = []
    for strength, cand, start in others:
        if cand.span and strength < 2:
            continue
        if cand.weak and strength < 2:
            continue
        spans.append((start, cand.end))
    covered = [*spans, *([used] if used else [])]
    for mention in unused_zones:
        if not any(s <= mention.start < e for s, e in covered):
            spans.append((mention.start, mention.end))
    for m in LOOSE_MONTH.finditer(window):
        if not any(s <= m.start() < e for s, e in [*covered, *spans]):
            spans.append((m.start(), m.end()))
    spans.sort()
    out: list[str] = []
    for start, end in spans:
        fragment = quote_fragment(shown(start, end) if shown else window[start:end])
        if fragment and fragment not in out:
            out.append(fragment)
    return tuple(out[:3])


def strip_trailing_connectors(text: str) -> str:
    while True:
        stripped = text.rstrip(CONNECTOR_CHARS)
        m = TRAILING_WORD.search(stripped[-12:])
        if m is not None:
            stripped = stripped[: len(stripped) - len(m.group())]
        if stripped == text:
            return text
        text = stripped


def tidy_spaces(text: str) -> str:
    return " ".join(text.split())


def tidy_rest(text: str) -> str:
    """Tidy what is left after removing the phrase; punctuation alone ("." ) becomes ""."""
    tidy = tidy_spaces(text)
    if all(unicodedata.category(c).startswith("P") or c == " " for c in tidy):
        return ""
    return tidy


def remove_phrase(text: str, start: int, end: int) -> str:
    left = strip_trailing_connectors(text[:start])
    right = text[end:].lstrip()
    if not left.strip():
        right = right.lstrip(CONNECTOR_CHARS)
        return tidy_rest(strip_trailing_connectors(right))
    if right and right[0] in ",.;:!?)]}":
        # "call Jane by Friday, then email" -> "call Jane, then email"
        return tidy_rest(strip_trailing_connectors(left + right))
    return tidy_rest(strip_trailing_connectors(f"{left} {right}" if right else left))


def missing_result(text: str, ignored: tuple[str, ...] = ()) -> ParsedDeadline:
    try:
        description = tidy_spaces(text)
    except Exception:
        description = ""
    return ParsedDeadline(None, None, description, DeadlineProblem.MISSING, ignored=ignored)


def aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
