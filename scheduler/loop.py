"""The APScheduler loop that runs delivery passes every KEPT_TICK_SECONDS.

APScheduler only says *when* to look; what is due lives in the database, so nothing is lost
when the process stops, and several processes can run the loop side by side.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.runtime import Runtime
from bot.slack.web import HealthState
from scheduler.delivery import PassResult, plan_weekly_digests, run_pass, worker_name

DIGEST_EVERY = timedelta(minutes=5)
PURGE_EVERY = timedelta(hours=1)  # KEPT_RETENTION_DAYS (bot.ops.retention)

log = logging.getLogger("kept.scheduler")


class SchedulerLoop:
    def __init__(self, runtime: Runtime, *, health: HealthState | None = None) -> None:
        self.runtime = runtime
        self.health = health or HealthState()
        self.worker = worker_name()
        self._scheduler: BackgroundScheduler | BlockingScheduler | None = None
        self._lock = threading.Lock()
        self._digests_planned_at: datetime | None = None
        self._purged_at: datetime | None = None

    def tick(self) -> PassResult | None:
        if not self._lock.acquire(blocking=False):
            return None  # the previous pass is still running
        try:
            self._plan_digests()
            result = run_pass(self.runtime, worker=self.worker)
            self._purge_old()
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
            self._lock.release()

    def _plan_digests(self) -> None:
        """Plan this week's supervisor digests: on the first tick, then every few minutes."""
        now = self.runtime.now()
        if self._digests_planned_at is not None and now - self._digests_planned_at < DIGEST_EVERY:
            return
        plan_weekly_digests(self.runtime)
        self._digests_planned_at = now

    def _purge_old(self) -> None:
        """Delete closed promises past KEPT_RETENTION_DAYS: on the first tick, then hourly."""
        days = self.runtime.settings.retention_days
        now = self.runtime.now()
        if days is None or (self._purged_at is not None and now - self._purged_at < PURGE_EVERY):
            return
        from bot.ops.retention import cutoff, purge_closed

        deleted = purge_closed(self.runtime.sessions, before=cutoff(now, days))
        self._purged_at = now
        if deleted:
            log.info("retention: deleted %s closed promise(s) older than %s days", deleted, days)

    def _add_job(self, scheduler: BackgroundScheduler | BlockingScheduler) -> None:
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.runtime.settings.tick_seconds,
            id="kept-delivery-pass",
            max_instances=1,
            coalesce=True,
            next_run_time=self.runtime.now() + timedelta(milliseconds=100),
            misfire_grace_time=None,
        )

    def start(self) -> None:
        """Run in the background (inside `kept run`)."""
        scheduler = BackgroundScheduler(timezone="UTC")
        self._add_job(scheduler)
        scheduler.start()
        self._scheduler = scheduler
        self.health.scheduler_enabled = True

    def run_forever(self) -> None:
        """Run in the foreground (`kept scheduler`) until interrupted."""
        scheduler = BlockingScheduler(timezone="UTC")
        self._add_job(scheduler)
        self._scheduler = scheduler
        self.health.scheduler_enabled = True
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=True)
