"""A promise as the Block Kit builders see it: a small frozen value read from the row while its
session still holds it, so that a message is built from plain data (no ORM row, no lazy load
after the session closed, no service)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.language.cadence import RhythmKind
from bot.promises.states import Status, short_id

if TYPE_CHECKING:
    from bot.store.models import Promise


@dataclass(frozen=True, slots=True)
class PromiseView:
    """What the messages read of one promise: its words, owner, deadline, state, how it was
    closed and, for a cadence promise, its rhythm and end."""

    id: int
    owner_id: str
    description: str
    deadline: datetime
    status: Status = Status.OPEN
    counterpart: str | None = None
    counterpart_kind: str | None = None
    # the number of the current deadline (a cadence promise: of its current check-in)
    deadline_version: int = 1
    closure_note: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    rhythm_kind: RhythmKind | None = None
    rhythm_every: int | None = None
    series_ends_at: datetime | None = None
    series_end_event: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def is_cadence(self) -> bool:
        return self.rhythm_kind is not None

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @classmethod
    def of(cls, promise: Promise) -> PromiseView:
        """The view of a loaded row (its columns only: no relation is read)."""
        return cls(
            id=promise.id,
            owner_id=promise.owner_id,
            description=promise.description,
            deadline=promise.deadline,
            status=promise.status,
            counterpart=promise.counterpart,
            counterpart_kind=promise.counterpart_kind,
            deadline_version=promise.deadline_version,
            closure_note=promise.closure_note,
            closed_at=promise.closed_at,
            closed_by=promise.closed_by,
            rhythm_kind=promise.rhythm_kind,
            rhythm_every=promise.rhythm_every,
            series_ends_at=promise.series_ends_at,
            series_end_event=promise.series_end_event,
        )


def view_of(promise: Promise) -> PromiseView:
    """The view of one loaded promise row."""
    return PromiseView.of(promise)


def views_of(promises: Iterable[Promise]) -> list[PromiseView]:
    """The views of loaded promise rows, in order."""
    return [PromiseView.of(p) for p in promises]
