"""The WSGI application served in HTTP mode: `POST /slack/events`, `GET /healthz`, and with
OAuth settings `GET /slack/install` and `GET /slack/oauth_redirect`. (`GET /metrics` is on
its own address: bot.ops.metrics_server.)"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.slack.lifecycle import Requests
from bot.slack.server import MAX_BODY_BYTES
from bot.store.db import ping

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]


class HealthState:
    """What /healthz reports besides the database: set by the scheduler after each pass, by
    the Slack probe, and by the graceful stop (`draining`).

    Ages are measured on the monotonic clock, so a test clock or a wall-clock jump never makes
    a live scheduler look stale (or a dead one fresh)."""

    def __init__(self, *, stale_after: float = 60.0) -> None:
        self.stale_after = stale_after  # seconds without a pass before the scheduler is stale
        self.last_pass_error: str | None = None
        # requests in flight, and draining once the process is stopping (bot.slack.lifecycle):
        # then /healthz answers 503 and new Slack requests are refused
        self.requests = Requests()
        self.slack: SlackProbe | None = None
        self._scheduler_enabled = False
        self._enabled_at: float | None = None
        self._last_pass_at: datetime | None = None
        self._last_pass_mono: float | None = None

    @property
    def draining(self) -> bool:
        return self.requests.draining

    @draining.setter
    def draining(self, value: bool) -> None:
        self.requests.draining = value

    @property
    def scheduler_enabled(self) -> bool:
        return self._scheduler_enabled

    @scheduler_enabled.setter
    def scheduler_enabled(self, value: bool) -> None:
        self._scheduler_enabled = value
        self._enabled_at = time.monotonic() if value else None

    @property
    def last_pass_at(self) -> datetime | None:
        return self._last_pass_at

    @last_pass_at.setter
    def last_pass_at(self, value: datetime | None) -> None:
        self._last_pass_at = value
        self._last_pass_mono = time.monotonic() if value is not None else None

    def pass_age(self) -> float | None:
        """Seconds since the last scheduler pass ended (None: no pass yet)."""
        if self._last_pass_mono is None:
            return None
        return time.monotonic() - self._last_pass_mono

    def scheduler_stale(self) -> bool:
        if not self._scheduler_enabled:
            return False
        since = self._last_pass_mono if self._last_pass_mono is not None else self._enabled_at
        return since is not None and time.monotonic() - since > self.stale_after


class SlackProbe:
    """Whether Slack answers, cheaply: the last result of `auth.test`, re-checked in the
    background at most every `every` seconds, and only while someone asks (a probe never
    waits for Slack)."""

    def __init__(self, client: WebClient, *, every: float = 30.0) -> None:
        self.client = client
        self.every = every
        self.reachable: bool | None = None  # None: not checked yet
        self.error: str | None = None
        self.checked_at: datetime | None = None
        self._checked_mono: float | None = None
        self._checking = threading.Lock()

    def record(self, reachable: bool, error: str | None = None) -> None:
        self.reachable, self.error = reachable, error
        self.checked_at = datetime.now(UTC)
        self._checked_mono = time.monotonic()

    def check(self) -> None:
        """One auth.test now (blocking)."""
        try:
            self.client.auth_test()
        except SlackApiError as error:
            # Slack answered: it is reachable, even if it did not like the request
            self.record(True, str(error.response.get("error") or "error"))
        except Exception as error:  # noqa: BLE001 - any transport failure means unreachable
            self.record(False, type(error).__name__)
        else:
            self.record(True)

    def refresh_soon(self) -> None:
        last = self._checked_mono
        if last is not None and time.monotonic() - last < self.every:
            return
        if not self._checking.acquire(blocking=False):
            return  # a check is already running

        def run() -> None:
            try:
                self.check()
            finally:
                self._checking.release()

        threading.Thread(target=run, name="kept-slack-probe", daemon=True).start()

    def report(self) -> dict[str, Any]:
        self.refresh_soon()
        return {
            "reachable": self.reachable,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
            "error": self.error,
        }


class KeptWSGI:
    def __init__(self, app: App, runtime: Runtime, health: HealthState | None = None) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.runtime = runtime
        self.health = health or HealthState()

    def healthz(self) -> tuple[str, dict[str, Any]]:
        database = ping(self.runtime.engine)
        health = self.health
        age = health.pass_age()
        stale = health.scheduler_stale()
        if health.draining:
            status = "draining"
        elif not database:
            status = "database unreachable"
        elif stale:
            status = "scheduler stale"
        else:
            status = "ok"
        if health.slack is None:
            health.slack = SlackProbe(self.runtime.sender)
        body: dict[str, Any] = {
            "ok": status == "ok",
            "status": status,
            "database": "reachable" if database else "unreachable",
            "slack": health.slack.report(),
            "scheduler": {
                "enabled": health.scheduler_enabled,
                "last_pass_at": health.last_pass_at.isoformat() if health.last_pass_at else None,
                "last_pass_age_seconds": round(age, 3) if age is not None else None,
                "stale_after_seconds": health.stale_after,
                "stale": stale,
                "last_error": health.last_pass_error,
            },
        }
        return ("200 OK" if status == "ok" else "503 Service Unavailable"), body

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            refusal = refuse_hostile(environ)
            if refusal is not None:
                return _plain(start_response, *refusal)
            requests = self.health.requests
            if not requests.enter():
                # stopping: Slack retries this request, by then on a process that runs
                return _plain(start_response, "503 Service Unavailable", b"Kept is restarting.\n")
            try:
                return self.slack(environ, start_response)
            finally:
                requests.leave()
        if method == "GET" and self.is_oauth_path(path):
            return self.slack(environ, start_response)
        if path == "/healthz" and method in {"GET", "HEAD"}:
            status, body = self.healthz()
            payload = json.dumps(body).encode()
            start_response(
                status,
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        return _plain(
            start_response,
            "404 Not Found",
            b"Not found. Slack posts to /slack/events; health is at /healthz.\n",
        )

    def is_oauth_path(self, path: str) -> bool:
        """Bolt's install and redirect paths, when Kept is installed by OAuth."""
        flow = self.slack.app.oauth_flow
        return flow is not None and path in {flow.install_path, flow.redirect_uri_path}


_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


def refuse_hostile(environ: dict[str, Any]) -> tuple[str, bytes] | None:
    """Refuse what Bolt must not see: a body over MAX_BODY_BYTES (before it is read) and
    signature headers that are missing or malformed (Bolt would answer 500 to a non-numeric
    timestamp). Returns (status, body) to answer with, or None to go on."""
    length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if length_text and not length_text.isdigit():
        return "400 Bad Request", b"Bad Content-Length.\n"
    if length_text and int(length_text) > MAX_BODY_BYTES:
        return "413 Request Entity Too Large", b"Request body too large.\n"
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "").strip()
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "").strip()
    if not _TIMESTAMP.match(timestamp) or not _SIGNATURE.match(signature):
        return "401 Unauthorized", b"Not signed by Slack.\n"
    return None


def _plain(start_response: StartResponse, status: str, payload: bytes) -> Iterable[bytes]:
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
