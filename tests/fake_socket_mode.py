"""A fake Slack Socket Mode endpoint: a WebSocket server on loopback speaking Slack's protocol.

    socket = FakeSocketMode().start()
    fake_slack.socket_mode = socket          # apps.connections.open now hands out its URLs
    fake_slack.add_app_token("xapp-1-test")
    ... start `kept run` with SLACK_APP_TOKEN=xapp-1-test ...
    socket.wait_connected()
    envelope_id = socket.send_envelope("slash_commands", payload)
    ack = socket.wait_ack(envelope_id)       # {"envelope_id": ..., "payload": {...}?}
    socket.drop()                            # the TCP connection dies without a close frame

Protocol (Slack's docs, "Using Socket Mode"): `apps.connections.open` with an app-level token
returns a single-use `wss://` URL with a ticket; once connected, Slack sends
`{"type": "hello", "num_connections": n, "connection_info": {"app_id": ...}, "debug_info": {}}`,
then envelopes `{"envelope_id", "type", "payload", "accepts_response_payload"}` (events carry
`retry_attempt` and `retry_reason` too). The app acknowledges each with
`{"envelope_id": ...}` plus an optional `payload` when `accepts_response_payload` is true.
Slack asks the app to reconnect with `{"type": "disconnect", "reason": "refresh_requested"}`
(or `warning`, `link_disabled`). Here the URL is `ws://` on loopback and tickets are single-use
like Slack's: a URL used twice is refused.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

APP_ID = "A0KEPT"
SETTLE = 0.5  # seconds between a connection's hello and its first envelope


@dataclass
class _Link:
    ticket: str
    connection: ServerConnection
    opened_at: float = field(default_factory=time.monotonic)
    closed: bool = False


class FakeSocketMode:
    def __init__(self, *, app_id: str = APP_ID) -> None:
        self.app_id = app_id
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._tickets: set[str] = set()  # issued, not used yet
        self._links: list[_Link] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._received: list[dict[str, Any]] = []
        self._refused = 0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSocketMode:
        self._server = serve(
            self._serve_link,
            "127.0.0.1",
            0,
            ping_interval=None,  # the client pings; the server answers (websockets does)
            compression=None,
            process_request=self._check_ticket,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-socket-mode", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeSocketMode is not started"
        return int(self._server.socket.getsockname()[1])

    # ------------------------------------------------------------------ for the fake Web API

    def issue_url(self) -> str:
        """What apps.connections.open returns: a fresh single-use URL."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ------------------------------------------------------------------ server side

    def _check_ticket(self, connection: ServerConnection, request: Any) -> Any:
        ticket = ""
        if "?" in request.path:
            from urllib.parse import parse_qs

            ticket = (parse_qs(request.path.split("?", 1)[1]).get("ticket") or [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
            if not known:
                self._refused += 1
        if not known:
            return connection.respond(401, "invalid or used ticket\n")
        connection.ticket = ticket  # type: ignore[attr-defined]
        return None

    def _serve_link(self, connection: ServerConnection) -> None:
        link = _Link(ticket=getattr(connection, "ticket", ""), connection=connection)
        with self._cond:
            self._links.append(link)
            live = sum(1 for x in self._links if not x.closed)
            self._cond.notify_all()
        hello = {
            "type": "hello",
            "num_connections": live,
            "debug_info": {
                "host": "fake-socket-mode",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        try:
            connection.send(json.dumps(hello))
            for raw in connection:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                with self._cond:
                    self._received.append(message)
                    envelope_id = message.get("envelope_id")
                    if isinstance(envelope_id, str):
                        self._acks[envelope_id] = message
                    self._cond.notify_all()
        except (ConnectionClosed, OSError):
            pass
        finally:
            with self._cond:
                link.closed = True
                self._cond.notify_all()

    # ------------------------------------------------------------------ test controls

    def links(self) -> list[_Link]:
        with self._lock:
            return list(self._links)

    def live(self) -> list[_Link]:
        with self._lock:
            return [x for x in self._links if not x.closed]

    @property
    def refused(self) -> int:
        with self._lock:
            return self._refused

    def wait_connected(self, count: int = 1, timeout: float = 30.0) -> _Link:
        """Wait until `count` connections have been made in all and the client has settled on
        one (closed the ones it replaced); return it.

        slack_sdk's client opens its new connection, then closes the old one, which waits for
        the old socket's 3 s receive timeout; only then does it read the new one."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                live = [x for x in self._links if not x.closed]
                if len(self._links) >= count and len(live) == 1:
                    return live[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self._links)} Socket Mode connection(s) after {timeout}s, "
                        f"wanted {count} ({self._refused} refused)"
                    )
                self._cond.wait(left)

    def send_envelope(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
    ) -> str:
        """Send an envelope on the newest live connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = kind in ("slash_commands", "interactive")
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = "timeout" if retry_attempt else ""
        live = self.live()
        assert live, "no live Socket Mode connection"
        # slack_sdk's client reads the handshake and the hello in one go; an envelope right
        # behind them stalls it for its 3 s socket timeout. Slack's first envelope comes later.
        settle = live[-1].opened_at + SETTLE - time.monotonic()
        if settle > 0:
            time.sleep(settle)
        live[-1].connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
                self._cond.wait(left)
            return self._acks[envelope_id]

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}
        for link in self.live():
            with contextlib.suppress(ConnectionClosed, OSError):
                link.connection.send(json.dumps(message))

    def close(self, code: int = 1001, reason: str = "going away") -> None:
        """End every live connection with a WebSocket close frame, as Slack does when it
        moves a connection."""
        for link in self.live():
            with contextlib.suppress(ConnectionClosed, OSError):
                link.connection.close(code, reason)

    def drop(self) -> None:
        """Kill every live connection at the TCP level: no close frame, like a network cut."""
        for link in self.live():
            with contextlib.suppress(OSError):
                link.connection.socket.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                link.connection.socket.close()
            with self._cond:
                link.closed = True  # the reading thread may not notice a socket closed under it
                self._cond.notify_all()
