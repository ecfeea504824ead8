"""Logging for every command: text or JSON lines (KEPT_LOG_FORMAT), tokens kept out."""

from __future__ import annotations

import logging


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


class _UnreachableSaidOnce(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to send a request to Slack API server")
