"""The one Slack Web API client factory, used by handlers and scheduler alike."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from bot.settings import Settings
from bot.store.db import write_open

log = logging.getLogger(__name__)


class NetworkInTransaction(RuntimeError):
    """A Slack call was made while this thread had a write transaction open (strict mode)."""


@dataclass
class Guard:
    """No Slack call while a write transaction is open (SPEC §4). In strict mode (tests,
    `Settings.strict_transactions`) such a call is refused and remembered in `refused`, so a
    test fails even where the caller swallows the error and carries on."""

    strict: bool = False
    refused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, method: str) -> None:
        if not write_open():
            return
        if not self.strict:  # in production: said in the log, the call goes ahead
            log.warning("Slack's %s was called inside a write transaction", method)
            return
        with self._lock:
            self.refused.append(f"{method} in {threading.current_thread().name}")
        log.error("Slack's %s was called inside a write transaction", method)
        raise NetworkInTransaction(f"{method} called while a write transaction is open")


class KeptClient(WebClient):
    """slack_sdk's WebClient that asks its Guard before every call."""

    def __init__(self, *args: Any, guard: Guard | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard or Guard()

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        self.guard.check(api_method)
        return super().api_call(api_method, **kwargs)


def client_like(base: WebClient, *, token: str | None, team_id: str | None = None) -> KeptClient:
    """A client for `token` with `base`'s address, timeout, retry handlers and guard."""
    return KeptClient(
        token=token,
        base_url=base.base_url,
        timeout=base.timeout,
        ssl=base.ssl,
        proxy=base.proxy,
        headers=dict(base.headers or {}),
        team_id=team_id,
        logger=base.logger,
        retry_handlers=list(base.retry_handlers or []),
        guard=base.guard if isinstance(base, KeptClient) else None,
    )


def make_client(
    settings: Settings,
    *,
    retries: bool = True,
    extra_handlers: Sequence[RetryHandler] = (),
    guard: Guard | None = None,
) -> KeptClient:
    """A WebClient for SLACK_API_URL. With `retries`, connection errors, 5xx and 429 (after its
    Retry-After) are retried a few times before the caller sees the error. `extra_handlers`
    come first and see every answer (bot.ops.metrics counts Slack errors that way)."""
    handlers: list[RetryHandler] = list(extra_handlers) + (
        [
            ConnectionErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else []
    )
    return KeptClient(
        token=settings.slack_bot_token or None,  # None in OAuth mode: per workspace
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,  # type: ignore[arg-type]
        retry_handlers=handlers,
        guard=guard,
    )


def fetch_user(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """Slack's users.info `user` object; None if Slack has no such user."""
    try:
        response = client.users_info(user=user_id, include_locale=True)
    except SlackApiError as error:
        if error.response.get("error") in {"user_not_found", "users_not_found"}:
            return None
        raise
    user = response.get("user")
    return user if isinstance(user, dict) else None


def fetch_profile(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """Slack's users.profile.get `profile` (with the custom status); None if Slack refuses."""
    try:
        response = client.users_profile_get(user=user_id)
    except SlackApiError as error:
        log.warning("users.profile.get for %s failed: %s", user_id, error.response.get("error"))
        return None
    profile = response.get("profile")
    return profile if isinstance(profile, dict) else None


def send_dm(client: WebClient, user_id: str, message: dict[str, Any]) -> dict[str, Any] | None:
    """Post a DM from the app to a user; logs and returns None when Slack refuses."""
    try:
        response = client.chat_postMessage(
            channel=user_id, text=message.get("text", ""), blocks=message.get("blocks")
        )
        return dict(response.data) if isinstance(response.data, dict) else None
    except SlackApiError as error:
        log.warning("DM to %s failed: %s", user_id, error.response.get("error"))
        return None


def granted_scopes(client: WebClient) -> frozenset[str]:
    """The scopes Slack granted the token, from the `x-oauth-scopes` header Slack adds to its
    answers (asked with auth.test, which needs no scope)."""
    response = client.auth_test()
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    raw = headers.get("x-oauth-scopes") or ""
    if isinstance(raw, list):  # slack_sdk keeps repeated headers as lists
        raw = ",".join(raw)
    return frozenset(s.strip() for s in str(raw).split(",") if s.strip())
