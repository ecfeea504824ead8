"""Connecting to Slack in Socket Mode, as an operator would want it.

slack_sdk's client raises on the first failed `apps.connections.open` (a traceback at start-up
when Slack is unreachable or the app token is wrong). Here: a refused token stops start-up with
one line; an unreachable Slack is retried with back-off, one log line per try. Once connected,
slack_sdk's own monitor reconnects after a dropped socket or a `disconnect` message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger("kept")

# apps.connections.open errors that no retry will fix
TOKEN_REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "missing_scope",
    }
)


class SocketModeRefused(Exception):
    """Slack refused SLACK_APP_TOKEN; the message is one line saying what to do."""


def refusal_message(error: str) -> str:
    if error == "not_allowed_token_type":
        return (
            "Slack refused SLACK_APP_TOKEN (not_allowed_token_type): it must be an app-level "
            "token (xapp-...) from Basic Information > App-Level Tokens"
        )
    if error == "missing_scope":
        return (
            "Slack refused SLACK_APP_TOKEN (missing_scope): give the app-level token the "
            "connections:write scope"
        )
    return (
        f"Slack refused SLACK_APP_TOKEN ({error}): generate an app-level token with "
        "connections:write under Basic Information > App-Level Tokens and copy it again"
    )


def connect(
    handler: SocketModeHandler,
    *,
    where: str,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
    stop: threading.Event | None = None,
    sleep: Callable[[float], object] | None = None,
) -> bool:
    """Open the Socket Mode connection, retrying with back-off while Slack can't be reached.
    Raises SocketModeRefused when Slack refuses the token. Returns False if `stop` was set
    before a connection was made."""
    stop = stop or threading.Event()
    wait = sleep or stop.wait
    delay = first_delay
    attempt = 0
    while not stop.is_set():
        attempt += 1
        handler.client.wss_uri = None  # always ask Slack for a fresh URL
        try:
            handler.connect()
            log.info("Socket Mode connected to Slack (try %s)", attempt)
            return True
        except SlackApiError as error:
            code = str(error.response.get("error") or "error")
            if code in TOKEN_REFUSED:
                raise SocketModeRefused(refusal_message(code)) from None
            reason = f"Slack answered {code}"
        except Exception as error:  # noqa: BLE001 - any transport failure: retry
            reason = f"can't reach Slack at {where} ({type(error).__name__})"
        log.warning("Socket Mode: %s; trying again in %.0fs (try %s)", reason, delay, attempt)
        wait(delay)
        delay = min(delay * 2, max_delay)
    return False


def serve(handler: SocketModeHandler, *, where: str, stop: threading.Event) -> None:
    """Connect, then keep serving until `stop` is set; slack_sdk reconnects by itself."""
    if not connect(handler, where=where, stop=stop):
        return
    try:
        while not stop.wait(1.0):
            pass
    finally:
        handler.close()
