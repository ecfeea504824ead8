"""Prometheus metrics for `GET /metrics` (SPEC §6). Low cardinality: no user, team or
channel ids in labels, only sub-commands, step kinds, outcomes and Slack method/error names.

Counters and histograms are kept per Runtime (each has its own registry); the backlog and
promise gauges are read from the database when scraped, so every process reports the same
figures for them whichever one is asked.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.promises.service import KeptError
from bot.store.models import Delivery, Promise, Status

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# the first word of `/promise ...` that names a sub-command; anything else records a promise
SUBCOMMANDS = frozenset(
    {
        "help",
        "list",
        "done",
        "kept",
        "broken",
        "cancel",
        "extend",
        "handoff",
        "hand-off",
        "supervisor",
        "channel",
        "report",
        "away",
        "back",
        "updated",
        "watch",
    }
)
_LABEL = re.compile(r"[^A-Za-z0-9_.]")


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # Kept said no (not allowed, bad input): the user was told why
    ERROR = "error"  # a bug or an outage: the user got an apology


def subcommand_of(text: str) -> str:
    """The label for a `/promise` text: a sub-command, `form` (empty) or `promise`."""
    word = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
    if not word:
        return "form"
    if word == "hand-off":
        return "handoff"
    return word if word in SUBCOMMANDS else "promise"


def _label(value: str) -> str:
    """A safe, short label value: Slack's method and error names, step kinds."""
    return _LABEL.sub("_", value)[:40] or "unknown"


class SlackErrorCounter(RetryHandler):
    """Counts Slack Web API errors by method and error code. It sits in every WebClient's
    retry handlers (slack_sdk consults them on every answer, Bolt copies them into its
    per-request clients) and never asks for a retry itself."""

    def __init__(self, record: Callable[[str, str], None]) -> None:
        super().__init__(max_retry_count=0)
        self._record = record

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = _label(request.url.rsplit("/", 1)[-1].split("?", 1)[0])
        if error is not None:
            self._record(method, _label(type(error).__name__.lower()))
        elif response is not None:
            body = response.body if isinstance(response.body, dict) else {}
            if response.status_code != 200:
                self._record(method, _label(str(body.get("error") or response.status_code)))
            elif body and body.get("ok") is False:
                self._record(method, _label(str(body.get("error") or "unknown")))
        return False

    def _can_retry(self, **_kwargs: Any) -> bool:  # pragma: no cover - can_retry overrides
        return False

    def __deepcopy__(self, _memo: dict[int, Any]) -> SlackErrorCounter:
        # Bolt deep-copies each request (its client too) for lazy listeners: keep counting
        # into the same metrics rather than copying them
        return self


