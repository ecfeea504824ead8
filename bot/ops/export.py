"""`kept export`: promises with their full history, as JSON lines or CSV (SPEC §6).

JSON lines: one promise per line, its history (`history`: every change, who, what, when)
inside it. CSV: one row per history entry, the promise's columns repeated on each (a promise
with no history yet has one row with empty history columns).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.csv_cells import SafeWriter
from bot.store.models import Promise, PromiseEvent

PROMISE_FIELDS = (
    "id",
    "team_id",
    "owner_id",
    "created_by",
    "description",
    "counterpart",
    "counterpart_kind",
    "deadline",
    "status",
    "closure_note",
    "closed_at",
    "closed_by",
    "source_channel_id",
    "permalink",
    "created_at",
    "updated_at",
    # a cadence promise: its rhythm and end (SPEC §2.4); empty for a single deadline
    "rhythm_kind",
    "rhythm_every",
    "series_ends_at",
    "series_end_event",
)
EVENT_FIELDS = ("event_at", "event_kind", "event_actor_id", "event_detail")
BATCH = 500


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def promise_record(promise: Promise) -> dict[str, Any]:
    record = {name: _plain(getattr(promise, name)) for name in PROMISE_FIELDS}
    record["history"] = [event_record(e) for e in promise.events]
    return record


def event_record(event: PromiseEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "kind": event.kind,
        "actor_id": event.actor_id,
        "detail": event.detail or {},
    }


def promises(
    session: Session,
    *,
    team_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[Promise]:
    """Promises created in [since, until), of one team or all, oldest first, in batches."""
    last = 0
    while True:
        query = (
            select(Promise)
            .options(selectinload(Promise.events))
            .where(Promise.id > last)
            .order_by(Promise.id)
            .limit(BATCH)
        )
        if team_id:
            query = query.where(Promise.team_id == team_id)
        if since:
            query = query.where(Promise.created_at >= since)
        if until:
            query = query.where(Promise.created_at < until)
        batch = list(session.scalars(query))
        if not batch:
            return
        yield from batch
        last = batch[-1].id
        session.expunge_all()


def write_export(rows: Iterator[Promise], out: TextIO, fmt: ExportFormat) -> int:
    count = 0
    if fmt is ExportFormat.JSONL:
        for promise in rows:
            out.write(json.dumps(promise_record(promise), ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = SafeWriter(out)
    writer.writerow([*PROMISE_FIELDS, *EVENT_FIELDS])
    for promise in rows:
        base = [_plain(getattr(promise, name)) for name in PROMISE_FIELDS]
        base = ["" if v is None else v for v in base]
        events = promise.events or [None]
        for event in events:
            if event is None:
                writer.writerow([*base, "", "", "", ""])
            else:
                writer.writerow(
                    [
                        *base,
                        event.at.isoformat(),
                        event.kind,
                        event.actor_id,
                        json.dumps(event.detail or {}, ensure_ascii=False, sort_keys=True),
                    ]
                )
        count += 1
    return count
