"""The WSGI application served in HTTP mode: `POST /slack/events`, `GET /healthz`,
`GET /metrics`, and with OAuth settings `GET /slack/install` and `GET /slack/oauth_redirect`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.runtime import Runtime
from bot.store.db import ping

EVENTS_PATH = "/slack/events"
METRICS_PATH = "/metrics"
StartResponse = Callable[..., Any]


class HealthState:
    """What /healthz reports about the scheduler: set by the scheduler after each pass."""

    def __init__(self) -> None:
        self.scheduler_enabled = False
        self.last_pass_at: datetime | None = None
        self.last_pass_error: str | None = None


class KeptWSGI:
    def __init__(self, app: App, runtime: Runtime, health: HealthState | None = None) -> None:
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)
        self.runtime = runtime
        self.health = health or HealthState()

    def healthz(self) -> tuple[str, dict[str, Any]]:
        database = ping(self.runtime.engine)
        body: dict[str, Any] = {
            "ok": database,
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
            return self.slack(environ, start_response)
        if method == "GET" and path == METRICS_PATH:
            return self.metrics(start_response)
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
        payload = b"Not found. Slack posts to /slack/events; health is at /healthz.\n"
        start_response(
            "404 Not Found",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def metrics(self, start_response: StartResponse) -> Iterable[bytes]:
        """Prometheus text format (bot.ops.metrics)."""
        from bot.ops.metrics import CONTENT_TYPE

        payload = self.runtime.metrics.render()
        start_response(
            "200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(payload)))]
        )
        return [payload]

    def is_oauth_path(self, path: str) -> bool:
        """Bolt's install and redirect paths, when Kept is installed by OAuth."""
        flow = self.slack.app.oauth_flow
        return flow is not None and path in {flow.install_path, flow.redirect_uri_path}
