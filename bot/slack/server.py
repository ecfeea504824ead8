"""HTTP mode: the WSGI app served by waitress (a production WSGI server), stopped gracefully.

On SIGTERM/SIGINT: `/healthz` answers 503 "draining" and new Slack requests 503 (Slack
retries them, by then on a process that runs), the requests in flight finish and their
answers are written out, the scheduler's pass under way finishes, and `serve` returns, all
within bot.slack.lifecycle.STOP_WITHIN seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import waitress
from waitress import wasyncore

from bot.slack.lifecycle import STOP_WITHIN, on_stop_signals
from bot.slack.web import KeptWSGI

log = logging.getLogger("kept")


def _flushed(server: Any) -> bool:
    return all(
        not getattr(channel, "total_outbufs_len", 0) for channel in list(server._map.values())
    )


def serve(
    wsgi: KeptWSGI,
    *,
    host: str,
    port: int,
    threads: int,
    on_drained: Callable[[], None] = lambda: None,
    announce: Callable[[int], None] = lambda _port: None,
) -> None:
    """Serve until a stop signal; then drain and return."""
    server: Any = waitress.create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="kept",
        channel_timeout=30,
        connection_limit=1000,
    )
    requests = wsgi.health.requests
    started = time.monotonic()

    def finish(reason: str) -> None:
        log.info("%s: stopping; finishing %s request(s) in flight", reason, requests.in_flight)
        if not requests.drain(STOP_WITHIN - 3):
            log.warning("stopping with %s request(s) still in flight", requests.in_flight)
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=1)
        on_drained()  # the scheduler: its pass under way finishes
        until = time.monotonic() + 1
        while not _flushed(server) and time.monotonic() < until:
            time.sleep(0.01)  # the last answers are still being written
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        log.info("stopped after %.1f s", time.monotonic() - stopping_at[0])

    stopping_at = [started]

    def stop(reason: str) -> None:
        if requests.draining:
            return
        stopping_at[0] = time.monotonic()
        requests.draining = True
        threading.Thread(target=finish, args=(reason,), name="kept-stop", daemon=True).start()

    on_stop_signals(stop)
    announce(server.effective_port)
    server.run()
