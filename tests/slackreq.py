"""Build and send requests to the bot exactly the way Slack does.

Payload shapes follow Slack's documented slash command, interactivity and Events API
payloads closely enough for Bolt to route them (type, callback_id, action_id, team, user,
api_app_id, container, view, ...). Requests are signed as documented at
https://api.slack.com/authentication/verifying-requests-from-slack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

APP_ID = "A0KEPT"
BOT_USER_ID = "U0KEPTBOT"
BOT_ID = "B0KEPT"
TEAM_DOMAIN = "kept-test"
VERIFICATION_TOKEN = "verification-token-test"  # legacy field Slack still sends
DEFAULT_MESSAGE_TS = "1764000000.000100"


# ---------------------------------------------------------------------- signing


def signature(body: bytes, secret: str, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack adds to every request: X-Slack-Request-Timestamp and X-Slack-Signature."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, secret, ts),
    }


# ---------------------------------------------------------------------- ids


def new_trigger_id(issued: float | None = None) -> str:
    """A unique trigger id shaped like Slack's ("13345224609.738474920.8088930838d8"). Its
    first part is when it was issued (ms since the epoch): the fake Slack accepts it at
    views.open once, within 3 seconds of that, as Slack does."""
    at = time.time() if issued is None else issued
    return f"{int(at * 1000)}.{secrets.randbelow(9 * 10**8) + 10**8}.{secrets.token_hex(16)}"


# Slack's own references in text: <@U123>, <@U123|name>, <#C123|name>, <!here>,
# <!subteam^S1|@team>, <https://…|label>, <mailto:…>. They stay; everything else is escaped.
_REFERENCE = re.compile(r"<(?:[@#!][^<>\s]+|(?:https?|mailto):[^<>\s|]+)(?:\|[^<>]*)?>")


def slack_escaped(text: str) -> str:
    """Text as Slack sends it in slash commands, shortcuts and events: `&`, `<` and `>`
    become `&amp;`, `&lt;` and `&gt;`; Slack's own references (`<@U…>`, `<#C…|name>`,
    `<https://…|label>`) are kept as they are."""
    out: list[str] = []
    last = 0
    for match in _REFERENCE.finditer(text):
        out.append(_escape(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def _action_ts() -> str:
    return f"{time.time():.6f}"


def _user(user_id: str, team_id: str, user_name: str | None = None) -> dict[str, Any]:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _channel(channel_id: str) -> dict[str, Any]:
    return {"id": channel_id, "name": "directmessage" if channel_id[:1] == "D" else "general"}


# ---------------------------------------------------------------------- bodies


def slash_command_body(
    *,
    text: str,
    user_id: str = "U_OWNER",
    team_id: str = "T0001",
    channel_id: str = "C0001",
    command: str = "/promise",
    response_url: str,
    trigger_id: str | None = None,
    user_name: str | None = None,
) -> bytes:
    """Form-encoded slash command payload, fields in Slack's order."""
    fields = [
        ("token", VERIFICATION_TOKEN),
        ("team_id", team_id),
        ("team_domain", TEAM_DOMAIN),
        ("channel_id", channel_id),
        ("channel_name", _channel(channel_id)["name"]),
        ("user_id", user_id),
        ("user_name", user_name or user_id.lower()),
        ("command", command),
        ("text", slack_escaped(text)),
        ("api_app_id", APP_ID),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id or new_trigger_id()),
    ]
    return urllib.parse.urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """``payload=<url-encoded JSON>``, as Slack posts interactivity payloads."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def input_values(values: dict[str, dict[str, str | None]]) -> dict[str, Any]:
    """``{block_id: {action_id: text}}`` -> view ``state.values`` of plain_text_input elements."""
    return {
        block_id: {
            action_id: {"type": "plain_text_input", "value": value}
            for action_id, value in actions.items()
        }
        for block_id, actions in values.items()
    }


def block_action_payload(
    *,
    action_id: str,
    value: str,
    user_id: str,
    team_id: str = "T0001",
    response_url: str | None = None,
    channel_id: str | None = None,
    message_ts: str | None = None,
    trigger_id: str | None = None,
    view: dict[str, Any] | None = None,
    block_id: str = "actions",
    action_type: str = "button",
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload.

    With ``view`` the action comes from a modal or the App Home (container type "view");
    otherwise from a message in ``channel_id`` (default "C0001") at ``message_ts``.
    ``message`` overrides the message Slack echoes back (e.g. ``fake.message(ch, ts)``).
    ``action_type`` "static_select" sends ``selected_option`` instead of ``value``.
    """
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": _action_ts(),
    }
    if action_type == "button":
        action["value"] = value
        action["text"] = {"type": "plain_text", "text": value, "emoji": True}
    elif action_type in ("static_select", "external_select"):
        action["selected_option"] = {
            "text": {"type": "plain_text", "text": value, "emoji": True},
            "value": value,
        }
    else:
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if view is not None and view.get("type") == "home" and response_url is not None:
        raise ValueError("Slack sends no response_url with actions on the Home tab")
    if view is not None:
        full_view = _view(view, team_id)
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        payload["state"] = {"values": full_view["state"]["values"]}
    else:
        channel = channel_id or "C0001"
        ts = message_ts or (message or {}).get("ts") or DEFAULT_MESSAGE_TS
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        payload["channel"] = _channel(channel)
        echoed = dict(message) if message is not None else {}
        echoed.pop("channel", None)
        echoed.setdefault("type", "message")
        echoed.setdefault("user", BOT_USER_ID)
        echoed.setdefault("bot_id", BOT_ID)
        echoed.setdefault("text", "")
        echoed.setdefault("blocks", [])
        echoed["ts"] = ts
        payload["message"] = echoed
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def _view(view: dict[str, Any], team_id: str) -> dict[str, Any]:
    full: dict[str, Any] = {
        "id": "V1",
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": "1764000000.abcdef12",
        "title": {"type": "plain_text", "text": "Kept", "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view.get("id", "V1"),
        "app_id": APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }
    full.update(view)
    if full.get("type") == "home":
        full.pop("title", None)
    return full


def view_submission_payload(
    *,
    callback_id: str,
    values: dict[str, Any],
    user_id: str,
    team_id: str = "T0001",
    private_metadata: str = "",
    view_id: str = "V1",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload; ``values`` is the ``state.values`` dict
    (``{block_id: {action_id: {"type": ..., "value": ...}}}``, see :func:`input_values`)."""
    view = _view(
        {
            "id": view_id,
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "root_view_id": view_id,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
        },
        team_id,
    )
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_shortcut_payload(
    *,
    callback_id: str,
    user_id: str,
    message_text: str,
    message_user: str,
    channel_id: str = "C0001",
    message_ts: str = DEFAULT_MESSAGE_TS,
    team_id: str = "T0001",
    response_url: str | None = None,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A message shortcut (``message_action``) payload."""
    payload: dict[str, Any] = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": _action_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": _channel(channel_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "message_ts": message_ts,
        "message": {
            "type": "message",
            "user": message_user,
            "ts": message_ts,
            "text": slack_escaped(message_text),
            "team": team_id,
        },
        "api_app_id": APP_ID,
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def event_body(
    event: dict[str, Any], *, team_id: str = "T0001", event_id: str | None = None
) -> bytes:
    """Events API ``event_callback`` envelope as JSON; post it as "application/json"."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(16),
    }
    return json.dumps(envelope).encode()


def app_home_opened_event(user_id: str, *, tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id[1:],
        "tab": tab,
        "event_ts": _action_ts(),
    }


def message_im_event(
    user_id: str,
    text: str,
    *,
    channel: str | None = None,
    ts: str | None = None,
    team_id: str = "T0001",
) -> dict[str, Any]:
    """A person's direct message to the app (``message.im``), text escaped as Slack does."""
    ts = ts or _action_ts()
    return {
        "type": "message",
        "channel": channel or "D" + user_id[1:],
        "user": user_id,
        "text": slack_escaped(text),
        "ts": ts,
        "event_ts": ts,
        "channel_type": "im",
        "team": team_id,
        "client_msg_id": secrets.token_hex(16),
    }


def app_uninstalled_event() -> dict[str, Any]:
    return {"type": "app_uninstalled", "event_ts": _action_ts()}


def tokens_revoked_event(*, bot: list[str] | None = None, oauth: list[str] | None = None) -> dict:
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": oauth or [], "bot": bot if bot is not None else [BOT_USER_ID]},
        "event_ts": _action_ts(),
    }


def app_rate_limited_body(*, team_id: str = "T0001") -> bytes:
    """Slack's notice that it dropped events for the app this minute: no ``event`` inside."""
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "type": "app_rate_limited",
            "team_id": team_id,
            "minute_rate_limited": int(time.time()) // 60 * 60,
            "api_app_id": APP_ID,
        }
    ).encode()


def url_verification_body(challenge: str = "challenge-token") -> bytes:
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    ).encode()


# ---------------------------------------------------------------------- HTTP

# Loopback traffic must never go through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0
    _lower: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._lower = {k.lower(): v for k, v in self.headers.items()}

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        return self._lower.get(name.lower(), default)


def post(
    url: str,
    body: bytes,
    *,
    secret: str | None,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
    extra_headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    """POST ``body`` to ``url`` over real HTTP, signed with ``secret`` when given.

    4xx/5xx answers are returned as a Reply, never raised. Connection errors do raise.
    """
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers.update(sign(body, secret, timestamp))
    if extra_headers:
        headers.update(extra_headers)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    start = time.monotonic()
    try:
        with _OPENER.open(request, timeout=timeout) as resp:
            data = resp.read()
            return Reply(resp.status, dict(resp.headers.items()), data, time.monotonic() - start)
    except urllib.error.HTTPError as err:
        data = err.read()
        return Reply(err.code, dict(err.headers.items()), data, time.monotonic() - start)