class _StateCollector(Collector):
    """Figures read from the database at scrape time, at most every `cache_seconds`: many
    scrapers (or a hostile one) cost the database one read per few seconds, not one each.
    A reading is reused only for the same moment of Kept's clock (within a second of the
    time that passed), so a clock that jumps reads again."""

    def __init__(
        self,
        readers: sessionmaker[Session],
        clock: Callable[[], datetime],
        cache_seconds: float = 0.0,
    ) -> None:
        self.readers = readers
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, datetime, list[GaugeMetricFamily]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:  # one reading at a time; the others wait for it and share it
            now, at = self.clock(), time.monotonic()
            cached = self._cached
            if cached is not None:
                read_at, read_now, families = cached
                elapsed = at - read_at
                if elapsed < self.cache_seconds and (
                    abs((now - read_now).total_seconds() - elapsed) < 1.0
                ):
                    return iter(families)
            families = list(self._read(now))
            self._cached = (at, now, families) if families else None
            return iter(families)

    def _read(self, now: datetime) -> Iterator[GaugeMetricFamily]:
        due = GaugeMetricFamily(
            "kept_deliveries_due", "Deliveries due now and not yet sent (the backlog)"
        )
        lag = GaugeMetricFamily(
            "kept_oldest_due_age_seconds",
            "How long the oldest due delivery has waited past its due time (the lag)",
        )
        open_ = GaugeMetricFamily("kept_promises_open", "Open promises")
        overdue = GaugeMetricFamily("kept_promises_overdue", "Open promises past their deadline")
        try:
            with self.readers() as session:
                backlog, oldest = session.execute(
                    select(func.count(Delivery.id), func.min(Delivery.due_at)).where(
                        text("status IN ('pending', 'sending')"), Delivery.due_at <= now
                    )
                ).one()
                opened, late = session.execute(
                    select(
                        func.count(Promise.id),
                        func.count(Promise.id).filter(Promise.deadline < now),
                    ).where(Promise.status == Status.OPEN)
                ).one()
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            return
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        due.add_metric([], float(backlog or 0))
        lag.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        open_.add_metric([], float(opened or 0))
        overdue.add_metric([], float(late or 0))
        yield from (due, lag, open_, overdue)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.commands = Counter(
            "kept_commands",
            "/promise commands handled, by sub-command and outcome",
            ["subcommand", "outcome"],
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "kept_answer_seconds",
            "Time from receiving a /promise command to answering it",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
            registry=self.registry,
        )
        self.deliveries = Counter(
            "kept_deliveries",
            "Scheduled messages handled, by kind (step) and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.pass_seconds = Histogram(
            "kept_scheduler_pass_seconds",
            "Duration of one scheduler pass",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
            registry=self.registry,
        )
        self.slack_errors = Counter(
            "kept_slack_api_errors",
            "Slack Web API calls that failed, by method and error",
            ["method", "error"],
            registry=self.registry,
        )
        self.suggestions = Counter(
            "kept_suggestions",
            "Promises noticed in watched channels, by workspace and what became of the "
            "suggestion (shown, tracked, dismissed)",
            ["team", "outcome"],
            registry=self.registry,
        )
        gate_buckets = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
        self.gate_wait_seconds = Histogram(
            "kept_writer_gate_wait_seconds",
            "Time a write transaction waited for the writer gate (one writer at a time on SQLite)",
            buckets=gate_buckets,
            registry=self.registry,
        )
        self.gate_held_seconds = Histogram(
            "kept_writer_gate_held_seconds",
            "Time a write transaction held the writer gate: its critical section",
            buckets=gate_buckets,
            registry=self.registry,
        )
        self._state: _StateCollector | None = None

    def watch_database(
        self,
        readers: sessionmaker[Session],
        clock: Callable[[], datetime],
        cache_seconds: float = 0.0,
    ) -> None:
        """Report the backlog and the open/overdue promises from this database (read at
        most every `cache_seconds`)."""
        if self._state is None:
            self._state = _StateCollector(readers, clock, cache_seconds)
            self.registry.register(self._state)

    def observe_gate(self, waited: float, held: float) -> None:
        """One write transaction passed the writer gate (bot.store.db.WriterGate)."""
        self.gate_wait_seconds.observe(waited)
        self.gate_held_seconds.observe(held)

    def slack_error(self, method: str, error: str) -> None:
        self.slack_errors.labels(method=method, error=error).inc()

    def slack_handler(self) -> SlackErrorCounter:
        return SlackErrorCounter(self.slack_error)

    @contextmanager
    def command(self, text: str) -> Iterator[None]:
        """Time and count one `/promise` command; a KeptError counts as refused."""
        started = time.perf_counter()
        outcome = Outcome.OK
        try:
            yield
        except KeptError:
            outcome = Outcome.REFUSED
            raise
        except Exception:
            outcome = Outcome.ERROR
            raise
        finally:
            self.commands.labels(subcommand=subcommand_of(text), outcome=outcome.value).inc()
            self.answer_seconds.observe(time.perf_counter() - started)

    def observe_command(self, text: str, outcome: Outcome, seconds: float) -> None:
        """One `/promise` command answered: its sub-command, outcome and answer latency."""
        self.commands.labels(subcommand=subcommand_of(text), outcome=outcome.value).inc()
        self.answer_seconds.observe(seconds)

    def observe_pass(self, by_step: dict[tuple[str, str], int], seconds: float) -> None:
        """One scheduler pass: what happened to each kind of delivery, and how long it took."""
        for (kind, outcome), count in by_step.items():
            if count:
                self.deliveries.labels(kind=_label(kind), outcome=_label(outcome)).inc(count)
        self.pass_seconds.observe(seconds)

    def suggestion(self, team_id: str, outcome: str) -> None:
        """A suggestion shown, tracked or dismissed (never anything of the message)."""
        self.suggestions.labels(team=_label(team_id), outcome=_label(outcome)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
