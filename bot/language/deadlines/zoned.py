"""Phrases next to a named time zone ("2pm ET") are resolved in that zone."""

from __future__ import annotations

from dataclasses import replace

from bot.language.deadlines.candidates import regex_candidates
from bot.language.deadlines.context import Context
from bot.language.deadlines.model import Candidate, DeadlineProblem, Issue
from bot.language.deadlines.vocabulary import ZONE_GAP
from bot.language.zones import (
    UNKNOWN_ZONE,
    ZoneMention,
    ambiguity,
    find_zones,
    tz_for_key,
)


def touches(window: str, cand: Candidate, mention: ZoneMention) -> bool:
    if cand.start <= mention.start < cand.end:
        return True
    return cand.end <= mention.start and bool(ZONE_GAP.match(window, cand.end, mention.start))


def zoned_candidates(
    window: str, ctx: Context, owner_key: str
) -> tuple[list[Candidate], list[ZoneMention]]:
    """All candidates; those next to a named zone are resolved in that zone.

    Returns the candidates and the zone mentions no candidate used.
    """
    mentions = find_zones(window, owner_key)
    if not mentions:
        return list(regex_candidates(window, ctx)), []
    chars = list(window)
    for mention in mentions:
        start, end = mention.start, mention.end
        if window[start - 1 : start] == "(" and window[end : end + 1] == ")":
            start, end = start - 1, end + 1  # "5pm (ET) Friday"
        chars[start:end] = " " * (end - start)
    masked = "".join(chars)
    base = list(regex_candidates(masked, ctx))
    zoned: list[Candidate] = []
    used: set[int] = set()
    by_zone: dict[str, list[Candidate]] = {}
    for index, mention in enumerate(mentions):
        end = mention.end
        if window[end : end + 1] == ")":
            end += 1
        if mention.zone is not None:
            key = mention.zone.key
            if key not in by_zone:
                tz = tz_for_key(key)
                zctx = replace(ctx, tz=tz, local=ctx.now.astimezone(tz))
                by_zone[key] = list(regex_candidates(masked, zctx))
            for cand in by_zone[key]:
                if touches(window, cand, mention):
                    zoned.append(replace(cand, end=max(cand.end, end), zone=mention.zone))
                    used.add(index)
        else:
            for cand in base:
                if touches(window, cand, mention) and not cand.span:
                    if mention.ambiguous == UNKNOWN_ZONE:
                        question = (
                            f"which time zone is “{mention.label}”? Write it, e.g. “9am ET”, "
                            "“9am Europe/London” or “9am UTC+1”"
                        )
                    else:
                        question = (
                            f"{mention.label} could mean {ambiguity(mention.ambiguous or '')} "
                            "time; write the zone another way, e.g. “3pm Asia/Kolkata” or "
                            "“3pm UTC+5:30”"
                        )
                    issue = Issue(DeadlineProblem.UNCLEAR, question)
                    zoned.append(Candidate(cand.start, max(cand.end, end), None, issue=issue))
                    used.add(index)
    touched = [m for i, m in enumerate(mentions) if i in used]
    kept = [c for c in base if not any(touches(window, c, m) for m in touched)]
    unused = [m for i, m in enumerate(mentions) if i not in used and m.strong]
    return kept + zoned, unused


# --------------------------------------------------------------------------------------------
# Choosing, tidying, public API
# --------------------------------------------------------------------------------------------
