"""The APScheduler loop that runs delivery passes.

APScheduler only says *when* to look; what is due lives in the database, so nothing is lost
when the process stops, and several processes can run the loop side by side.

When to look: right after a change in this process wrote outbox rows (the sessions wake the
loop after such a commit), at the next due instant the database knows of, and at the latest
every KEPT_TICK_SECONDS (rows written by other processes, clocks that jump).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.runtime import Runtime
from bot.slack.web import HealthState
from scheduler.passes import PassResult, plan_weekly_digests, run_pass
from scheduler.queue import next_due, worker_name

DIGEST_EVERY = timedelta(minutes=5)
JOB_ID = "kept-delivery-pass"

log = logging.getLogger("kept.scheduler")


class SchedulerLoop:
    def __init__(
        self, runtime: Runtime, *, health: HealthState | None = None, poll: float | None = None
    ) -> None:
        self.runtime = runtime
        self.health = health or HealthState()
        self.worker = worker_name()
        self.poll = poll if poll is not None else runtime.settings.tick_seconds
        self._scheduler: BaseScheduler | None = None
        self._lock = threading.Lock()
        self._again = threading.Event()  # woken while a pass was running: run once more
        self._stopping = False
        self._digests_planned_at: datetime | None = None

    # ------------------------------------------------------------------ one pass

    def tick(self) -> PassResult | None:
        """Run passes until nothing new arrived meanwhile; then plan the next look."""
        if self._stopping:
            return None
        if not self._lock.acquire(blocking=False):
            self._again.set()  # the running pass will look again when it is done
            return None
        result: PassResult | None = None
        try:
            while True:
                self._again.clear()
                result = self._pass()
                if not self._again.is_set():
                    break
            return result
        finally:
            try:
                self._plan_next()
            finally:
                self._lock.release()

    def _pass(self) -> PassResult | None:
        try:
            self._plan_digests()
            result = run_pass(self.runtime, worker=self.worker)
            self.health.last_pass_error = None
            if result.claimed:
                log.info(
                    "pass: %s sent, %s deferred, %s failed, %s skipped, %s recovered",
                    result.sent,
                    result.deferred,
                    result.failed,
                    result.skipped,
                    result.recovered,
                )
            return result
        except Exception as error:  # noqa: BLE001 - keep ticking; the database may come back
            log.exception("scheduler pass failed")
            self.health.last_pass_error = type(error).__name__
            return None
        finally:
            self.health.last_pass_at = self.runtime.now()

    def _plan_digests(self) -> None:
        """Plan this week's supervisor digests: on the first pass, then every few minutes."""
        now = self.runtime.now()
        if self._digests_planned_at is not None and now - self._digests_planned_at < DIGEST_EVERY:
            return
        plan_weekly_digests(self.runtime)
        self._digests_planned_at = now

    # ------------------------------------------------------------------ when to look

    def _seconds_to_next_due(self) -> float:
        try:
            with self.runtime.readers() as session:
                due = next_due(session)
        except Exception:  # noqa: BLE001 - the database is away: look again at the poll
            return self.poll
        if due is None:
            return self.poll
        return min(self.poll, max(0.0, (due - self.runtime.now()).total_seconds()))

    def _plan_next(self) -> None:
        scheduler = self._scheduler
        if self._stopping or scheduler is None or not scheduler.running:
            return
        if self._again.is_set():  # woken just now: look again at once
            self._run_at(datetime.now(UTC))
        else:
            self._run_at(datetime.now(UTC) + timedelta(seconds=self._seconds_to_next_due()))

    def _run_at(self, moment: datetime) -> None:
        scheduler = self._scheduler
        if scheduler is None or self._stopping:
            return
        with contextlib.suppress(Exception):  # shutting down: the job is gone
            scheduler.modify_job(JOB_ID, next_run_time=moment)

    def wake(self) -> None:
        """Something was written to the outbox in this process: look now."""
        if self._lock.locked():
            self._again.set()
            return
        self._run_at(datetime.now(UTC))

    # ------------------------------------------------------------------ running

    def _add_job(self, scheduler: BaseScheduler) -> None:
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.poll,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )
        self._scheduler = scheduler
        self.runtime.sessions.on_outbox.append(self.wake)
        self.health.scheduler_enabled = True

    def start(self) -> None:
        """Run in the background (inside `kept run`)."""
        scheduler = BackgroundScheduler(timezone="UTC")
        self._add_job(scheduler)
        scheduler.start()

    def run_forever(self) -> None:
        """Run in the foreground (`kept scheduler`) until stopped."""
        scheduler = BlockingScheduler(timezone="UTC")
        self._add_job(scheduler)
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()

    def stop(self) -> None:
        """Stop looking; the pass under way (if any) finishes first."""
        self._stopping = True
        with contextlib.suppress(ValueError):
            self.runtime.sessions.on_outbox.remove(self.wake)
        with self._lock:  # the pass under way is done (and planned nothing more)
            pass
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)
