"""Working-day arithmetic in an owner's time zone.

All returned datetimes are timezone-aware and expressed in UTC.  Local wall-clock times are
built with ``replace(tzinfo=zone)`` on a naive local datetime and then converted to UTC, so
daylight-saving changes are handled by :mod:`zoneinfo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.language.holidays import Holidays

__all__ = [
    "DEFAULT_WORKING_DAY",
    "WorkingDay",
    "end_of_working_day",
    "first_working_day_of_week",
    "is_working_day",
    "is_working_time",
    "last_working_day_of_month",
    "last_working_day_of_week",
    "local_moment",
    "next_working_day",
    "next_working_start",
    "previous_working_day",
    "start_of_working_day",
    "zone",
]

_UTC_ZONE = ZoneInfo("UTC")
_FALLBACK_WEEKDAYS: frozenset[int] = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True)
class WorkingDay:
    """An owner's working hours: ``start``–``end`` local time on ``weekdays`` (Monday=0),
    except on the public ``holidays`` of the workspace's countries."""

    start: time = time(9, 0)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: Holidays = Holidays()
    fiscal_year_start: int | None = None  # the month the fiscal year starts; None: calendar


DEFAULT_WORKING_DAY = WorkingDay()


def zone(tz: str | ZoneInfo | None) -> ZoneInfo:
    """Return the ZoneInfo for ``tz``; unknown, invalid or empty names fall back to UTC."""
    if isinstance(tz, ZoneInfo):
        return tz
    if not tz or not isinstance(tz, str):
        return _UTC_ZONE
    try:
        return ZoneInfo(tz.strip())
    except Exception:  # ZoneInfoNotFoundError, ValueError (bad key), OSError, ...
        return _UTC_ZONE


def _weekdays(wd: WorkingDay) -> frozenset[int]:
    days = frozenset(d for d in wd.weekdays if 0 <= d <= 6)
    return days or _FALLBACK_WEEKDAYS


def _aware(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC (defensive: callers should always pass aware values)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    naive = datetime(day.year, day.month, day.day, at.hour, at.minute, at.second, at.microsecond)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def local_moment(day: date, at: time, tz: str | ZoneInfo) -> datetime:
    """The aware UTC instant of local wall time ``at`` on local date ``day`` in ``tz``."""
    return _local_to_utc(day, at, zone(tz))


def is_working_day(day: date, wd: WorkingDay = DEFAULT_WORKING_DAY) -> bool:
    return day.weekday() in _weekdays(wd) and day not in wd.holidays


def is_working_time(
    moment: datetime, tz: str | ZoneInfo, wd: WorkingDay = DEFAULT_WORKING_DAY
) -> bool:
    """True when ``moment`` falls on a working weekday between ``wd.start`` (inclusive) and
    ``wd.end`` (exclusive), local time in ``tz``."""
    local = _aware(moment).astimezone(zone(tz))
    if not is_working_day(local.date(), wd):
        return False
    wall = local.time().replace(tzinfo=None)
    return wd.start <= wall < wd.end


def start_of_working_day(
    day: date, tz: str | ZoneInfo, wd: WorkingDay = DEFAULT_WORKING_DAY
) -> datetime:
    """Aware UTC instant of ``wd.start`` on local date ``day``."""
    return _local_to_utc(day, wd.start, zone(tz))


def end_of_working_day(
    day: date, tz: str | ZoneInfo, wd: WorkingDay = DEFAULT_WORKING_DAY
) -> datetime:
    """Aware UTC instant of ``wd.end`` on local date ``day``."""
    return _local_to_utc(day, wd.end, zone(tz))


def previous_working_day(day: date, wd: WorkingDay = DEFAULT_WORKING_DAY) -> date:
    """The last working day strictly before ``day``."""
    for back in range(1, 41):
        candidate = day - timedelta(days=back)
        if is_working_day(candidate, wd):
            return candidate
    return day - timedelta(days=1)


def next_working_day(day: date, wd: WorkingDay = DEFAULT_WORKING_DAY) -> date:
    """The first working date strictly after ``day`` (a month of holidays at most is skipped)."""
    days = _weekdays(wd)
    candidate = day + timedelta(days=1)
    for _ in range(40):
        if candidate.weekday() in days and candidate not in wd.holidays:
            return candidate
        candidate += timedelta(days=1)
    return candidate


def next_working_start(
    moment: datetime, tz: str | ZoneInfo, wd: WorkingDay = DEFAULT_WORKING_DAY
) -> datetime:
    """``moment`` itself (as UTC) if it is inside working hours, else the next start of a
    working day (aware, UTC)."""
    moment = _aware(moment)
    z = zone(tz)
    if is_working_time(moment, z, wd):
        return moment.astimezone(UTC)
    day = moment.astimezone(z).date()
    for _ in range(40):
        if is_working_day(day, wd):
            start = _local_to_utc(day, wd.start, z)
            if start > moment:
                return start
        day += timedelta(days=1)
    return _local_to_utc(day, wd.start, z)  # unreachable in practice


def last_working_day_of_week(day: date, wd: WorkingDay = DEFAULT_WORKING_DAY) -> date:
    """The last working date of the Monday–Sunday week containing ``day`` (before a holiday
    when the week ends with one; the last working weekday if the whole week is off)."""
    monday = day - timedelta(days=day.weekday())
    days = sorted(_weekdays(wd), reverse=True)
    for offset in days:
        candidate = monday + timedelta(days=offset)
        if candidate not in wd.holidays:
            return candidate
    return monday + timedelta(days=days[0])


def first_working_day_of_week(day: date, wd: WorkingDay = DEFAULT_WORKING_DAY) -> date:
    """The first working date of the Monday–Sunday week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    days = sorted(_weekdays(wd))
    for offset in days:
        candidate = monday + timedelta(days=offset)
        if candidate not in wd.holidays:
            return candidate
    return monday + timedelta(days=days[0])


def last_working_day_of_month(year: int, month: int, wd: WorkingDay = DEFAULT_WORKING_DAY) -> date:
    """The last working date of the given calendar month."""
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    candidate = first_next - timedelta(days=1)
    for _ in range(40):
        if is_working_day(candidate, wd):
            return candidate
        candidate -= timedelta(days=1)
    return candidate
