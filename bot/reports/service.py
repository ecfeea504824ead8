"""How well promises were kept, per owner and in total, over a window of time.

Plain functions of a database session and plain values. What each figure means, for a window
`[since, until)`:

- **made** — promises created in the window.
- **kept on time** — closed as kept in the window, at or before their deadline. The deadline is
  the *final* one: a promise extended (before it was due or after) and then kept by its new
  deadline counts as on time; the extension itself is in its history.
- **kept late** — closed as kept in the window, after their (final) deadline. The median and the
  worst lateness (closed_at - deadline) are over these promises.
- **broken**, **cancelled** — closed that way in the window.
- **open** — still open at the end of the window: created before `until` and not closed before
  it. **overdue** — of those, the ones whose (current) deadline was before `until`.
- **on-time rate** — kept on time / (kept on time + kept late + broken), i.e. the share of the
  promises closed as kept or broken in the window that were kept by their deadline. Cancelled
  promises are left out (they were no longer needed); None when nothing was kept or broken.

- **check-ins on time / late / missed** — the check-ins of cadence promises settled in the
  window (bot.promises.cadence: an update logged by the check-in, after it, or none before the
  next one); skipped check-ins are not counted. A cadence promise also counts once as a
  promise (made, kept when its series completed or was ended).

Every figure counts a promise for its *current* owner: a promise handed off counts for the
person it was handed to, all of it, including when it was made.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.store.models import CheckInOutcome, Person, Promise, PromiseEvent, Status

CHECK_IN_EVENT = "check_in"  # the history event of a settled check-in (bot.promises.cadence)


@dataclass
class Figures:
    made: int = 0
    kept_on_time: int = 0
    kept_late: int = 0
    broken: int = 0
    cancelled: int = 0
    open: int = 0
    overdue: int = 0
    lateness: list[timedelta] = field(default_factory=list)
    check_ins_on_time: int = 0
    check_ins_late: int = 0
    check_ins_missed: int = 0

    @property
    def check_ins(self) -> int:
        return self.check_ins_on_time + self.check_ins_late + self.check_ins_missed

    @property
    def median_late(self) -> timedelta | None:
        if not self.lateness:
            return None
        return timedelta(seconds=statistics.median(s.total_seconds() for s in self.lateness))

    @property
    def worst_late(self) -> timedelta | None:
        return max(self.lateness) if self.lateness else None

    @property
    def closed(self) -> int:
        """Kept (on time or late) plus broken: what the on-time rate is a share of."""
        return self.kept_on_time + self.kept_late + self.broken

    @property
    def on_time_rate(self) -> float | None:
        """kept on time / (kept on time + kept late + broken); None when that is 0/0."""
        return self.kept_on_time / self.closed if self.closed else None

    @property
    def empty(self) -> bool:
        return not (self.made or self.closed or self.cancelled or self.open or self.check_ins)

    def add(self, other: Figures) -> None:
        self.made += other.made
        self.kept_on_time += other.kept_on_time
        self.kept_late += other.kept_late
        self.broken += other.broken
        self.cancelled += other.cancelled
        self.open += other.open
        self.overdue += other.overdue
        self.lateness.extend(other.lateness)
        self.check_ins_on_time += other.check_ins_on_time
        self.check_ins_late += other.check_ins_late
        self.check_ins_missed += other.check_ins_missed


@dataclass
class OwnerLine:
    user_id: str
    name: str | None
    figures: Figures


@dataclass
class Report:
    team_id: str
    since: datetime
    until: datetime
    lines: list[OwnerLine]
    total: Figures


def count(promise: Promise, figures: Figures, since: datetime, until: datetime) -> None:
    """Add one promise to `figures` for the window [since, until)."""
    if since <= promise.created_at < until:
        figures.made += 1
    closed_at = promise.closed_at
    if closed_at is not None and since <= closed_at < until:
        if promise.status == Status.KEPT:
            if closed_at <= promise.deadline:
                figures.kept_on_time += 1
            else:
                figures.kept_late += 1
                figures.lateness.append(closed_at - promise.deadline)
        elif promise.status == Status.BROKEN:
            figures.broken += 1
        elif promise.status == Status.CANCELLED:
            figures.cancelled += 1
    open_at_end = promise.created_at < until and (closed_at is None or closed_at >= until)
    if open_at_end:
        figures.open += 1
        if promise.deadline < until:
            figures.overdue += 1


_CHECK_IN_FIELDS = {
    CheckInOutcome.ON_TIME: "check_ins_on_time",
    CheckInOutcome.LATE: "check_ins_late",
    CheckInOutcome.MISSED: "check_ins_missed",
}


def _count_check_ins(
    session: Session,
    team_id: str,
    since: datetime,
    until: datetime,
    wanted: list[str] | None,
    per_owner: dict[str, Figures],
) -> None:
    """Add the check-ins settled in [since, until) to their promise's current owner."""
    query = (
        select(Promise.owner_id, PromiseEvent.detail)
        .join(Promise, Promise.id == PromiseEvent.promise_id)
        .where(
            PromiseEvent.team_id == team_id,
            PromiseEvent.kind == CHECK_IN_EVENT,
            PromiseEvent.at >= since,
            PromiseEvent.at < until,
        )
    )
    if wanted is not None:
        query = query.where(Promise.owner_id.in_(wanted))
    for owner_id, detail in session.execute(query):
        try:
            outcome = CheckInOutcome(str((detail or {}).get("outcome")))
        except ValueError:
            continue
        name = _CHECK_IN_FIELDS.get(outcome)
        if name is not None:
            figures = per_owner.setdefault(owner_id, Figures())
            setattr(figures, name, getattr(figures, name) + 1)


