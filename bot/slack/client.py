"""The one Slack Web API client factory, used by handlers and scheduler alike."""

from __future__ import annotations

import logging
from collections.abc import Sequence
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

log = logging.getLogger(__name__)


def make_client(
    settings: Settings,
    *,
    retries: bool = True,
    extra_handlers: Sequence[RetryHandler] = (),
) -> WebClient:
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
    return WebClient(
        token=settings.slack_bot_token or None,  # None in OAuth mode: per workspace
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,  # type: ignore[arg-type]
        retry_handlers=handlers,
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
