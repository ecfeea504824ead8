"""Dates are shown against the clock of the moment that shows them, never the wall clock: a
date in the current year is shown without its year, and "current" is the runtime's clock, so
a test whose clock stands in November 2026 reads the same on any real date."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from bot.language.cadence import RhythmKind
from bot.language.deadlines import format_deadline
from bot.promises.states import Status
from bot.promises.views import PromiseView
from bot.slack.messages import promise_closed, rhythm_line

ROOT = Path(__file__).resolve().parent.parent
FORMATTERS = {"format_deadline", "format_as_written"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def calls_without_now(source: str, filename: str) -> list[str]:
    """`file:line` of each call to a date formatter that does not pass a `now=` (or passes
    `now=None`, which means the wall clock)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or _name(node.func) not in FORMATTERS:
            continue
        now = next((k.value for k in node.keywords if k.arg == "now"), None)
        if now is None or (isinstance(now, ast.Constant) and now.value is None):
            found.append(f"{filename}:{node.lineno}")
    return found


def test_the_guard_sees_a_call_without_now() -> None:
    source = (
        "format_deadline(a, tz)\n"
        "deadlines.format_as_written(a, z, tz, now=None)\n"
        "format_deadline(a, tz, now=now)\n"
        "format_as_written(a, z, tz, now=clock())\n"
    )
    assert calls_without_now(source, "x.py") == ["x.py:1", "x.py:2"]


def test_every_date_shown_by_the_bot_passes_the_moment_it_is_shown_at() -> None:
    files = sorted(
        path for top in ("bot", "handlers", "scheduler") for path in (ROOT / top).rglob("*.py")
    )
    assert len(files) > 50  # the walk found the code
    missing = [
        hit
        for path in files
        for hit in calls_without_now(path.read_text("utf-8"), str(path.relative_to(ROOT)))
    ]
    assert missing == [], "format_deadline/format_as_written without now=: " + ", ".join(missing)


def test_the_year_follows_the_callers_clock_not_the_wall_clock() -> None:
    deadline = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert format_deadline(deadline, "UTC", now=datetime(2026, 11, 30, tzinfo=UTC)) == (
        "Fri 4 Dec, 17:00 UTC"
    )
    assert format_deadline(deadline, "UTC", now=datetime(2027, 1, 2, tzinfo=UTC)) == (
        "Fri 4 Dec 2026, 17:00 UTC"
    )


def test_builders_show_dates_against_the_now_they_are_given() -> None:
    promise = PromiseView(
        id=7,
        owner_id="U1",
        description="send the offer",
        deadline=datetime(2027, 1, 4, 17, 0, tzinfo=UTC),
        status=Status.KEPT,
        closed_at=datetime(2026, 12, 30, 9, 0, tzinfo=UTC),
        closed_by="U1",
        rhythm_kind=RhythmKind.DAYS,
        rhythm_every=7,
        series_ends_at=datetime(2027, 2, 1, 17, 0, tzinfo=UTC),
    )
    december = datetime(2026, 12, 29, tzinfo=UTC)
    january = datetime(2027, 1, 2, tzinfo=UTC)
    assert "on Wed 30 Dec, 09:00 UTC" in promise_closed(promise, "UTC", now=december)["text"]
    assert "on Wed 30 Dec 2026, 09:00 UTC" in promise_closed(promise, "UTC", now=january)["text"]
    line = rhythm_line(promise, "UTC", now=january)
    assert "until Mon 1 Feb, 17:00 UTC" in line and "next check-in Mon 4 Jan, 17:00 UTC" in line
    line = rhythm_line(promise, "UTC", now=december)
    assert "until Mon 1 Feb 2027" in line and "next check-in Mon 4 Jan 2027" in line
