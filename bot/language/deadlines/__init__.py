"""Finding and resolving the deadline inside a promise's text (SPEC §2.3).

``parse_deadline`` looks for a deadline phrase in free text, resolves it in the owner's time
zone (or the zone the phrase names) against an injected ``now``, and splits the text into the
deadline and the rest (the description).  Everything is regular expressions over a window at
the end of the text: no I/O, no guessing library.

Never silently wrong: an impossible date ("April 31"), a past reference ("last Monday"), a
numeric date the owner's locale does not settle ("4/11"), an ambiguous zone ("IST" for someone
in Berlin) or a deadline more than five years away comes back as a problem with a ``detail``
to show; date-, time- or zone-looking fragments that were not used are listed in ``ignored``.

The function never raises: any failure degrades to "no deadline found".

The package, in reading order: ``model`` (results and problems), ``vocabulary`` (the words and
patterns), ``spelling`` (texting forms, abbreviations, near misses, read as those words, mapped
back to the owner's), ``clock`` (times of day), ``context`` (the owner's now, zone and working
day), ``resolvers`` (a day phrase -> a moment), ``periods`` (spans, weeks, months, quarters),
``named_days`` (holidays), ``rows`` (the table of patterns and what each one makes),
``candidates`` (running the table, merging "Friday 12/4" and "Mon or Tue"), ``offsets`` ("2 days
after Friday"), ``zoned`` (phrases naming a zone), ``choose`` (picking one candidate, tidying the
rest), ``leftovers`` (nothing beside the deadline dropped silently), ``parse`` (the entry point)
and ``display`` (how a deadline is shown).
"""

from bot.language.deadlines.display import format_as_written, format_deadline
from bot.language.deadlines.locales import date_order
from bot.language.deadlines.model import (
    FAR_AHEAD,
    MAX_AHEAD,
    DateOrder,
    DeadlineProblem,
    ParsedDeadline,
)
from bot.language.deadlines.parse import parse_deadline, warm_up
from bot.language.deadlines.vocabulary import HOUR_WORDS, WEEKDAY_RE

__all__ = [
    "FAR_AHEAD",
    "HOUR_WORDS",
    "MAX_AHEAD",
    "WEEKDAY_RE",
    "DateOrder",
    "DeadlineProblem",
    "ParsedDeadline",
    "date_order",
    "format_as_written",
    "format_deadline",
    "parse_deadline",
    "warm_up",
]
