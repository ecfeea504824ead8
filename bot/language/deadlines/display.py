"""How a deadline is shown to people ("Fri 27 Nov, 17:00 PST")."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.language.deadlines.choose import aware_utc
from bot.language.workdays import (
    zone,
)
from bot.language.zones import (
    NamedZone,
    tz_for_key,
)

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def display_zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, str) and tz.startswith("UTC") and len(tz) > 3:
        try:
            return tz_for_key(tz)
        except (ValueError, KeyError):
            return zone("UTC")
    if isinstance(tz, tzinfo) and not isinstance(tz, ZoneInfo):
        return tz
    return zone(tz if isinstance(tz, str | ZoneInfo) else None)


def in_zone(deadline: datetime, tz: str | tzinfo) -> datetime:
    """``deadline`` in ``tz``; at the very ends of the calendar, where that would overflow,
    in UTC (a deadline near year 9999 still renders)."""
    moment = aware_utc(deadline)
    try:
        return moment.astimezone(display_zone(tz))
    except (OverflowError, ValueError):
        return moment


def format_deadline(deadline: datetime, tz: str | tzinfo, *, now: datetime) -> str:
    """Human form in the viewer's zone, e.g. "Fri 27 Nov, 17:00 PST" (locale-independent);
    the year is added when it is not the year of `now` — the moment the text is shown, from
    the caller's clock, never the wall clock ("Mon 3 Jan 2028, 17:00 PST")."""
    local = in_zone(deadline, tz)
    current = in_zone(now, tz).year
    year = f" {local.year}" if local.year != current else ""
    abbr = local.tzname() or ""
    if abbr.startswith(("+", "-")):
        abbr = f"UTC{abbr}"
    text = (
        f"{WEEKDAY_ABBR[local.weekday()]} {local.day} {MONTH_ABBR[local.month - 1]}{year}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )
    return f"{text} {abbr}" if abbr else text


def format_as_written(
    deadline: datetime, named: NamedZone, owner_tz: str | tzinfo, *, now: datetime
) -> str:
    """The deadline in the zone the owner named, labelled as they wrote it: "14:00 ET", with
    the day when it differs from the owner's ("Thu 26 Nov, 01:00 JST")."""
    there = in_zone(deadline, named.key)
    here = in_zone(deadline, owner_tz)
    clock = f"{there.hour:02d}:{there.minute:02d} {named.label}"
    if there.date() == here.date():
        return clock
    shown = format_deadline(deadline, named.key, now=now)
    return shown.rsplit(",", 1)[0] + ", " + clock
