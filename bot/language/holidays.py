"""Public holidays of the workspace's countries (``KEPT_HOLIDAYS``), from the `holidays` package.

``Holidays`` is a small, hashable value (the country codes); the calendars behind it are built
per (code, year) on first use and cached, so checking a date is a set lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import ModuleType

__all__ = ["Holidays", "HolidaysError", "parse_holiday_codes"]


class HolidaysError(ValueError):
    """An unknown country or subdivision code."""


def _package() -> ModuleType:
    """The `holidays` package, imported on first use. Importing it takes 16-25 ms (measured
    with `python -X importtime -c "import bot.app; import holidays"`: 3-5 % of importing
    bot.app), paid by every `kept` process; only a workspace that names its countries
    (KEPT_HOLIDAYS) ever needs it. The one lazy import of it (tests/test_seams.py lists it)."""
    import holidays

    return holidays


@lru_cache(maxsize=1)
def _supported() -> dict[str, list[str]]:
    holidays = _package()
    return {code: list(subdivs) for code, subdivs in holidays.list_supported_countries().items()}


def parse_holiday_codes(value: str) -> tuple[str, ...]:
    """`US`, `GB-ENG, DE-BY` -> ('US', 'GB-ENG', 'DE-BY'); HolidaysError for unknown codes."""
    codes: list[str] = []
    for raw in value.replace(";", ",").replace(" ", ",").split(","):
        code = raw.strip().upper()
        if not code or code in ("NONE", "OFF"):
            continue
        country, _, subdiv = code.partition("-")
        supported = _supported()
        if country not in supported:
            raise HolidaysError(f"{raw.strip()!r} is not a country code the holidays package knows")
        if subdiv and subdiv not in {s.upper() for s in supported[country]}:
            raise HolidaysError(f"{raw.strip()!r}: {country} has no subdivision {subdiv!r}")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


@lru_cache(maxsize=256)
def _dates(code: str, year: int) -> frozenset[date]:
    holidays = _package()
    country, _, subdiv = code.partition("-")
    if not 1 <= year <= 9999:
        return frozenset()
    try:
        calendar = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except (NotImplementedError, KeyError, ValueError):
        return frozenset()
    return frozenset(calendar.keys())


@lru_cache(maxsize=256)
def _names(code: str, year: int) -> tuple[tuple[date, str], ...]:
    """(date, English name) of each public holiday of ``code`` in ``year``, by date; days that
    only observe another ("(observed)") are left out: their name is the other day's."""
    holidays = _package()
    country, _, subdiv = code.partition("-")
    if not 1 <= year <= 9999:
        return ()
    try:
        try:
            calendar = holidays.country_holidays(
                country, subdiv=subdiv or None, years=year, language="en_US"
            )
        except (NotImplementedError, ValueError, KeyError):
            calendar = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except (NotImplementedError, KeyError, ValueError):
        return ()
    named: list[tuple[date, str]] = []
    for day, names in sorted(calendar.items()):
        for name in str(names).split("; "):
            if "observed" not in name.lower():
                named.append((day, name))
    return tuple(named)


@dataclass(frozen=True)
class Holidays:
    codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, codes: Iterable[str]) -> Holidays:
        return cls(tuple(codes))

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date) or not self.codes:
            return False
        return any(day in _dates(code, day.year) for code in self.codes)

    def named(self, year: int) -> tuple[tuple[date, str], ...]:
        """Every holiday of the workspace's countries in ``year``: (date, English name)."""
        found: list[tuple[date, str]] = []
        for code in self.codes:
            found.extend(_names(code, year))
        return tuple(sorted(set(found)))

    def __bool__(self) -> bool:
        return bool(self.codes)
