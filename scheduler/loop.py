"""The APScheduler loop that runs delivery passes.

APScheduler only says *when* to look; what is due lives in the database, so nothing is lost
when the process stops, and several processes can run the loop side by side.

When to look: right after a change in this process wrote outbox rows (the sessions wake the
sender after such a commit), at the next due instant the database knows of, and at the latest
every KEPT_TICK_SECONDS (APScheduler's interval job: rows written by other processes, clocks
that jump). One sender thread runs the passes, so a wake-up is never lost while a pass runs:
it only makes the thread look again as soon as the pass is done.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from bot.ops.retention import cutoff, purge_closed, purge_handled_requests, purge_oauth_states
from bot.runtime import Runtime
from bot.slack.web import HealthState
from scheduler.passes import PassResult, plan_weekly_digests, run_pass
from scheduler.queue import next_due, worker_name

DIGEST_EVERY = timedelta(minutes=5)
JOB_ID = "kept-delivery-pass"
# KEPT_RETENTION_DAYS, handled requests, expired OAuth states (bot.ops.retention)
PURGE_EVERY = timedelta(minutes=10)

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
        self._lock = threading.Lock()  # one pass at a time in this process
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._stopped = threading.Event()  # stop() has finished: the pass under way is done
        self._life = threading.Lock()  # start and stop, one at a time
        self._sender: threading.Thread | None = None
        self._digests_planned_at: datetime | None = None
        self._purged_at: datetime | None = None

    # ------------------------------------------------------------------ one pass

    def tick(self) -> PassResult | None:
        """One pass now (in the caller's thread); None if one is already running."""
        if not self._lock.acquire(blocking=False):
            self._wake.set()  # the sender looks again when it is done
            return None
        try:
            return self._pass()
        finally:
            self._lock.release()

    def _pass(self) -> PassResult | None:
        try:
            self._plan_digests()
            self._purge_old()
            result = run_pass(self.runtime, worker=self.worker, stop=self._stopping)
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
        except Exception as error:  # noqa: BLE001 - keep going; the database may come back
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

    def _purge_old(self) -> None:
        """Delete what Kept keeps only for a while (bot.ops.retention): on the first pass,
        then every PURGE_EVERY."""
        now = self.runtime.now()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        sessions = self.runtime.sessions
        forgotten = purge_handled_requests(sessions, now=now)
        expired = purge_oauth_states(sessions)
        if forgotten or expired:
            log.info("purged %s handled request(s), %s expired OAuth state(s)", forgotten, expired)
        days = self.runtime.settings.retention_days
        if days is not None:
            deleted = purge_closed(sessions, before=cutoff(now, days))
            if deleted:
                log.info(
                    "retention: deleted %s closed promise(s) older than %s days", deleted, days
                )
        self._purged_at = now

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

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until no pass is running here and none is asked for (for tests that move a
        clock and run passes by hand beside this loop). True if it became idle in time."""
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if not self._wake.is_set() and self._lock.acquire(blocking=False):
                self._lock.release()
                return True
            time.sleep(0.01)
        return False

    def wake(self) -> None:
        """Look now (something was written to the outbox, or the interval came round)."""
        self._wake.set()

    def _send_forever(self) -> None:
        """The sender thread: a pass whenever woken or when the next row falls due."""
        while not self._stopping.is_set():
            self._wake.clear()
            self.tick()
            if self._stopping.is_set():
                break
            self._wake.wait(self._seconds_to_next_due())

    # ------------------------------------------------------------------ running

    def _begin(self, scheduler: BaseScheduler) -> bool:
        """Add the safety-net job and start the sender; False if stop() came first."""
        if self._stopping.is_set():
            return False
        # APScheduler's interval job is the safety net: look at least every `poll` seconds
        scheduler.add_job(
            self.wake,
            "interval",
            seconds=self.poll,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler = scheduler
        self.runtime.sessions.on_outbox.append(self.wake)
        self._sender = threading.Thread(target=self._send_forever, name="kept-sender", daemon=True)
        self._sender.start()
        self.health.scheduler_enabled = True
        return True

    def start(self) -> None:
        """Run in the background (inside `kept run`); nothing once stop() was called."""
        with self._life:
            scheduler = BackgroundScheduler(timezone="UTC")
            if self._begin(scheduler):
                scheduler.start()

    def run_forever(self) -> None:
        """Run in the foreground (`kept scheduler`) until stop() has finished, from another
        thread (a signal's). A stop asked for before this starts returns at once."""
        self.start()
        if self._stopping.is_set() and self._scheduler is None:
            return
        self._stopped.wait()

    def stop(self) -> None:
        """Stop looking; the pass under way (if any) finishes first."""
        self._stopping.set()
        self._wake.set()
        with self._life:
            with contextlib.suppress(ValueError):
                self.runtime.sessions.on_outbox.remove(self.wake)
            sender = self._sender
            if sender is not None and sender is not threading.current_thread():
                sender.join()
            scheduler = self._scheduler
            if scheduler is not None and scheduler.running:
                scheduler.shutdown(wait=True)
        self._stopped.set()
