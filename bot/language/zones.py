"""Time zones named in a deadline: abbreviations, UTC/GMT offsets, IANA names, "<city> time".

Pure and fast: the lookup tables are built once, on first use (``warm_up`` builds them early).
An abbreviation that means different places (IST: India, Ireland, Israel; CST: US Central or
China) is only read when the owner's own zone settles it; otherwise the caller must ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

__all__ = [
    "NamedZone",
    "ZONE_RE",
    "ZoneMention",
    "ambiguity",
    "find_zones",
    "tz_for_key",
]


@dataclass(frozen=True)
class NamedZone:
    """A zone a deadline was written in: ``key`` (IANA name or "UTC+05:30"), ``label`` as
    written ("ET", "Europe/Paris", "UTC+1")."""

    key: str
    label: str

    @property
    def tz(self) -> tzinfo:
        return tz_for_key(self.key)


# Abbreviations that mean one place's wall clock.  Writers use the standard/daylight forms
# loosely ("2pm PST" in July means Pacific time), so each maps to the region's zone and the
# confirmation shows the abbreviation actually in force.
_FIXED_ABBREVIATIONS: dict[str, str] = {
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PACIFIC": "America/Los_Angeles",
    "MT": "America/Denver",
    "MDT": "America/Denver",
    "MOUNTAIN": "America/Denver",
    "CT": "America/Chicago",
    "CDT": "America/Chicago",
    "CENTRAL": "America/Chicago",
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "EASTERN": "America/New_York",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "UTC": "UTC",
    "GMT": "UTC",
    "BST": "Europe/London",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "SAST": "Africa/Johannesburg",
    "GST": "Asia/Dubai",
    "PKT": "Asia/Karachi",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "AET": "Australia/Sydney",
    "ACST": "Australia/Adelaide",
    "ACDT": "Australia/Adelaide",
    "AWST": "Australia/Perth",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
    "NZT": "Pacific/Auckland",
}

# Abbreviations that name several places: (zone, owner zones that settle it, what it means).
_AMBIGUOUS: dict[str, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    "IST": (
        ("Asia/Kolkata", ("Asia/Kolkata", "Asia/Calcutta"), "India"),
        ("Europe/Dublin", ("Europe/Dublin",), "Irish"),
        ("Asia/Jerusalem", ("Asia/Jerusalem", "Asia/Tel_Aviv", "Israel"), "Israel"),
    ),
    "CST": (
        ("America/Chicago", ("America/", "US/", "Canada/"), "US Central"),
        (
            "Asia/Shanghai",
            ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Taipei", "PRC", "ROC"),
            "China",
        ),
    ),
    "MST": (
        ("America/Phoenix", ("America/Phoenix", "US/Arizona"), "Arizona"),
        ("America/Denver", ("America/", "US/", "Canada/"), "US Mountain"),
    ),
    "AST": (
        ("America/Halifax", ("America/", "Canada/", "Atlantic/Bermuda"), "Atlantic"),
        ("Asia/Riyadh", ("Asia/",), "Arabia"),
    ),
}

# the "abbreviation" of a zone named only by whose it is ("their time", "local time")
UNKNOWN_ZONE = "?"

_SHORT_WORDS = "|".join(sorted(list(_FIXED_ABBREVIATIONS) + list(_AMBIGUOUS), key=len)[::-1])

# One zone mention.  Groups: abbr, off (sign, hours, minutes), iana, city.
ZONE_RE = (
    r"(?<![\w/+\-])(?:"
    r"(?P<zoff>(?:UTC|GMT)\s?(?P<zsign>[+\-\u2212])\s?(?P<zh>\d{1,2})(?::?(?P<zm>[0-5]\d))?)"
    r"(?![\w:])"
    r"|(?P<ziana>(?:[A-Za-z]+/){1,2}[A-Za-z_+\-]+[A-Za-z])(?![\w/])"
    r"|(?P<zabbr>" + _SHORT_WORDS + r")(?:\s+time)?(?!\w)"
    r"|(?P<zthey>(?:their|his|her|your|local|the\s+(?:customer|candidate|client)['’]s)\s+time)"
    r"(?!\w)"
    r"|(?P<zcity>[A-Za-z]+(?:[ _][A-Za-z]+)?)\s+time(?!\w))"
)
_ZONE_MATCH = re.compile(ZONE_RE, re.IGNORECASE)


def tz_for_key(key: str) -> tzinfo:
    """The tzinfo for a key made by resolve_zone (IANA name or UTC±hh:mm)."""
    return _tz_for_key(key)


@lru_cache(maxsize=512)
def _tz_for_key(key: str) -> tzinfo:
    m = re.fullmatch(r"UTC([+-])(\d{2}):(\d{2})", key)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    return ZoneInfo(key)


@lru_cache(maxsize=1)
def _iana_names() -> dict[str, str]:
    """lower-case IANA name -> IANA name, and lower-case city ("new york") -> IANA name."""
    names: dict[str, str] = {}
    cities: dict[str, str] = {}
    for name in available_timezones():
        names[name.lower()] = name
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            city = name.rsplit("/", 1)[1].replace("_", " ").lower()
            cities.setdefault(city, name)
    for city, name in cities.items():
        names.setdefault("city:" + city, name)
    return names


def warm_up() -> None:
    _iana_names()


def _settled_by(owner_key: str, prefixes: tuple[str, ...]) -> bool:
    return any(owner_key == p or (p.endswith("/") and owner_key.startswith(p)) for p in prefixes)


def ambiguity(abbr: str) -> str:
    """What an ambiguous abbreviation could mean: "India, Irish or Israel" (for a question)."""
    options = [meaning for _, _, meaning in _AMBIGUOUS.get(abbr.upper(), ())]
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


@dataclass(frozen=True)
class ZoneMention:
    """A zone-looking fragment of a text.

    ``zone`` is what it names (None when unknown or ambiguous); ``ambiguous`` is the
    abbreviation when the owner's zone does not settle it (the caller must ask); ``strong``
    is False for lower-case abbreviations and words like "eastern", which only count next to
    a time.
    """

    start: int
    end: int
    label: str
    zone: NamedZone | None
    ambiguous: str | None
    strong: bool


def find_zones(text: str, owner_key: str) -> list[ZoneMention]:
    found: list[ZoneMention] = []
    for match in _ZONE_MATCH.finditer(text):
        mention = _mention(match, owner_key)
        if mention is not None:
            found.append(mention)
    return found


def _mention(match: re.Match[str], owner_key: str) -> ZoneMention | None:
    start, end = match.start(), match.end()
    label = " ".join(match.group(0).split())
    if match.group("zoff"):
        hours = int(match.group("zh"))
        minutes = int(match.group("zm") or 0)
        if hours > 14 or (hours == 14 and minutes):
            return ZoneMention(start, end, label, None, None, True)
        sign = "-" if match.group("zsign") in ("-", "\u2212") else "+"
        key = "UTC" if hours == 0 and minutes == 0 else f"UTC{sign}{hours:02d}:{minutes:02d}"
        return ZoneMention(start, end, label, NamedZone(key, label), None, True)
    if match.group("zthey"):  # "9am their time": whose?
        return ZoneMention(start, end, label, None, UNKNOWN_ZONE, True)
    if match.group("ziana"):
        name = _iana_names().get(match.group("ziana").lower())
        if name is None:
            return None
        return ZoneMention(start, end, label, NamedZone(name, label), None, True)
    if match.group("zabbr"):
        word = match.group("zabbr")
        abbr = word.upper()
        strong = word.isupper() and len(word) <= 5
        fixed = _FIXED_ABBREVIATIONS.get(abbr)
        if fixed is not None:
            return ZoneMention(start, end, label, NamedZone(fixed, label), None, strong)
        for key, settles, _ in _AMBIGUOUS.get(abbr, ()):
            if _settled_by(owner_key, settles):
                return ZoneMention(start, end, label, NamedZone(key, label), None, strong)
        return ZoneMention(start, end, label, None, abbr, strong)
    words = match.group("zcity").replace("_", " ").split()
    for take in (2, 1):
        if len(words) < take:
            continue
        city = " ".join(words[-take:]).lower()
        name = _iana_names().get("city:" + city)
        if name is not None:
            # start at the city's first word, not at a word before it ("by Paris time")
            first = match.group("zcity").lower().rfind(words[-take].lower())
            if take == 2:
                first = match.group("zcity").lower().find(words[-2].lower())
            city_start = match.start("zcity") + max(first, 0)
            city_label = " ".join(match.string[city_start:end].split())
            return ZoneMention(city_start, end, city_label, NamedZone(name, city_label), None, True)
    return None
