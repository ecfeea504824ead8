"""A fake Slack Web API served over real HTTP on loopback.

Point a ``slack_sdk.WebClient`` at it with ``base_url=fake.api_url``. Every request is
recorded as a :class:`Call`; tests assert on those and on the stored messages and views.

    fake = FakeSlack().start()
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    client.chat_postMessage(channel="U1", text="hi")
    fake.wait_for("chat.postMessage")
    fake.stop()

Only the standard library is used. One lock guards all state and is held only for small
dictionary operations; JSON parsing and encoding happen outside it.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
import socket
import threading
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tests import blockkit
from tests.fake_channels import Channels

BOT_USER_ID = "U0KEPTBOT"
BOT_ID = "B0KEPT"
APP_ID = "A0KEPT"
TEAM_DOMAIN = "kept-test"

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
TRIGGER_TTL = 3.0  # seconds a trigger id may be exchanged for a view (wall clock)

# Bot-token scopes each method requires, from Slack's method reference (docs.slack.dev/
# reference/methods/<method>, "Required scopes"). A tuple lists alternatives: any one will do.
# conversations.history depends on the kind of conversation: see _needed_scopes.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "apps.connections.open": ("connections:write",),  # an app-level token's scope
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "users.profile.get": ("users.profile:read",),
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    "conversations.replies": ("channels:history", "groups:history", "im:history", "mpim:history"),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    # noticing promises in watched channels (SPEC §2.5); see the section "channels" below
    "conversations.join": ("channels:join",),
    "team.info": ("team:read",),
}
_HISTORY_SCOPE = {"C": "channels:history", "G": "groups:history", "D": "im:history"}
_TRIGGER = re.compile(r"^(\d{10,13})\.\d+\.[0-9a-f]+$")


def manifest_scopes() -> frozenset[str]:
    """The bot scopes manifest.yml asks for: what an install of Kept grants its token."""
    data = yaml.safe_load(MANIFEST.read_text())
    return frozenset(data["oauth_config"]["scopes"]["bot"])


_JSON_FIELDS = ("blocks", "view", "metadata", "attachments")
_DEFAULT_ERRORS = {
    429: "ratelimited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
_TZ_LABELS = {
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "UTC": "Coordinated Universal Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
}

Params = dict[str, Any]
Handler = Callable[[Params], dict[str, Any]]


@dataclass
class Call:
    """One request the fake received."""

    method: str  # e.g. "chat.postMessage", or "response_url" for posts to a response URL
    params: dict[str, Any]  # query string + form fields + JSON body, JSON-ish fields decoded
    token: str | None  # from "Authorization: Bearer" or the `token` param
    at: float  # time.monotonic() when the request arrived
    status: int  # HTTP status the fake answered with
    response: dict[str, Any] | None  # JSON body the fake answered with

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    error: str | None
    delay: float


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _ts_key(ts: Any) -> float:
    try:
        return float(ts)
    except (TypeError, ValueError):
        return 0.0


def _tz_info(tz: str, moment: float) -> tuple[str, int]:
    """Slack's tz_label and tz_offset for a zone, as they stand at ``moment`` (epoch s)."""
    try:
        now = datetime.fromtimestamp(moment, ZoneInfo(tz))
    except Exception:  # unknown zone name: behave like UTC
        return "Coordinated Universal Time", 0
    offset = now.utcoffset()
    abbr = now.tzname() or tz
    return _TZ_LABELS.get(abbr, abbr), int(offset.total_seconds()) if offset else 0


def _basic_credentials(encoded: str) -> dict[str, str]:
    """HTTP Basic auth as oauth.v2.access takes it: client_id:client_secret."""
    import base64

    try:
        client_id, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except ValueError:
        return {}
    return {"client_id": client_id, "client_secret": secret}


def _decode_json_fields(params: Params) -> None:
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, off by the fake's clock_skew (to test `kept doctor`)."""
        moment = time.time() if timestamp is None else timestamp
        return super().date_time_string(moment + self.server.fake.clock_skew)

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        self._handle(self._read_body())

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self, body: bytes) -> None:
        arrived = time.monotonic()
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path.startswith("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/response/"):
            method = "response_url"
        elif path.startswith("/upload/"):  # a files.getUploadURLExternal URL
            status, text = self.server.fake._receive_upload(path[len("/upload/") :], body)
            self._send_text(status, text)
            return
        else:
            self._send(404, {"ok": False, "error": "not_found"}, {})
            return
        params: Params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        ctype = self.headers.get("Content-Type", "").lower()
        if body:
            if "json" in ctype:
                try:
                    decoded = json.loads(body)
                except ValueError:
                    decoded = None
                if isinstance(decoded, dict):
                    params.update(decoded)
                elif method != "response_url":
                    params["_invalid_json"] = body.decode("utf-8", "replace")
            elif "x-www-form-urlencoded" in ctype or not ctype:
                params.update(
                    urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                )
        _decode_json_fields(params)
        if method == "response_url":
            params["_key"] = urllib.parse.unquote(path[len("/response/") :])
        token: str | None = None
        auth = self.headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            token = auth[7:].strip() or None
        if token is None and isinstance(params.get("token"), str):
            token = params["token"] or None
        if auth[:6].lower() == "basic ":  # oauth.v2.access: client credentials
            params.update(_basic_credentials(auth[6:]))
        status, response, headers = self.server.fake._dispatch(method, params, token, arrived)
        self._send(status, response, headers)

    def _send_text(self, status: int, text: str) -> None:
        payload = text.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True

    def _send(self, status: int, response: dict[str, Any], headers: dict[str, str]) -> None:
        payload = json.dumps(response).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (e.g. it timed out during an injected delay)
            self.close_connection = True


