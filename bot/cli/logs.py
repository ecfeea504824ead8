"""Logging for every command: text or JSON lines (KEPT_LOG_FORMAT), tokens kept out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class JsonFormatter(logging.Formatter):
    """KEPT_LOG_FORMAT=json: one JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _log_format() -> str:
    """KEPT_LOG_FORMAT from the environment or .env, read before the other settings so that
    even a settings error is logged in the chosen format."""
    import os

    from dotenv import dotenv_values

    value = os.environ.get("KEPT_LOG_FORMAT") or dotenv_values(".env").get("KEPT_LOG_FORMAT")
    return (value or "text").strip().lower()


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler()
    if _log_format() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    # slack_sdk logs request headers at DEBUG: keep tokens out of logs whatever the level.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # APScheduler logs every tick at INFO: once a second is noise, not news
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # slack_sdk logs an ERROR for every call that can't reach Slack, each retry included;
    # Kept says it once in its own words (start-up, /healthz, a delivery's last_error)
    logging.getLogger("slack_sdk.web.base_client").addFilter(_UnreachableSaidOnce())
    # waitress warns "Task queue depth is N" for every request queued while its threads are
    # busy: under load that is a line per request (1,482 in a 1,500-command benchmark)
    queue = logging.getLogger("waitress.queue")
    if not any(isinstance(f, QueueDepthSummary) for f in queue.filters):
        queue.addFilter(QueueDepthSummary())


class QueueDepthSummary(logging.Filter):
    """At most one "Task queue depth" line per `every` seconds, saying the deepest queue
    seen and how many warnings were folded into it: the operator still learns that requests
    waited for a thread, without a log line per request."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every = every
        self.clock = clock
        self._lock = threading.Lock()
        self._last: float | None = None
        self._deepest = 0
        self._folded = 0

    def filter(self, record: logging.LogRecord) -> bool:
        depth = record.args[0] if isinstance(record.args, tuple) and record.args else 0
        depth = depth if isinstance(depth, int) else 0
        with self._lock:
            now = self.clock()
            self._deepest = max(self._deepest, depth)
            if self._last is not None and now - self._last < self.every:
                self._folded += 1
                return False
            if self._folded:
                record.msg = "Task queue depth is %d (deepest %d; %d more such warnings folded)"
                record.args = (depth, self._deepest, self._folded)
            self._last, self._deepest, self._folded = now, 0, 0
            return True


class _UnreachableSaidOnce(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to send a request to Slack API server")
