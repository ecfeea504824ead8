"""The WSGI application served in HTTP mode: `POST /slack/events` and `GET /healthz`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.runtime import Runtime
from bot.slack.lifecycle import Requests
from bot.store.db import ping

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]


class HealthState:
    """What /healthz reports about the scheduler: set by the scheduler after each pass."""

    def __init__(self) -> None:
        self.scheduler_enabled = False
        self.last_pass_at: datetime | None = None
        self.last_pass_error: str | None = None
        # requests in flight; draining once the process is stopping (bot.slack.lifecycle)
        self.requests = Requests()


class KeptWSGI:
    def __init__(self, app: App, runtime: Runtime, health: HealthState | None = None) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.runtime = runtime
        self.health = health or HealthState()

    def healthz(self) -> tuple[str, dict[str, Any]]:
        if self.health.requests.draining:
            return "503 Service Unavailable", {"ok": False, "status": "draining"}
        database = ping(self.runtime.engine)
        body: dict[str, Any] = {
            "ok": database,
            "status": "ok" if database else "database unreachable",
            "database": "reachable" if database else "unreachable",
            "scheduler": {
                "enabled": self.health.scheduler_enabled,
                "last_pass_at": (
                    self.health.last_pass_at.isoformat() if self.health.last_pass_at else None
                ),
                "last_error": self.health.last_pass_error,
            },
        }
        return ("200 OK" if database else "503 Service Unavailable"), body

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH and method == "POST":
            requests = self.health.requests
            if not requests.enter():
                # stopping: Slack retries this request, by then on a process that runs
                return _plain(start_response, "503 Service Unavailable", b"Kept is restarting.\n")
            try:
                return self.slack(environ, start_response)
            finally:
                requests.leave()
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


def _plain(start_response: StartResponse, status: str, payload: bytes) -> list[bytes]:
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))],
    )
    return [payload]
