"""Stopping gracefully: once SIGTERM (or SIGINT) arrives, no new request is taken, the ones
in flight finish, the scheduler's pass under way finishes, and the process exits 0.

`Requests` counts the requests in flight; the HTTP app (bot.slack.web) and the Socket Mode
middleware (bot.app) pass every Slack request through it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from waitress import wasyncore

log = logging.getLogger("kept")

# systemd and Kubernetes wait 90 s / 30 s before SIGKILL; Kept promises to be gone within 10 s
STOP_WITHIN = 10.0


class Requests:
    """Requests in flight, and whether new ones are still taken."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._in_flight = 0
        self.draining = False

    def enter(self) -> bool:
        """A request starts; False (refuse it) once the process is stopping."""
        with self._cond:
            if self.draining:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def drain(self, timeout: float) -> bool:
        """Take no new requests; wait for those in flight. True if they all finished."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self.draining = True
            while self._in_flight > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True


class StopSignals:
    """SIGTERM and SIGINT, caught from the first moment of a long-running command.

    A stop that arrives while Kept is still starting (settings, migrations, the first look at
    Slack) is remembered and carried out as soon as there is something to stop, so the process
    still exits 0 instead of dying of the signal. The handler only records and hands over: it
    takes no lock (the interrupted main thread may hold it); each `stop` is idempotent.
    """

    def __init__(self) -> None:
        self.requested: str | None = None
        self._stop: Callable[[str], None] | None = None
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.requested is None:
            self.requested = name
        stop = self._stop
        if stop is not None:
            stop(name)

    def route(self, stop: Callable[[str], None]) -> None:
        """From now on a signal calls `stop(signal name)`; one that came earlier does now."""
        self._stop = stop
        if self.requested is not None:
            stop(self.requested)


_signals: StopSignals | None = None


def catch_stop_signals() -> StopSignals:
    """Start catching SIGTERM/SIGINT (once per process, from the main thread)."""
    global _signals
    if _signals is None:
        _signals = StopSignals()
    return _signals


def on_stop_signals(stop: Callable[[str], None]) -> None:
    """Call `stop(signal name)` on SIGTERM and SIGINT, and now if one already came."""
    catch_stop_signals().route(stop)


def _flushed(server: Any) -> bool:
    return all(
        not getattr(channel, "total_outbufs_len", 0) for channel in list(server._map.values())
    )


def serve_until_stopped(
    server: Any, requests: Requests, *, on_drained: Callable[[], None] = lambda: None
) -> None:
    """Run a waitress server until SIGTERM/SIGINT, then stop gracefully: `/healthz` answers
    503 "draining" and new Slack requests 503 (Slack retries them, by then on a process that
    runs), the requests in flight finish and their answers are written out, `on_drained`
    runs (the scheduler's pass under way finishes), and this returns, within STOP_WITHIN."""
    stopping_at = [time.monotonic()]

    def finish(reason: str) -> None:
        log.info("%s: stopping; finishing %s request(s) in flight", reason, requests.in_flight)
        if not requests.drain(STOP_WITHIN - 3):
            log.warning("stopping with %s request(s) still in flight", requests.in_flight)
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=1)
        on_drained()
        until = time.monotonic() + 1
        while not _flushed(server) and time.monotonic() < until:
            time.sleep(0.01)  # the last answers are still being written
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        log.info("stopped after %.1f s", time.monotonic() - stopping_at[0])

    def stop(reason: str) -> None:
        if requests.draining:
            return
        stopping_at[0] = time.monotonic()
        requests.draining = True
        threading.Thread(target=finish, args=(reason,), name="kept-stop", daemon=True).start()

    on_stop_signals(stop)
    server.run()
