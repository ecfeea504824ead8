"""create_app(runtime) -> a Bolt App with every handler registered. No work at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt import App

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.runtime import Runtime

log = logging.getLogger("kept")
T = TypeVar("T")


MAX_PENDING_WORK = 1000


class BoundedExecutor(ThreadPoolExecutor):
    """The pool that runs the work after each ack. At most `max_pending` jobs wait or run;
    past that, submitting waits, so an overloaded bot acknowledges Slack later (backpressure)
    instead of queueing without bound and answering after the response URL has expired."""

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


def create_app(runtime: Runtime) -> App:
    from handlers import actions, commands, events, home, reminders, shortcuts, views

    bolt_log = logging.getLogger("kept.bolt")
    if not any(isinstance(f, _QuietTokenNotice) for f in bolt_log.filters):
        bolt_log.addFilter(_QuietTokenNotice())
    app = App(
        client=runtime.client,
        signing_secret=runtime.settings.slack_signing_secret,
        token_verification_enabled=False,
        # ack() runs in the request thread; the work after it runs as lazy listeners
        process_before_response=True,
        logger=bolt_log,
        # the work after ack() (database, replies) runs here
        listener_executor=BoundedExecutor(
            max(8, runtime.settings.http_threads), max_pending=MAX_PENDING_WORK
        ),
    )
    commands.register(app, runtime)
    actions.register(app, runtime)
    views.register(app, runtime)
    reminders.register(app, runtime)
    shortcuts.register(app, runtime)
    home.register(app, runtime)
    events.register(app, runtime)  # last: it acknowledges every event nobody else handles
    return app


def socket_mode_handler(app: App, runtime: Runtime) -> SocketModeHandler:
    """Socket Mode: Kept connects out to Slack with SLACK_APP_TOKEN; no public URL needed.
    The same listeners serve it; Slack's Socket Mode endpoint comes from SLACK_API_URL too."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if not runtime.settings.slack_app_token:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
    return SocketModeHandler(app, runtime.settings.slack_app_token)
