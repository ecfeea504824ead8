"""One Settings object, read from the environment and `.env` (SPEC §5)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from pathlib import Path

from dotenv import dotenv_values

from bot.language.holidays import Holidays, HolidaysError, parse_holiday_codes
from bot.language.workdays import WorkingDay

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///kept.db"

_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days)?\s*$", re.I)
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Longest duration a setting takes (a heads-up or escalation a year out is already odd; more
# would overflow date arithmetic near the end of the calendar).
MAX_DURATION = timedelta(days=365)


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class SettingsError(ValueError):
    """A missing or wrong setting; the message is one line saying what to set."""


def parse_duration(value: str, name: str) -> timedelta:
    """`90s`, `30m`, `24h`, `2d` or a bare number of seconds."""
    match = _DURATION.match(value)
    if not match:
        raise SettingsError(f"{name}={value!r} is not a duration: use e.g. 90s, 30m, 24h or 2d")
    unit = (match.group(2) or "s").lower()
    seconds = int(match.group(1)) * _UNIT_SECONDS[unit]
    if seconds > MAX_DURATION.total_seconds():
        raise SettingsError(
            f"{name}={value.strip()[:40]!r} is too long: use at most {MAX_DURATION.days}d"
        )
    return timedelta(seconds=seconds)


def parse_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={value!r} is not true or false")


@dataclass(frozen=True)
class DigestSchedule:
    weekday: int  # Monday = 0
    at: time


def parse_digest(value: str) -> DigestSchedule | None:
    lowered = value.strip().lower()
    if lowered in {"off", "false", "no", "0", ""}:
        return None
    match = re.match(r"^([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})$", lowered)
    if not match or match.group(1) not in _WEEKDAYS:
        raise SettingsError(f"KEPT_DIGEST={value!r}: use off or a weekday and time, e.g. mon 09:00")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise SettingsError(f"KEPT_DIGEST={value!r}: the time must be between 00:00 and 23:59")
    return DigestSchedule(_WEEKDAYS.index(match.group(1)), time(hour, minute))


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    slack_api_url: str = DEFAULT_SLACK_API_URL
    admins: frozenset[str] = field(default_factory=frozenset)
    tick_seconds: float = 1.0
    remind_before: timedelta = timedelta(hours=1)
    escalate_after: timedelta = timedelta(hours=24)
    respect_working_hours: bool = True
    digest: DigestSchedule | None = DigestSchedule(0, time(9, 0))
    http_threads: int = 8
    http_request_timeout: float = 10.0  # seconds for one whole HTTP request to arrive
    http_per_client: int = 32  # open HTTP connections per client address (0 = no cap)
    health_stale_after: float | None = None  # None: max(5 ticks, 60 s)
    slack_timeout: float = 10.0
    db_writers: int = 2
    claim_lease: timedelta = timedelta(minutes=2)
    holidays: tuple[str, ...] = ()  # KEPT_HOLIDAYS country codes, e.g. ("US",) or ("GB-ENG",)
    # OAuth: installs into many workspaces (instead of one SLACK_BOT_TOKEN)
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    retention_days: int | None = None  # closed promises older than this are deleted
    log_format: LogFormat = LogFormat.TEXT
    # tests: a Slack call while a write transaction is open is refused (bot.slack.client.Guard)
    strict_transactions: bool = False
    # KEPT_METRICS_ADDR: where GET /metrics is served, apart from the public port (None: off)
    metrics_addr: tuple[str, int] | None = None
    metrics_cache_seconds: float = 5.0  # database gauges are read at most this often
    # pacing Slack (bot/slack/pacing.py): chat.postMessage per workspace, per process
    slack_pacing: bool = True  # KEPT_SLACK_PACING=false: send as fast as Slack answers
    slack_posts_per_minute: float = 600.0
    slack_rate_scale: float = 1.0  # every Slack rate times this (a faster fake; raised limits)

    def __repr__(self) -> str:  # never print secrets
        return (
            f"Settings(database_url={redact_url(self.database_url)!r}, port={self.port}, "
            f"slack_api_url={self.slack_api_url!r}, socket_mode={self.socket_mode})"
        )

    @property
    def working_day(self) -> WorkingDay:
        """The workspace's working day: 09:00-17:00 Mon-Fri without its public holidays."""
        return WorkingDay(holidays=Holidays(self.holidays))

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def scheduler_stale_after(self) -> float:
        """Seconds without a scheduler pass before /healthz calls the scheduler stale."""
        if self.health_stale_after is not None:
            return self.health_stale_after
        return max(5 * self.tick_seconds, 60.0)

    @property
    def oauth(self) -> bool:
        """Installed by OAuth into any number of workspaces (SLACK_CLIENT_ID/SECRET)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, env_file: str | Path | None = ".env"
    ) -> Settings:
        """Read settings. Real environment variables win over the file named by KEPT_ENV_FILE,
        which wins over `.env` in the working directory (`env_file`; None skips it)."""
        environ = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for path in env_files(environ, env_file):
            values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        values.update(environ)

        def get(name: str, default: str | None = None) -> str | None:
            value = values.get(name)
            return value.strip() if value is not None and value.strip() else default

        token = get("SLACK_BOT_TOKEN")
        secret = get("SLACK_SIGNING_SECRET")
        client_id = get("SLACK_CLIENT_ID")
        client_secret = get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            raise SettingsError(
                f"{missing} is not set: OAuth installs need both SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET (Basic Information page of your Slack app)"
            )
        if not token and not client_id:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: copy it from your Slack app's "
                "OAuth & Permissions page into .env (see .env.example)"
            )
        if not secret:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: copy it from your Slack app's "
                "Basic Information page into .env (see .env.example)"
            )
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        port_text = get("PORT", "3000") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"PORT={port_text!r} is not a port number (1-65535)")
        api_url = get("SLACK_API_URL", DEFAULT_SLACK_API_URL) or DEFAULT_SLACK_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        tick = _seconds(get("KEPT_TICK_SECONDS", "1") or "1", "KEPT_TICK_SECONDS", 3600, "1")
        request_timeout = _seconds(
            get("KEPT_HTTP_REQUEST_TIMEOUT", "10") or "10", "KEPT_HTTP_REQUEST_TIMEOUT", 300, "10"
        )
        per_client_text = get("KEPT_HTTP_PER_CLIENT", "32") or "32"
        if not per_client_text.isdigit():
            raise SettingsError(
                f"KEPT_HTTP_PER_CLIENT={per_client_text!r}: "
                "use a whole number, e.g. 32 (0 = no cap)"
            )
        stale_text = get("KEPT_HEALTH_STALE_AFTER")
        stale_after = (
            parse_duration(stale_text, "KEPT_HEALTH_STALE_AFTER").total_seconds()
            if stale_text
            else None
        )
        if stale_after is not None and stale_after <= 0:
            raise SettingsError("KEPT_HEALTH_STALE_AFTER must be more than 0, e.g. 2m")
        threads_text = get("KEPT_HTTP_THREADS", "8") or "8"
        if not threads_text.isdigit() or int(threads_text) < 1:
            raise SettingsError(f"KEPT_HTTP_THREADS={threads_text!r}: use a whole number, e.g. 8")
        writers_text = get("KEPT_DB_WRITERS", "2") or "2"
        if not writers_text.isdigit() or not 1 <= int(writers_text) <= 64:
            raise SettingsError(f"KEPT_DB_WRITERS={writers_text!r}: use a whole number, e.g. 2")
        slack_timeout = _seconds(
            get("KEPT_SLACK_TIMEOUT", "10") or "10", "KEPT_SLACK_TIMEOUT", 300, "10"
        )
        claim_lease = parse_duration(get("KEPT_CLAIM_LEASE", "2m") or "2m", "KEPT_CLAIM_LEASE")
        if claim_lease.total_seconds() < 2 * slack_timeout:
            raise SettingsError(
                "KEPT_CLAIM_LEASE must be at least twice KEPT_SLACK_TIMEOUT, "
                "or a slow send could be taken over and sent twice"
            )
        try:
            holidays = parse_holiday_codes(get("KEPT_HOLIDAYS", "") or "")
        except HolidaysError as error:
            raise SettingsError(
                f"KEPT_HOLIDAYS: {error}; use country codes like US, GB-ENG or DE-BY"
            ) from None
        admins = frozenset(
            a.strip()
            for a in (get("KEPT_ADMINS", "") or "").replace(";", ",").split(",")
            if a.strip()
        )
        retention_text = get("KEPT_RETENTION_DAYS", "") or ""
        if retention_text and (not retention_text.isdigit() or int(retention_text) < 1):
            raise SettingsError(
                f"KEPT_RETENTION_DAYS={retention_text!r}: use a whole number of days, e.g. 365 "
                "(or leave it empty to keep everything)"
            )
        metrics_addr = parse_metrics_addr(get("KEPT_METRICS_ADDR", "") or "")
        log_format_text = (get("KEPT_LOG_FORMAT", "text") or "text").lower()
        if log_format_text not in {f.value for f in LogFormat}:
            raise SettingsError(f"KEPT_LOG_FORMAT={log_format_text!r}: use text or json")
        posts_per_minute = _positive(
            get("KEPT_SLACK_POSTS_PER_MINUTE", "600") or "600", "KEPT_SLACK_POSTS_PER_MINUTE", "600"
        )
        rate_scale = _positive(
            get("KEPT_SLACK_RATE_SCALE", "1") or "1", "KEPT_SLACK_RATE_SCALE", "1"
        )
        return cls(
            slack_bot_token=token or "",
            slack_signing_secret=secret,
            slack_app_token=app_token,
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL,
            port=int(port_text),
            slack_api_url=api_url,
            admins=admins,
            tick_seconds=tick,
            remind_before=parse_duration(
                get("KEPT_REMIND_BEFORE", "1h") or "1h", "KEPT_REMIND_BEFORE"
            ),
            escalate_after=parse_duration(
                get("KEPT_ESCALATE_AFTER", "24h") or "24h", "KEPT_ESCALATE_AFTER"
            ),
            respect_working_hours=parse_bool(
                get("KEPT_RESPECT_WORKING_HOURS", "true") or "true", "KEPT_RESPECT_WORKING_HOURS"
            ),
            digest=parse_digest(get("KEPT_DIGEST", "mon 09:00") or "off"),
            http_threads=int(threads_text),
            http_request_timeout=request_timeout,
            http_per_client=int(per_client_text),
            health_stale_after=stale_after,
            slack_timeout=slack_timeout,
            db_writers=int(writers_text),
            claim_lease=claim_lease,
            holidays=holidays,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            retention_days=int(retention_text) if retention_text else None,
            log_format=LogFormat(log_format_text),
            metrics_addr=metrics_addr,
            slack_pacing=parse_bool(
                get("KEPT_SLACK_PACING", "true") or "true", "KEPT_SLACK_PACING"
            ),
            slack_posts_per_minute=posts_per_minute,
            slack_rate_scale=rate_scale,
        )


def env_files(environ: Mapping[str, str], env_file: str | Path | None = ".env") -> list[Path]:
    """The `.env` files to read, weakest first: `env_file` in the working directory if it
    exists, then the file KEPT_ENV_FILE names (which must exist)."""
    files: list[Path] = []
    if env_file is not None and Path(env_file).is_file():
        files.append(Path(env_file))
    named = (environ.get("KEPT_ENV_FILE") or "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise SettingsError(
                f"KEPT_ENV_FILE={named!r}: no such file "
                f"(looked in {path.resolve()}); give the absolute path of your .env"
            )
        files.append(path)
    return files


def parse_metrics_addr(value: str) -> tuple[str, int] | None:
    """KEPT_METRICS_ADDR: `host:port` (`127.0.0.1:9464`, `[::1]:9464`); empty: off."""
    value = value.strip()
    if not value:
        return None
    host, colon, port = value.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(
            f"KEPT_METRICS_ADDR={value!r}: use host:port, e.g. 127.0.0.1:9464 "
            "(or leave it empty: no /metrics)"
        )
    return host, int(port)


def _positive(value: str, name: str, example: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < 1e9:
        raise SettingsError(f"{name}={value!r}: use a number more than 0, e.g. {example}")
    return number


def _seconds(value: str, name: str, most: float, example: str) -> float:
    """A positive number of seconds, at most `most`."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= most:
        raise SettingsError(f"{name}={value!r}: use a number of seconds, e.g. {example}")
    return seconds


def redact_url(url: str) -> str:
    """A database URL fit to show (settings, `kept doctor`): its password as ***."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