class FakeSlack(Channels):
    """Fake Slack Web API; see the module docstring."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test",
        team_id: str = "T0001",
        scopes: frozenset[str] | None = None,
    ) -> None:
        """``scopes``: what ``bot_token`` was granted; by default manifest.yml's bot scopes."""
        self.bot_token = bot_token
        self.team_id = team_id
        self.valid_tokens: set[str] = {bot_token}
        self._scopes: dict[str, frozenset[str]] = {
            bot_token: manifest_scopes() if scopes is None else frozenset(scopes)
        }
        self._used_triggers: set[str] = set()
        self._gone_channels: set[str] = set()
        self._revoked: set[str] = set()
        self._local = threading.local()  # the scopes of the request being answered
        # What the fake takes for "now" (epoch seconds): statuses expire, zones change offset
        # and messages are stamped by it. Tests point it at their own clock (conftest), so
        # fixed dates never meet the real one.
        self.now: Callable[[], float] = time.time
        self.app_tokens: set[str] = set()  # app-level (xapp-) tokens: apps.connections.open only
        self.socket_mode: Any = None  # a tests.fake_socket_mode.FakeSocketMode, when attached
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._generation = 0  # bumped by clear() so waiters restart their scan
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._ims: dict[tuple[str, ...], str] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._channel_ts: dict[str, list[str]] = {}
        self._ephemerals: list[dict[str, Any]] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}  # user id -> view id
        self._last_ts_us = 0
        self._seq = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "users.profile.get": self._users_profile_get,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "response_url": self._response_url,
        }
        self.add_user(BOT_USER_ID, name="kept", is_bot=True)
        self._init_workspaces()
        self._init_workflow_steps()
        self._init_files()
        self._init_channels()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakeslack",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with server.sockets_lock:
            sockets = list(server.open_sockets)
        for sock in sockets:  # end idle keep-alive connections so their threads exit
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "r") -> str:
        return f"{self.base_url}/response/{urllib.parse.quote(key, safe='')}"

    # ------------------------------------------------------------------ test setup

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        tz: str = "America/Los_Angeles",
        email: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
        team_id: str | None = None,
        real_name: str | None = None,
        locale: str = "en-US",
    ) -> None:
        """Register a user. ``email`` defaults to ``<name>@example.com`` (not for bots).
        ``locale`` is returned by users.info only when asked with include_locale=true."""
        name = name or user_id.lower()
        real = real_name or name.replace(".", " ").replace("_", " ").title()
        if email is None and not is_bot:
            email = f"{name}@example.com"
        user = {
            "locale": locale,
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": tz,
            "profile": {
                "real_name": real,
                "real_name_normalized": real,
                "display_name": name,
                "display_name_normalized": name,
                "team": team_id or self.team_id,
            },
        }
        if email is not None:
            user["profile"]["email"] = email
        if is_bot:
            user["profile"]["bot_id"] = BOT_ID if user_id == BOT_USER_ID else f"B{user_id[1:]}"
        with self._lock:
            self._users[user_id] = user

    def add_token(self, token: str, *, scopes: frozenset[str] | None = None) -> None:
        """Accept another token (e.g. a second workspace's bot token), by default with
        manifest.yml's scopes."""
        with self._lock:
            self.valid_tokens.add(token)
            self._revoked.discard(token)
            self._scopes[token] = manifest_scopes() if scopes is None else frozenset(scopes)

    def set_scopes(self, scopes: frozenset[str] | set[str], token: str | None = None) -> None:
        """Change what a token was granted (default: the bot token), like a reinstall."""
        with self._lock:
            self._scopes[token or self.bot_token] = frozenset(scopes)

    def scopes(self, token: str | None = None) -> frozenset[str]:
        with self._lock:
            return self._scopes.get(token or self.bot_token, frozenset())

    def revoke(self, token: str | None = None) -> None:
        """The token stops working (uninstalled app, revoked token): Slack answers
        ``token_revoked`` from then on."""
        with self._lock:
            self.valid_tokens.discard(token or self.bot_token)
            self._revoked.add(token or self.bot_token)

    def delete_channel(self, channel_id: str) -> None:
        """The channel is gone: posting to it answers ``channel_not_found``."""
        with self._lock:
            self._gone_channels.add(channel_id)

    def add_app_token(self, token: str) -> None:
        """Accept an app-level token; Slack takes it for apps.connections.open and nothing else
        (and takes no bot token there): `not_allowed_token_type`."""
        with self._lock:
            self.valid_tokens.add(token)
            self.app_tokens.add(token)
            self._scopes[token] = frozenset({"connections:write"})

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` calls of ``method`` fail.

        429 is answered with a Retry-After header (unless ``retry_after`` is None); other
        statuses with ``{"ok": false, "error": ...}``. ``status=200`` with ``error`` answers
        ``{"ok": false, "error": error}``; ``status=200`` without ``error`` only applies
        ``delay`` and then answers normally. ``delay`` seconds are slept before answering.
        """
        fault = _Fault(status=status, retry_after=retry_after, error=error, delay=delay)
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend(fault for _ in range(times))

    def open_connections(self) -> int:
        """How many client connections are open right now (a request may be held in a delay)."""
        server = self._server
        if server is None:
            return 0
        with server.sockets_lock:
            return len(server.open_sockets)

    def limit_rates(self, limits: RateLimits | None = None) -> None:
        """Enforce Slack's rate limits from now on (see RateLimits; default: its defaults)."""
        _limit_rates(self, limits if limits is not None else RateLimits())

    def unlimit_rates(self) -> None:
        """Stop enforcing rate limits."""
        _limit_rates(self, None)

    @property
    def rate_limited(self) -> int:
        """How many calls the rate limits answered 429 (injected faults not counted)."""
        limiter = getattr(self, "_rate_limiter", None)
        return limiter.limited if limiter is not None else 0

    def set_delay(self, method: str, seconds: float) -> None:
        """Delay every call of ``method`` by ``seconds`` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def clear(self) -> None:
        """Forget recorded calls and pending faults (users, messages and views are kept)."""
        with self._cond:
            self._calls = []
            self._faults.clear()
            self._generation += 1
            self._cond.notify_all()

    def reset(self) -> None:
        """clear() plus forgetting messages, views and delays."""
        with self._cond:
            self._messages.clear()
            self._channel_ts.clear()
            self._ephemerals.clear()
            self._views.clear()
            self._home_views.clear()
            self._delays.clear()
        self.clear()

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            snapshot = list(self._calls)
        if method is None:
            return snapshot
        return [c for c in snapshot if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` match and return all matching calls.

        Without ``where`` only successful calls (HTTP 200 and ``ok: true``) match; with
        ``where`` that predicate alone decides. Raises AssertionError on timeout.
        """
        predicate = where if where is not None else (lambda c: c.ok)
        deadline = time.monotonic() + timeout
        matched: list[Call] = []
        seen = 0
        generation = -1
        while True:
            with self._cond:
                if generation != self._generation:
                    generation, seen, matched = self._generation, 0, []
                new = self._calls[seen:]
                seen = len(self._calls)
            matched.extend(c for c in new if c.method == method and predicate(c))
            if len(matched) >= count:
                return matched
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(self._timeout_summary(method, count, timeout, matched))
            with self._cond:
                if len(self._calls) == seen and generation == self._generation:
                    self._cond.wait(min(remaining, 0.25))

    def _timeout_summary(self, method: str, count: int, timeout: float, matched: list[Call]) -> str:
        calls = self.calls()
        lines = [
            f"FakeSlack: expected {count} matching {method!r} call(s) within {timeout}s, "
            f"got {len(matched)}. Received {len(calls)} call(s) in total:"
        ]
        tally: dict[tuple[str, int, str], int] = {}
        for c in calls:
            outcome = "ok" if c.ok else str((c.response or {}).get("error", "?"))
            key = (c.method, c.status, outcome)
            tally[key] = tally.get(key, 0) + 1
        for (m, status, outcome), n in sorted(tally.items()):
            lines.append(f"  {m}: {n} x HTTP {status} {outcome}")
        same = [c for c in calls if c.method == method][-5:]
        if same:
            lines.append(f"Last {len(same)} {method!r} call(s):")
            for c in same:
                text = json.dumps(c.params, default=str)
                if len(text) > 400:
                    text = text[:400] + "..."
                error = (c.response or {}).get("error")
                lines.append(f"  HTTP {c.status} error={error} params={text}")
        return "\n".join(lines)

    def messages_to(self, user_or_channel_id: str) -> list[dict[str, Any]]:
        """Stored messages in a channel, or in a user's IM when given a user id; oldest first."""
        with self._lock:
            channel = self._channel_for(user_or_channel_id)
            tss = list(self._channel_ts.get(channel, ()))
            msgs = [self._messages[(channel, ts)] for ts in tss if (channel, ts) in self._messages]
            return copy.deepcopy(msgs)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            msg = self._messages.get((self._channel_for(channel), ts))
            return copy.deepcopy(msg) if msg is not None else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """All stored messages, oldest first."""
        with self._lock:
            msgs = sorted(self._messages.values(), key=lambda m: _ts_key(m["ts"]))
            return copy.deepcopy(msgs)

    def ephemerals(self, user_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [e for e in self._ephemerals if user_id is None or e["user"] == user_id]
            return copy.deepcopy(found)

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._home_views.get(user_id)
            view = self._views.get(view_id) if view_id else None
            return copy.deepcopy(view) if view is not None else None

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            view = self._views.get(view_id)
            return copy.deepcopy(view) if view is not None else None

    def im_id(self, *user_ids: str) -> str:
        """The IM (or group DM) id conversations.open returns for these users."""
        with self._lock:
            return self._im_for(tuple(user_ids))

    def user_writes_dm(
        self, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """A person writes in their DM with the app (in a thread of it with `thread_ts`): the
        message is stored like Slack stores it (history, threads), and the `message.im` event
        Slack sends for it is returned, with `parent_user_id` for a thread reply."""
        with self._lock:
            channel = self._im_for((user_id,))
            ts = self._next_ts()
            msg: dict[str, Any] = {"type": "message", "user": user_id, "text": text, "ts": ts}
            parent = self._messages.get((channel, thread_ts)) if thread_ts else None
            if thread_ts:
                msg["thread_ts"] = thread_ts
                msg["parent_user_id"] = (parent or {}).get("user", "")
            msg["channel"] = channel
            self._messages[(channel, ts)] = msg
            self._channel_ts.setdefault(channel, []).append(ts)
        event = {k: v for k, v in msg.items() if k != "channel"}
        event.update(
            channel=channel,
            text=text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
            event_ts=ts,
            channel_type="im",
            team=self.team_id,
            client_msg_id=uuid.uuid4().hex,
        )
        return event

    # ------------------------------------------------------------------ dispatch

    def _dispatch(
        self, method: str, params: Params, token: str | None, arrived: float
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            queue = self._faults.get(method)
            fault = queue.popleft() if queue else None
            delay = self._delays.get(method, 0.0)
            token_ok = token in self.valid_tokens
            revoked = token in self._revoked
            granted = self._scopes.get(token or "", frozenset())
        if fault is not None:
            delay += fault.delay
        if delay > 0:
            time.sleep(delay)
        headers: dict[str, str] = {}
        status = 200
        if fault is not None and (fault.status != 200 or fault.error is not None):
            status = fault.status
            response: dict[str, Any] = {
                "ok": False,
                "error": fault.error or _DEFAULT_ERRORS.get(status, f"http_{status}"),
            }
            if status == 429 and fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
        elif method == "response_url":
            response = blockkit.refusal(method, params) or self._response_url(params)
        elif method in self._TOKENLESS:
            response = self._tokenless(method, params)
        elif method not in self._handlers:
            response = {"ok": False, "error": "unknown_method", "req_method": method}
        elif not token_ok:
            response = {"ok": False, "error": "token_revoked" if revoked else "invalid_auth"}
        elif (method == "apps.connections.open") != (token in self.app_tokens):
            response = {"ok": False, "error": "not_allowed_token_type"}
        elif "_invalid_json" in params:
            response = {"ok": False, "error": "invalid_json"}
        elif limited := _rate_limited(self, method, params, token):
            status, response, headers = limited
        elif missing := self._missing_scope(method, params, granted):
            headers["x-oauth-scopes"] = ",".join(sorted(granted))
            headers["x-accepted-oauth-scopes"] = missing
            response = {
                "ok": False,
                "error": "missing_scope",
                "needed": missing,
                "provided": ",".join(sorted(granted)),
            }
        else:
            headers["x-oauth-scopes"] = ",".join(sorted(granted))
            headers["x-accepted-oauth-scopes"] = ",".join(self._needed_scopes(method, params))
            self._local.granted = granted
            self._local.token = token
            try:
                response = (
                    blockkit.refusal(method, params)  # Block Kit checked like Slack does
                    or self._per_token(method, params, token)
                    or self._handlers[method](params)
                )
            except Exception as exc:  # a bug in the fake must not hang the client
                status = 500
                response = {"ok": False, "error": "fake_internal_error", "detail": repr(exc)}
        call = Call(method, params, token, arrived, status, response)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        return status, response, headers

    def _needed_scopes(self, method: str, params: Params) -> tuple[str, ...]:
        if method == "conversations.history":
            kind = str(params.get("channel") or "")[:1]
            return (_HISTORY_SCOPE[kind],) if kind in _HISTORY_SCOPE else ("channels:history",)
        return METHOD_SCOPES.get(method, ())

    def _missing_scope(self, method: str, params: Params, granted: frozenset[str]) -> str:
        """Slack's `needed` value when the token lacks every scope that would do, else ""."""
        needed = self._needed_scopes(method, params)
        if not needed or granted.intersection(needed):
            return ""
        return ",".join(needed)

    def _granted(self) -> frozenset[str]:
        return getattr(self._local, "granted", frozenset())

    # ------------------------------------------------------------------ helpers (lock held)

    def _next_ts(self) -> str:
        us = max(int(self.now() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:09d}"

    def _im_for(self, users: tuple[str, ...]) -> str:
        key = tuple(sorted(set(users)))
        existing = self._ims.get(key)
        if existing is not None:
            return existing
        if len(key) == 1:
            uid = key[0]
            im = "D" + uid[1:] if uid[:1] == "U" else "D" + uid
        else:
            im = self._next_id("G")
        self._ims[key] = im
        return im

    def _channel_for(self, channel: str) -> str:
        """A user id (U.../W...) names that user's IM with the bot, like chat.postMessage."""
        if channel[:1] in ("U", "W"):
            return self._im_for((channel,))
        return channel

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: Params) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Kept Test",
            "user": "kept",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: Params) -> dict[str, Any]:
        if self.socket_mode is None:
            return {"ok": False, "error": "internal_error"}
        return {"ok": True, "url": self.socket_mode.issue_url()}

    def _user_view(self, user: dict[str, Any]) -> dict[str, Any]:
        label, offset = _tz_info(user["tz"], self.now())
        out = {k: v for k, v in user.items() if k != "locale"}
        out["profile"] = dict(user["profile"])
        if "users:read.email" not in self._granted():  # Slack leaves the field out
            out["profile"].pop("email", None)
        out["tz_label"] = label
        out["tz_offset"] = offset
        return out

    def _users_info(self, params: Params) -> dict[str, Any]:
        with self._lock:
            user = self._users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        view = self._user_view(user)
        # Slack adds the user's locale only when include_locale=true is passed
        if str(params.get("include_locale", "")).lower() in ("true", "1"):
            view["locale"] = user["locale"]
        return {"ok": True, "user": view}

    def set_status(
        self, user_id: str, text: str = "", emoji: str = "", expiration: int = 0
    ) -> None:
        """Set a user's custom status, as they would in Slack (expiration: epoch s, 0 = never)."""
        with self._lock:
            profile = self._users[user_id]["profile"]
            profile["status_text"] = text
            profile["status_emoji"] = emoji
            profile["status_expiration"] = expiration

    def _users_profile_get(self, params: Params) -> dict[str, Any]:
        # Slack returns an expired status as cleared
        with self._lock:
            user = self._users.get(str(params.get("user", "")))
            profile = dict(user["profile"]) if user is not None else None
        if profile is None:
            return {"ok": False, "error": "user_not_found"}
        expiration = int(profile.get("status_expiration") or 0)
        if expiration and expiration <= self.now():
            profile.update(status_text="", status_emoji="", status_expiration=0)
        profile.setdefault("status_text", "")
        profile.setdefault("status_emoji", "")
        profile.setdefault("status_expiration", 0)
        return {"ok": True, "profile": profile}

    def _users_lookup_by_email(self, params: Params) -> dict[str, Any]:
        email = str(params.get("email", "")).strip().lower()
        with self._lock:
            found = next(
                (
                    u
                    for u in self._users.values()
                    if not u["deleted"] and str(u["profile"].get("email", "")).lower() == email
                ),
                None,
            )
        if not email or found is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": self._user_view(found)}

    def _conversations_open(self, params: Params) -> dict[str, Any]:
        users = params.get("users") or ""
        if isinstance(users, str):
            users = [u.strip() for u in users.split(",") if u.strip()]
        channel = params.get("channel")
        if not users and channel:
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel}}
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        for user_id in users:
            refused = self._dm_refusal(str(user_id), unknown="user_not_found")
            if refused:
                return {"ok": False, "error": refused}
        with self._lock:
            im = self._im_for(tuple(str(u) for u in users))
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": im}}

    def _chat_post_message(self, params: Params) -> dict[str, Any]:
        raw_channel = str(params.get("channel") or "")
        if not raw_channel:
            return {"ok": False, "error": "channel_not_found"}
        text = params.get("text")
        blocks = params.get("blocks")
        attachments = params.get("attachments")
        if not text and not blocks and not attachments:
            return {"ok": False, "error": "no_text"}
        refused = self._dm_refusal(raw_channel, unknown="channel_not_found")
        if refused:
            return {"ok": False, "error": refused}
        msg: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "text": text or "",
        }
        if blocks is not None:
            msg["blocks"] = blocks
        if attachments is not None:
            msg["attachments"] = attachments
        if params.get("metadata") is not None:
            msg["metadata"] = params["metadata"]
        if params.get("thread_ts"):
            msg["thread_ts"] = str(params["thread_ts"])
            if _truthy(params.get("reply_broadcast")):
                msg["reply_broadcast"] = True
        with self._lock:
            channel = self._channel_for(raw_channel)
            ts = self._next_ts()
            msg["ts"] = ts
            msg["channel"] = channel
            self._messages[(channel, ts)] = msg
            self._channel_ts.setdefault(channel, []).append(ts)
            reply = dict(msg)
        reply.pop("channel")
        return {"ok": True, "channel": channel, "ts": ts, "message": reply}

    def _dm_refusal(self, channel: str, *, unknown: str) -> str:
        """Why Slack refuses to open a DM with (or post to) `channel`; "" when it doesn't.

        A user id names that user's DM: bots can't be DMed (`cannot_dm_bot`), deactivated
        users neither (`user_disabled`), unknown ids are not found. A deleted channel is
        `channel_not_found`; other channel ids are taken as existing public channels
        (chat:write.public lets Kept post there)."""
        with self._lock:
            if channel in self._gone_channels:
                return "channel_not_found"
            if channel[:1] == "D":
                owner = next((k for k, v in self._ims.items() if v == channel), None)
                if owner is None:  # a DM never opened here: the fake names it after its user
                    owner = ("U" + channel[1:],)
                users = [self._users.get(u) for u in owner]
            elif channel[:1] in ("U", "W"):
                users = [self._users.get(channel)]
            else:
                return ""
        for user in users:
            if user is None:
                return unknown
            if user["id"] == BOT_USER_ID:
                continue  # the app's own DM channel with someone includes itself
            if user["is_bot"]:
                return "cannot_dm_bot"
            if user["deleted"]:
                return "user_disabled"
        return ""

    def _chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        user = str(params.get("user") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not user:
            return {"ok": False, "error": "user_not_in_channel"}
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            ts = self._next_ts()
            self._ephemerals.append(
                {
                    "channel": self._channel_for(channel),
                    "user": user,
                    "ts": ts,
                    "text": params.get("text") or "",
                    "blocks": params.get("blocks"),
                    "thread_ts": params.get("thread_ts"),
                }
            )
        return {"ok": True, "message_ts": ts}

    def _chat_update(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        ts = str(params.get("ts") or "")
        if not channel or channel[:1] in ("U", "W"):
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            msg = self._messages.get((channel, ts))
            if msg is None:
                return {"ok": False, "error": "message_not_found"}
            updated = dict(msg)
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in params and params[key] is not None:
                    updated[key] = params[key]
            updated["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            self._messages[(channel, ts)] = updated
            reply = dict(updated)
        reply.pop("channel")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": updated.get("text", ""),
            "message": reply,
        }

    def _chat_delete(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        ts = str(params.get("ts") or "")
        with self._lock:
            if self._messages.pop((channel, ts), None) is None:
                return {"ok": False, "error": "message_not_found"}
            tss = self._channel_ts.get(channel, [])
            if ts in tss:
                tss.remove(ts)
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_get_permalink(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        ts = str(params.get("message_ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _history_view(self, msg: dict[str, Any], with_metadata: bool) -> dict[str, Any]:
        out = dict(msg)
        out.pop("channel", None)
        if not with_metadata:
            out.pop("metadata", None)
        return out

    def _conversations_history(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel or channel[:1] in ("U", "W"):
            return {"ok": False, "error": "channel_not_found"}
        with_metadata = _truthy(params.get("include_all_metadata"))
        inclusive = _truthy(params.get("inclusive"))
        oldest = _ts_key(params.get("oldest") or 0)
        latest = _ts_key(params.get("latest")) if params.get("latest") else float("inf")
        limit = max(1, min(int(params.get("limit") or 100), 999))
        offset = int(params.get("cursor") or 0)
        with self._lock:
            msgs = [self._messages[(channel, ts)] for ts in self._channel_ts.get(channel, ())]
        selected = []
        for msg in reversed(msgs):  # newest first
            t = _ts_key(msg["ts"])
            in_range = (oldest <= t <= latest) if inclusive else (oldest < t < latest)
            top_level = msg.get("thread_ts") in (None, msg["ts"]) or msg.get("reply_broadcast")
            if in_range and top_level:
                selected.append(msg)
        page = selected[offset : offset + limit]
        has_more = offset + limit < len(selected)
        return {
            "ok": True,
            "messages": [self._history_view(m, with_metadata) for m in page],
            "has_more": has_more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": str(offset + limit) if has_more else ""},
        }

    def _conversations_replies(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        ts = str(params.get("ts") or "")
        with_metadata = _truthy(params.get("include_all_metadata"))
        with self._lock:
            if (channel, ts) not in self._messages:
                return {"ok": False, "error": "thread_not_found"}
            msgs = [self._messages[(channel, t)] for t in self._channel_ts.get(channel, ())]
        thread = [m for m in msgs if m["ts"] == ts or m.get("thread_ts") == ts]
        return {
            "ok": True,
            "messages": [self._history_view(m, with_metadata) for m in thread],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    def _new_view(
        self, view: dict[str, Any], view_id: str, *, root: str | None, previous: str | None
    ) -> dict[str, Any]:
        stored = dict(view)
        stored.update(
            {
                "id": view_id,
                "team_id": self.team_id,
                "type": view.get("type", "modal"),
                "blocks": view.get("blocks", []),
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{self._next_id('h')}",
                "clear_on_close": bool(view.get("clear_on_close", False)),
                "notify_on_close": bool(view.get("notify_on_close", False)),
                "previous_view_id": previous,
                "root_view_id": root or view_id,
                "app_id": APP_ID,
                "app_installed_team_id": self.team_id,
                "bot_id": BOT_ID,
            }
        )
        return stored

    def _check_view(self, params: Params) -> dict[str, Any] | str:
        view = params.get("view")
        if not isinstance(view, dict):
            return "invalid_arguments"
        if not view.get("type"):
            return "invalid_arguments"
        return view

    def _exchange_trigger(self, trigger_id: str) -> str:
        """Slack accepts a trigger id once, within 3 seconds of the interaction that made it;
        returns the error, or "" once the trigger is used up. Trigger ids from
        tests.slackreq.new_trigger_id() carry their issue time (ms since the epoch) first."""
        match = _TRIGGER.match(trigger_id)
        if match is None:
            return "invalid_trigger_id"
        issued = int(match.group(1)) / (1000 if len(match.group(1)) == 13 else 1)
        with self._lock:
            if trigger_id in self._used_triggers:
                return "exchanged_trigger_id"
            if time.time() - issued > TRIGGER_TTL:
                return "expired_trigger_id"
            self._used_triggers.add(trigger_id)
        return ""

    def _views_open(self, params: Params) -> dict[str, Any]:
        view = self._check_view(params)
        if isinstance(view, str):
            return {"ok": False, "error": view}
        refused = self._exchange_trigger(str(params.get("trigger_id") or ""))
        if refused:
            return {"ok": False, "error": refused}
        with self._lock:
            view_id = self._next_id("V")
            stored = self._new_view(view, view_id, root=None, previous=None)
            self._views[view_id] = stored
        return {"ok": True, "view": stored}

    def _views_push(self, params: Params) -> dict[str, Any]:
        view = self._check_view(params)
        if isinstance(view, str):
            return {"ok": False, "error": view}
        refused = self._exchange_trigger(str(params.get("trigger_id") or ""))
        if refused:
            return {"ok": False, "error": refused}
        with self._lock:
            view_id = self._next_id("V")
            stored = self._new_view(view, view_id, root=None, previous=None)
            self._views[view_id] = stored
        return {"ok": True, "view": stored}

    def _views_update(self, params: Params) -> dict[str, Any]:
        view = self._check_view(params)
        if isinstance(view, str):
            return {"ok": False, "error": view}
        view_id = str(params.get("view_id") or "")
        external_id = str(params.get("external_id") or "")
        if not view_id and not external_id:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            if not view_id:
                view_id = next(
                    (v["id"] for v in self._views.values() if v["external_id"] == external_id),
                    "",
                )
                if not view_id:
                    return {"ok": False, "error": "not_found"}
            old = self._views.get(view_id)
            if old is not None and params.get("hash") and params["hash"] != old["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            # Unknown ids are accepted: tests often fabricate view ids in payloads.
            root = old["root_view_id"] if old else None
            previous = old["previous_view_id"] if old else None
            stored = self._new_view(view, view_id, root=root, previous=previous)
            self._views[view_id] = stored
        return {"ok": True, "view": stored}

    def _views_publish(self, params: Params) -> dict[str, Any]:
        view = self._check_view(params)
        if isinstance(view, str):
            return {"ok": False, "error": view}
        user_id = str(params.get("user_id") or "")
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        if view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            view_id = self._home_views.get(user_id) or self._next_id("V")
            old = self._views.get(view_id)
            if old is not None and params.get("hash") and params["hash"] != old["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            stored = self._new_view(view, view_id, root=None, previous=None)
            self._views[view_id] = stored
            self._home_views[user_id] = view_id
        return {"ok": True, "view": stored}

    def _response_url(self, params: Params) -> dict[str, Any]:
        return {"ok": True}

    # ------------------------------------------------------------------ workspaces and OAuth
    # Each token belongs to one workspace (team, org, granted scopes). auth.test answers per
    # token, every answer to a token carries the x-oauth-scopes header as Slack's does, and
    # oauth.v2.access exchanges install codes (and refresh tokens) for tokens.

    CLIENT_ID = "1111.2222"
    CLIENT_SECRET = "fake-client-secret"
    _TOKENLESS = frozenset({"oauth.v2.access"})

    def _init_workspaces(self) -> None:
        self.clock_skew = 0.0  # seconds added to the Date header
        self._workspaces: dict[str, dict[str, Any]] = {}  # token -> workspace
        self._codes: dict[str, dict[str, Any]] = {}  # install code -> workspace to create
        self._refresh: dict[str, str] = {}  # refresh token -> the token it renews
        self._token_seq = 0
        self.add_workspace(self.team_id, token=self.bot_token, name="Kept Test")

    def add_workspace(
        self,
        team_id: str | None,
        *,
        token: str,
        name: str | None = None,
        enterprise_id: str | None = None,
        scopes: list[str] | tuple[str, ...] | None = None,
        org_wide: bool = False,
    ) -> None:
        """A workspace (or, with org_wide, a whole org) whose bot token is `token`.
        `scopes` defaults to the scopes manifest.yml asks for."""
        from bot.ops.oauth import manifest_bot_scopes

        with self._lock:
            self.valid_tokens.add(token)
            self._workspaces[token] = {
                "team_id": team_id,
                "team_name": name or f"Workspace {team_id}",
                "enterprise_id": enterprise_id,
                "scopes": list(scopes if scopes is not None else manifest_bot_scopes()),
                "org_wide": org_wide,
            }
            # what the token may call (checked per method, like Slack)
            self._scopes[token] = frozenset(self._workspaces[token]["scopes"])

    def grant_scopes(self, token: str, scopes: list[str] | tuple[str, ...]) -> None:
        """Change what a token was granted (e.g. a manifest edit not reinstalled)."""
        with self._lock:
            self._workspaces[token]["scopes"] = list(scopes)
            self._scopes[token] = frozenset(scopes)

    def add_install_code(
        self,
        code: str,
        team_id: str | None,
        *,
        name: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        installer: str = "U0INSTALLER",
        rotating: bool = False,
        expires_in: int = 43200,
    ) -> None:
        """Slack hands `code` to the redirect URL after someone approves the install."""
        with self._lock:
            self._codes[code] = {
                "team_id": team_id,
                "team_name": name or f"Workspace {team_id or enterprise_id}",
                "enterprise_id": enterprise_id,
                "org_wide": org_wide,
                "installer": installer,
                "rotating": rotating,
                "expires_in": expires_in,
            }

    def token_of(self, team_id: str) -> str | None:
        """The latest token issued for a workspace (or an org id, for an org-wide install)."""
        with self._lock:
            found = [
                t
                for t, w in self._workspaces.items()
                if w["team_id"] == team_id or (w["org_wide"] and w["enterprise_id"] == team_id)
            ]
        return found[-1] if found else None

    def _tokenless(self, method: str, params: Params) -> dict[str, Any]:
        """oauth.v2.access: client credentials, then a code or a refresh token."""
        client_id = params.get("client_id")
        client_secret = params.get("client_secret")
        if client_id != self.CLIENT_ID:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.CLIENT_SECRET:
            return {"ok": False, "error": "bad_client_secret"}
        if params.get("grant_type") == "refresh_token":
            return self._refresh_token(str(params.get("refresh_token") or ""))
        with self._lock:
            install = self._codes.pop(str(params.get("code") or ""), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        with self._lock:
            self._token_seq += 1
            token = f"xoxb-{install['team_id'] or install['enterprise_id']}-{self._token_seq}"
        self.add_workspace(
            install["team_id"],
            token=token,
            name=install["team_name"],
            enterprise_id=install["enterprise_id"],
            org_wide=install["org_wide"],
        )
        with self._lock:
            scopes = self._workspaces[token]["scopes"]
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(scopes),
            "bot_user_id": BOT_USER_ID,
            "app_id": APP_ID,
            "team": None
            if install["org_wide"]
            else {"id": install["team_id"], "name": install["team_name"]},
            "enterprise": {"id": install["enterprise_id"], "name": "Org"}
            if install["enterprise_id"]
            else None,
            "is_enterprise_install": install["org_wide"],
            "authed_user": {"id": install["installer"]},
        }
        if install["rotating"]:
            refresh = f"xoxe-1-{self._token_seq}"
            with self._lock:
                self._refresh[refresh] = token
            answer["refresh_token"] = refresh
            answer["expires_in"] = install["expires_in"]
        return answer

    def _refresh_token(self, refresh: str) -> dict[str, Any]:
        with self._lock:
            old = self._refresh.pop(refresh, None)
            workspace = dict(self._workspaces[old]) if old else None
            self._token_seq += 1
            seq = self._token_seq
        if old is None or workspace is None:
            return {"ok": False, "error": "invalid_refresh_token"}
        token = f"xoxe.xoxb-{workspace['team_id'] or workspace['enterprise_id']}-{seq}"
        new_refresh = f"xoxe-1-{seq}"
        with self._lock:
            self.valid_tokens.add(token)
            self._workspaces[token] = workspace
            self._refresh[new_refresh] = token
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(workspace["scopes"]),
            "refresh_token": new_refresh,
            "expires_in": 43200,
            "bot_user_id": BOT_USER_ID,
            "app_id": APP_ID,
            "team": {"id": workspace["team_id"], "name": workspace["team_name"]},
            "enterprise": None,
            "is_enterprise_install": workspace["org_wide"],
        }

    def _per_token(self, method: str, params: Params, token: str | None) -> dict[str, Any] | None:
        """Answers that depend on whose token it is; None: the method's usual answer."""
        with self._lock:
            workspace = self._workspaces.get(token or "")
        if workspace is None:
            return None
        if method == "auth.test":
            return {
                "ok": True,
                "url": f"https://{TEAM_DOMAIN}.slack.com/",
                "team": workspace["team_name"],
                "user": "kept",
                "team_id": workspace["team_id"] or workspace["enterprise_id"],
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "enterprise_id": workspace["enterprise_id"],
                "is_enterprise_install": workspace["org_wide"],
            }
        if method == "users.info":
            with self._lock:
                user = self._users.get(str(params.get("user", "")))
            if user is not None and not self._sees(workspace, user):
                return {"ok": False, "error": "user_not_found"}
            if user is not None and workspace["org_wide"] and user["id"] != BOT_USER_ID:
                # an org-wide install is told about anyone in the org, with the workspaces
                # they belong to in `enterprise_user.teams` (Slack's enterprise_user object)
                answer = self._users_info(params)
                answer["user"]["enterprise_user"] = {
                    "id": user["id"],
                    "enterprise_id": workspace["enterprise_id"],
                    "enterprise_name": f"Org {workspace['enterprise_id']}",
                    "is_admin": user["is_admin"],
                    "is_owner": user["is_owner"],
                    "teams": list(user.get("teams") or [user["team_id"]]),
                }
                return answer
        return None

    def _sees(self, workspace: dict[str, Any], user: dict[str, Any]) -> bool:
        """A token sees the users of its own workspace (an org-wide one, of its org)."""
        if user["id"] == BOT_USER_ID:
            return True
        if workspace["org_wide"]:
            return True  # an org-wide install sees every workspace of the org
        return workspace["team_id"] == user["team_id"]

    # ------------------------------------------------------------------ workflow steps
    # Custom steps (Workflow Builder): the fake runs a step of a workflow like Slack does. It
    # reads the step's definition from manifest.yml's `functions`, checks the inputs a workflow
    # would map into it, and builds the `function_executed` event with a short-lived
    # `bot_access_token` for that execution. functions.completeSuccess / completeError end the
    # execution once: outputs are checked against the definition, a second completion is
    # refused (`execution_not_in_running_state`), and the execution's token stops working.
    # Source: docs.slack.dev/reference/events/function_executed and
    # docs.slack.dev/reference/methods/functions.completeSuccess (errors listed there).

    def _init_workflow_steps(self) -> None:
        self._executions: dict[str, dict[str, Any]] = {}  # function_execution_id -> state
        self._handlers["functions.completeSuccess"] = self._functions_complete_success
        self._handlers["functions.completeError"] = self._functions_complete_error

    @staticmethod
    def step_definition(callback_id: str) -> dict[str, Any]:
        """The step as manifest.yml defines it (KeyError when it defines no such step)."""
        data = yaml.safe_load(MANIFEST.read_text())
        return dict((data.get("functions") or {})[callback_id])

    def run_step(
        self, callback_id: str, inputs: dict[str, Any], *, team_id: str | None = None
    ) -> dict[str, Any]:
        """A workflow reached the step: returns the `function_executed` event Slack sends
        (post it with tests.slackreq.event_body). Inputs are checked as Workflow Builder
        does: every required one present, none unknown, each of its declared type."""
        definition = self.step_definition(callback_id)
        declared = definition.get("input_parameters") or {}
        unknown = set(inputs) - set(declared)
        if unknown:
            raise ValueError(f"inputs not in the step's definition: {sorted(unknown)}")
        for name, spec in declared.items():
            value = inputs.get(name)
            if value is None or value == "":
                if spec.get("is_required"):
                    raise ValueError(f"required input {name!r} is missing")
                continue
            problem = _type_problem(spec.get("type", ""), value)
            if problem:
                raise ValueError(f"input {name!r}: {problem}")
        with self._lock:
            self._seq += 1
            execution_id = f"Fx{self._seq:010d}"
            token = f"xwfp-{team_id or self.team_id}-{self._seq:06d}"
            self.valid_tokens.add(token)
            self._scopes[token] = self._scopes.get(self.bot_token, frozenset())
            self._executions[execution_id] = {
                "callback_id": callback_id,
                "team_id": team_id or self.team_id,
                "token": token,
                "state": "running",
                "outputs": None,
                "error": None,
            }

        def params(kind: str) -> list[dict[str, Any]]:
            return [
                {
                    "type": spec.get("type"),
                    "name": name,
                    "title": spec.get("title"),
                    "description": spec.get("description", ""),
                    "is_required": bool(spec.get("is_required")),
                }
                for name, spec in (definition.get(kind) or {}).items()
            ]

        moment = self.now()
        return {
            "type": "function_executed",
            "function": {
                "id": "Fn" + callback_id.upper().replace("_", "")[:9],
                "callback_id": callback_id,
                "title": definition.get("title"),
                "description": definition.get("description", ""),
                "type": "app",
                "input_parameters": params("input_parameters"),
                "output_parameters": params("output_parameters"),
                "app_id": APP_ID,
                "date_created": int(moment) - 86400,
                "date_updated": int(moment) - 3600,
                "date_deleted": 0,
            },
            "inputs": {k: v for k, v in inputs.items() if v is not None},
            "function_execution_id": execution_id,
            "workflow_execution_id": f"Wx{self._seq:010d}",
            "event_ts": f"{moment:.6f}",
            "bot_access_token": token,
        }

    def execution(self, function_execution_id: str) -> dict[str, Any]:
        """Where an execution stands: state ("running", "completed", "failed"), outputs,
        error."""
        with self._lock:
            return dict(self._executions[function_execution_id])

    def _finish_execution(self, params: Params, *, failed: bool) -> dict[str, Any]:
        execution_id = params.get("function_execution_id")
        if not isinstance(execution_id, str) or not execution_id:
            return {"ok": False, "error": "invalid_arguments"}
        token = getattr(self._local, "token", None)
        with self._lock:
            execution = self._executions.get(execution_id)
            workspace = self._workspaces.get(token or "")
        if execution is None:
            return {"ok": False, "error": "function_execution_not_found"}
        # the execution's own token, or the bot token of the workspace it runs in
        if token != execution["token"] and (
            workspace is None or workspace["team_id"] != execution["team_id"]
        ):
            return {"ok": False, "error": "function_execution_not_found"}
        if failed:
            error = params.get("error")
            if not isinstance(error, str) or not error.strip():
                return {"ok": False, "error": "invalid_arguments"}
        else:
            outputs = params.get("outputs")
            if isinstance(outputs, str):
                try:
                    outputs = json.loads(outputs)
                except ValueError:
                    return {"ok": False, "error": "invalid_arguments"}
            if not isinstance(outputs, dict):
                return {"ok": False, "error": "invalid_arguments"}
            problem = self._output_problem(execution["callback_id"], outputs)
            if problem:
                return {"ok": False, "error": "parameter_validation_failed", "detail": problem}
        with self._lock:
            if execution["state"] != "running":
                return {"ok": False, "error": "execution_not_in_running_state"}
            execution["state"] = "failed" if failed else "completed"
            execution["error" if failed else "outputs"] = error if failed else outputs
            # the execution's token ends with it
            self.valid_tokens.discard(execution["token"])
            self._revoked.add(execution["token"])
        return {"ok": True}

    def _output_problem(self, callback_id: str, outputs: dict[str, Any]) -> str:
        declared = self.step_definition(callback_id).get("output_parameters") or {}
        unknown = set(outputs) - set(declared)
        if unknown:
            return f"unknown outputs {sorted(unknown)}"
        for name, spec in declared.items():
            if outputs.get(name) is None:
                if spec.get("is_required"):
                    return f"required output {name!r} is missing"
                continue
            problem = _type_problem(spec.get("type", ""), outputs[name])
            if problem:
                return f"output {name!r}: {problem}"
        return ""

    def _functions_complete_success(self, params: Params) -> dict[str, Any]:
        return self._finish_execution(params, failed=False)

    def _functions_complete_error(self, params: Params) -> dict[str, Any]:
        return self._finish_execution(params, failed=True)

    # ------------------------------------------------------------------ file uploads
    # Slack's current upload flow: files.getUploadURLExternal gives an upload URL and a file
    # id for `length` bytes; the bytes are POSTed to that URL (raw or multipart; Slack answers
    # "OK - <length>"); files.completeUploadExternal shares the file (channel_id) with its
    # title and an initial comment. The fake keeps each file's bytes, checks the length it was
    # announced with, and for a .png that the bytes are a PNG (signature and IHDR).

    def _init_files(self) -> None:
        self._files: dict[str, dict[str, Any]] = {}
        self._handlers["files.getUploadURLExternal"] = self._files_get_upload_url
        self._handlers["files.completeUploadExternal"] = self._files_complete_upload

    def files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files shared so far (in `channel`, a DM's D id or a user id for their DM)."""
        with self._lock:
            shared = [dict(f) for f in self._files.values() if f["shared_to"]]
            ims = dict(self._ims)
        if channel is None:
            return shared
        wanted = {channel}
        if channel[:1] in ("U", "W"):
            wanted |= {im for users, im in ims.items() if channel in users and len(users) <= 2}
        return [f for f in shared if set(f["shared_to"]) & wanted]

    def _files_get_upload_url(self, params: Params) -> dict[str, Any]:
        filename = params.get("filename")
        try:
            length = int(params.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if not isinstance(filename, str) or not filename.strip() or length <= 0:
            return {"ok": False, "error": "missing_argument"}
        alt = params.get("alt_txt")
        if isinstance(alt, str) and len(alt) > 1000:
            return {"ok": False, "error": "alt_txt_too_large"}
        with self._lock:
            file_id = self._next_id("F")
            self._files[file_id] = {
                "id": file_id,
                "filename": filename,
                "length": length,
                "alt_txt": alt,
                "data": None,
                "title": None,
                "initial_comment": None,
                "shared_to": [],
                "png_size": None,
            }
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, body: bytes) -> tuple[int, str]:
        data = _multipart_file(body) if body.startswith(b"--") else body
        with self._lock:
            entry = self._files.get(file_id)
        if entry is None:
            return 404, "file not found"
        if len(data) != entry["length"]:
            return 400, f"expected {entry['length']} bytes, got {len(data)}"
        size = None
        if entry["filename"].lower().endswith(".png"):
            size = _png_size(data)
            if size is None:
                return 400, "not a PNG"
        with self._lock:
            entry["data"] = data
            entry["png_size"] = size
        with self._cond:
            self._calls.append(
                Call("upload_url", {"file_id": file_id}, None, time.monotonic(), 200, None)
            )
            self._cond.notify_all()
        return 200, f"OK - {len(data)}"

    def _files_complete_upload(self, params: Params) -> dict[str, Any]:
        files = params.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = params.get("channel_id")
        if channel is not None and not isinstance(channel, str):
            return {"ok": False, "error": "invalid_channel"}
        with self._lock:
            entries = []
            for item in files:
                entry = self._files.get(str((item or {}).get("id")))
                if entry is None:
                    return {"ok": False, "error": "file_not_found"}
                if entry["data"] is None:  # announced, never uploaded
                    return {"ok": False, "error": "file_upload_not_complete"}
                entries.append((entry, item))
            if channel:
                known = channel in self._ims.values() or channel in self._channel_ts
                if channel in self._gone_channels or not (known or channel[:1] in ("C", "G")):
                    return {"ok": False, "error": "channel_not_found"}
            for entry, item in entries:
                entry["title"] = item.get("title") or entry["filename"]
                entry["initial_comment"] = params.get("initial_comment")
                if channel:
                    entry["shared_to"].append(channel)
            if channel:  # the share is a message in the channel, with the files on it
                ts = self._next_ts()
                self._messages[(channel, ts)] = {
                    "type": "message",
                    "subtype": "file_share",
                    "user": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "text": str(params.get("initial_comment") or ""),
                    "files": [
                        {"id": e["id"], "name": e["filename"], "title": e["title"]}
                        for e, _ in entries
                    ],
                    "upload": True,
                    "ts": ts,
                    "channel": channel,
                }
                self._channel_ts.setdefault(channel, []).append(ts)
        return {
            "ok": True,
            "files": [
                {"id": e["id"], "title": e["title"], "name": e["filename"]} for e, _ in entries
            ],
        }


def _type_problem(kind: str, value: Any) -> str:
    """Why `value` is not of the Slack parameter type `kind` ("" when it is)."""
    if kind == "string":
        return "" if isinstance(value, str) else "not a string"
    if kind == "slack#/types/user_id":
        ok = isinstance(value, str) and re.fullmatch(r"[UW][A-Z0-9]{2,}", value) is not None
        return "" if ok else "not a user id"
    if kind == "slack#/types/channel_id":
        ok = isinstance(value, str) and re.fullmatch(r"[CGD][A-Z0-9]{2,}", value) is not None
        return "" if ok else "not a channel id"
    if kind == "slack#/types/timestamp":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return "" if ok else "not a Unix timestamp (a number of seconds)"
    if kind in ("integer", "number"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return "" if ok else f"not an {kind}"
    if kind == "boolean":
        return "" if isinstance(value, bool) else "not a boolean"
    return f"unknown type {kind!r}"


METHOD_SCOPES.update(
    {
        # Slack's external upload flow (docs.slack.dev/reference/methods/files.*External)
        "files.getUploadURLExternal": ("files:write",),
        "files.completeUploadExternal": ("files:write",),
        # custom steps: no scope (docs.slack.dev/reference/methods/functions.completeSuccess)
        "functions.completeSuccess": (),
        "functions.completeError": (),
    }
)


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, None if the bytes are not one (signature, then IHDR)."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _multipart_file(body: bytes) -> bytes:
    """The file part of a multipart/form-data body (what `curl -F file=@x` sends)."""
    boundary = body.split(b"\r\n", 1)[0]
    for part in body.split(boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        if b"filename=" in head:
            return content.removesuffix(b"\r\n")
    return b""


# ---------------------------------------------------------------------------- rate limits
# Slack's Web API limits (docs.slack.dev/apis/web-api/rate-limits): each method has a tier,
# counted per method per workspace (per token here: a token is one workspace's install) —
# Tier 1 1+/min, Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min, each "with bursts".
# chat.postMessage is "special": about one message per second per channel with short bursts,
# plus a workspace-wide allowance (Slack publishes no figure for it). Over a limit Slack answers
# HTTP 429 with `Retry-After: <seconds>` and {"ok": false, "error": "ratelimited"}.
# Tiers of the methods the fake serves, from each method's reference page ("Rate limits").
METHOD_TIERS: dict[str, int] = {
    "auth.test": 4,  # special (thousands per hour): taken as Tier 4
    "users.info": 4,
    "users.lookupByEmail": 3,
    "users.profile.get": 4,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,  # special: taken as Tier 4
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
}
TIER_PER_MINUTE: dict[int, float] = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}


@dataclass
class RateLimits:
    """What the fake allows once a test calls `FakeSlack.limit_rates(...)`.

    Buckets hold `burst` calls and refill at the rate; a call that finds a bucket empty is
    answered 429 (and takes nothing from the other buckets). `clock` (seconds) drives the
    refills: None means the fake's own clock (`fake.now`, the test clock: a test that freezes
    it sees a bucket refill only when it moves the clock); pass `time.monotonic` for a
    real-time bucket (bursts against a live scheduler, the benchmark). `scale` multiplies every
    rate, not the bucket sizes (a faster Slack for a shorter benchmark: times multiply back)."""

    channel_per_second: float = 1.0
    channel_burst: int = 4
    workspace_posts_per_minute: float = 600.0
    workspace_posts_burst: int = 30
    tier_per_minute: dict[int, float] | None = None  # default TIER_PER_MINUTE
    tier_burst_seconds: float = 6.0  # a tier's bucket holds this many seconds of its rate
    scale: float = 1.0
    clock: Callable[[], float] | None = None

    def tier_rate(self, tier: int) -> tuple[float, float]:
        """(calls per second, bucket size) for a tier."""
        per_minute = (self.tier_per_minute or TIER_PER_MINUTE)[tier]
        return per_minute * self.scale / 60.0, max(2.0, per_minute / 60.0 * self.tier_burst_seconds)


class _Bucket:
    __slots__ = ("rate", "size", "tokens", "at")

    def __init__(self, rate: float, size: float, now: float) -> None:
        self.rate, self.size, self.tokens, self.at = rate, size, size, now

    def refill(self, now: float) -> None:
        if now > self.at:
            self.tokens = min(self.size, self.tokens + (now - self.at) * self.rate)
        self.at = max(self.at, now)

    def wait(self) -> float:
        """Seconds until a whole token is there (0: one is)."""
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class _RateLimiter:
    """The buckets of one FakeSlack (guarded by its own lock)."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self.lock = threading.Lock()
        self.buckets: dict[tuple[str, ...], _Bucket] = {}
        self.limited = 0  # calls answered 429 by these limits

    def _bucket(self, key: tuple[str, ...], rate: float, size: float, now: float) -> _Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(rate, size, now)
        bucket.refill(now)
        return bucket

    def check(self, method: str, token: str, channel: str | None) -> int | None:
        """Take this call from its buckets; None when allowed, else Retry-After (s)."""
        limits = self.limits
        with self.lock:
            now = self.clock()
            if method == "chat.postMessage":
                buckets = [
                    self._bucket(
                        (token, method),
                        limits.workspace_posts_per_minute * limits.scale / 60.0,
                        float(limits.workspace_posts_burst),
                        now,
                    )
                ]
                if channel:
                    buckets.append(
                        self._bucket(
                            (token, method, channel),
                            limits.channel_per_second * limits.scale,
                            float(limits.channel_burst),
                            now,
                        )
                    )
            elif method in METHOD_TIERS:
                rate, size = limits.tier_rate(METHOD_TIERS[method])
                buckets = [self._bucket((token, method), rate, size, now)]
            else:
                return None
            wait = max(bucket.wait() for bucket in buckets)
            if wait > 0:
                self.limited += 1
                return max(1, math.ceil(wait))  # Slack's Retry-After is whole seconds
            for bucket in buckets:
                bucket.tokens -= 1.0
            return None


def _limit_rates(fake: FakeSlack, limits: RateLimits | None) -> None:
    clock = (limits.clock or fake.now) if limits is not None else fake.now
    fake._rate_limiter = _RateLimiter(limits, clock) if limits is not None else None


def _rate_limited(
    fake: FakeSlack, method: str, params: Params, token: str | None
) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """Slack's 429 when this call is over a limit (only once a test switched limits on)."""
    limiter: _RateLimiter | None = getattr(fake, "_rate_limiter", None)
    if limiter is None or not token:
        return None
    channel = None
    if method == "chat.postMessage":
        with fake._lock:
            channel = fake._channel_for(str(params.get("channel") or ""))
    retry_after = limiter.check(method, token, channel)
    if retry_after is None:
        return None
    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