def build_report(
    session: Session,
    team_id: str,
    *,
    since: datetime,
    until: datetime,
    owners: Iterable[str] | None = None,
) -> Report:
    """Figures per owner and in total. `owners` None: everyone with something in the window
    (sorted by name); a list: exactly those people, in that order, even with nothing to show."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("report windows must be timezone-aware")
    wanted = list(dict.fromkeys(owners)) if owners is not None else None
    query = select(Promise).where(
        Promise.team_id == team_id,
        Promise.created_at < until,
        or_(
            Promise.created_at >= since,
            Promise.closed_at.is_(None),
            Promise.closed_at >= since,
        ),
    )
    if wanted is not None:
        if not wanted:
            return Report(team_id, since, until, [], Figures())
        query = query.where(Promise.owner_id.in_(wanted))
    per_owner: dict[str, Figures] = {}
    for promise in session.scalars(query):
        count(promise, per_owner.setdefault(promise.owner_id, Figures()), since, until)
    _count_check_ins(session, team_id, since, until, wanted, per_owner)
    ids = wanted if wanted is not None else [u for u, f in per_owner.items() if not f.empty]
    names = (
        dict(
            session.execute(
                select(Person.user_id, Person.name).where(
                    Person.team_id == team_id, Person.user_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    if wanted is None:
        ids = sorted(ids, key=lambda u: ((names.get(u) or u).lower(), u))
    lines = [OwnerLine(u, names.get(u), per_owner.get(u) or Figures()) for u in ids]
    total = Figures()
    for line in lines:
        total.add(line.figures)
    return Report(team_id, since, until, lines, total)


# ---------------------------------------------------------------------------- text and CSV

COLUMNS = (
    "owner",
    "made",
    "kept on time",
    "kept late",
    "median late",
    "worst late",
    "broken",
    "cancelled",
    "open",
    "overdue",
    "on time",
)


def span_text(span: timedelta | None) -> str:
    """`-`, `45m`, `3h05m`, `2d04h`: compact, for tables."""
    if span is None:
        return "-"
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{mins:02d}m"
    return f"{mins}m" if minutes else f"{int(span.total_seconds())}s"


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{round(rate * 100)}%"


def _row(label: str, f: Figures) -> list[str]:
    return [
        label,
        str(f.made),
        str(f.kept_on_time),
        str(f.kept_late),
        span_text(f.median_late),
        span_text(f.worst_late),
        str(f.broken),
        str(f.cancelled),
        str(f.open),
        str(f.overdue),
        rate_text(f.on_time_rate),
    ]


def text_table(report: Report) -> str:
    """The report as an aligned plain-text table, with a TOTAL row."""
    rows = [list(COLUMNS)]
    for line in report.lines:
        label = f"{line.user_id} ({line.name})" if line.name else line.user_id
        rows.append(_row(label, line.figures))
    rows.append(_row("TOTAL", report.total))
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    out = [
        f"Kept report for {report.team_id}: {report.since:%Y-%m-%d %H:%M} to "
        f"{report.until:%Y-%m-%d %H:%M} UTC"
    ]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


CSV_HEADER = (
    "owner_id",
    "name",
    "made",
    "kept_on_time",
    "kept_late",
    "median_late_seconds",
    "worst_late_seconds",
    "broken",
    "cancelled",
    "open",
    "overdue",
    "on_time_rate",
)


def csv_rows(report: Report) -> list[list[str]]:
    """Header, one row per owner, and a `TOTAL` row; durations in seconds, rate 0..1."""

    def seconds(span: timedelta | None) -> str:
        return "" if span is None else str(int(span.total_seconds()))

    def row(owner: str, name: str, f: Figures) -> list[str]:
        rate = f.on_time_rate
        return [
            owner,
            name,
            str(f.made),
            str(f.kept_on_time),
            str(f.kept_late),
            seconds(f.median_late),
            seconds(f.worst_late),
            str(f.broken),
            str(f.cancelled),
            str(f.open),
            str(f.overdue),
            "" if rate is None else f"{rate:.4f}",
        ]

    rows = [list(CSV_HEADER)]
    rows += [row(line.user_id, line.name or "", line.figures) for line in report.lines]
    rows.append(row("TOTAL", "", report.total))
    return rows
