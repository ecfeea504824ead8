"""create_app(runtime) -> a Bolt App with every handler registered. No work at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.ops.oauth import remember_workspaces
from bot.runtime import Runtime
from bot.slack.client import client_like
from bot.slack.lifecycle import Requests
from handlers import (
    actions,
    away,
    checkins,
    commands,
    confirm_deadline,
    events,
    home,
    noticing,
    shortcuts,
    views,
    workflow_steps,
)

log = logging.getLogger("kept")
T = TypeVar("T")


MAX_PENDING_WORK = 1000
SOCKET_MODE_PING_INTERVAL = 2.0  # seconds


class BoundedExecutor(ThreadPoolExecutor):
    """The pool that runs what follows an ack (opening a form, answering on a response URL).
    At most `max_pending` jobs wait or run; past that, submitting waits (backpressure)
    instead of queueing without bound."""

    def __init__(self, max_workers: int, *, max_pending: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="kept-listener")
        self._room = threading.BoundedSemaphore(max_pending)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self._room.acquire()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._room.release()
            raise
        future.add_done_callback(lambda _done: self._room.release())
        return future


class _QuietTokenNotice(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client we
    hand it wins; that is the intent, so the warning is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


def guard_listener_clients(app: App, runtime: Runtime) -> None:
    """The client Bolt injects into a listener (the workspace's own token) becomes one of
    Kept's clients, with the runtime's retries and its guard against Slack calls inside a
    write transaction (bot.slack.client.Guard)."""

    def wrap(context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        given = context.get("client")
        if given is not None:
            context["client"] = client_like(
                runtime.client, token=given.token, team_id=context.team_id
            )
        return next()

    app.use(wrap)


def create_app(runtime: Runtime) -> App:
    bolt_log = logging.getLogger("kept.bolt")
    if not any(isinstance(f, _QuietTokenNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_QuietTokenNotice())
    oauth = runtime.installations
    app = App(
        client=runtime.client,
        signing_secret=runtime.settings.slack_signing_secret,
        token_verification_enabled=False,
        # OAuth mode: "Add to Slack" at /slack/install, tokens per workspace (bot.ops.oauth)
        oauth_settings=oauth.oauth_settings() if oauth is not None else None,
        # the listener runs (and commits) before Slack gets its answer: acknowledged means
        # stored, and a slash command's reply travels in the acknowledgement itself
        process_before_response=True,
        logger=bolt_log,
        # what needs Slack's own answer after the ack (views.open, response URLs) runs here
        listener_executor=BoundedExecutor(
            max(8, runtime.settings.http_threads), max_pending=MAX_PENDING_WORK
        ),
    )
    guard_listener_clients(app, runtime)
    if oauth is not None:
        remember_workspaces(app, oauth)
    commands.register(app, runtime)
    actions.register(app, runtime)
    views.register(app, runtime)
    shortcuts.register(app, runtime)
    home.register(app, runtime)
    confirm_deadline.register(app, runtime)
    checkins.register(app, runtime)
    away.register(app, runtime)
    workflow_steps.register(app, runtime)  # Workflow Builder steps (function_executed)
    noticing.register(app, runtime)
    events.register(app, runtime)  # last: it acknowledges every event nobody else handles
    return app


def socket_mode_handler(
    app: App, runtime: Runtime, requests: Requests | None = None
) -> SocketModeHandler:
    """Socket Mode: Kept connects out to Slack with SLACK_APP_TOKEN; no public URL needed.
    The same listeners serve it; Slack's Socket Mode endpoint comes from SLACK_API_URL too.

    slack_sdk's built-in client reconnects at once on a close frame or a `disconnect` message,
    but notices a connection cut without one only when its pings fail or go unanswered
    (5 failed checks, or 4 intervals without a pong): with Bolt's 10 s interval that is about
    a minute of lost commands, with `SOCKET_MODE_PING_INTERVAL` about 10 s. (websocket-client's
    handler notices at once but opens two or three connections per reconnect, and
    apps.connections.open is rate-limited.)"""
    if not runtime.settings.slack_app_token:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
    counted = requests or Requests()

    class Draining(SocketModeHandler):  # type: ignore[misc]
        """Counts envelopes in flight; once the process is stopping, takes none (it is not
        acknowledged, so Slack delivers it again, by then to a process that runs)."""

        def handle(self, client: Any, req: Any) -> None:
            if not counted.enter():
                return
            try:
                super().handle(client, req)
            finally:
                counted.leave()

    return Draining(
        app,
        runtime.settings.slack_app_token,
        logger=logging.getLogger("kept.socket_mode"),
        ping_interval=SOCKET_MODE_PING_INTERVAL,
    )
