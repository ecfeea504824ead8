"""What a promise can be, as plain values: its states, the outcome of a check-in, how it is
named and how long its words may be. No database, no Slack: the store, the services and the
Block Kit builders all read them from here."""

from __future__ import annotations

from enum import StrEnum

# the longest description a promise holds (the forms, the parser and the service agree)
MAX_DESCRIPTION = 3000


class Status(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class CheckInOutcome(StrEnum):
    """What became of one check-in of a cadence promise (kept in its history)."""

    ON_TIME = "on_time"  # an update was logged before the check-in was due
    LATE = "late"  # logged after it was due, before the next one
    MISSED = "missed"  # the next check-in came with nothing logged
    SKIPPED = "skipped"  # the owner said this one needs no update


def short_id(promise_id: int) -> str:
    """How people see a promise's id: `#42`."""
    return f"#{promise_id}"
