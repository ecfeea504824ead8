"""The HTTP server for `kept run`: waitress, hardened against hostile clients.

Waitress alone reads a body of up to 1 GB before the application sees it, and its
`channel_timeout` only closes *idle* connections: a client that trickles one header line every
few seconds is never idle, so 1,000 of them hold every connection slot and Kept stops
answering. This module adds what is missing:

- a body over `MAX_BODY_BYTES` is refused with 413 as soon as its Content-Length is read (or,
  chunked, as soon as that many bytes have arrived) — it is never read whole;
- a request must arrive whole (request line, headers and body) within `request_timeout`
  seconds of its first byte, however slowly it trickles; late ones are cut;
- one client address may hold at most `per_client` connections; more are refused at once;
- connections are watched with poll(), not select(), so thousands of them do not hit
  select()'s 1,024-descriptor ceiling.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer

log = logging.getLogger("kept.http")

MAX_BODY_BYTES = 1024 * 1024  # Slack's requests are a few kB; 1 MB is generous
_REFUSED = b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


@dataclass(frozen=True)
class ServerLimits:
    request_timeout: float = 10.0  # seconds for one whole request, from its first byte
    per_client: int = 32  # open connections per client address; 0 = no cap
    max_connections: int = 4000  # open connections in all
    threads: int = 8


class _TimedParser(HTTPRequestParser):
    """Waitress's request parser, remembering when the request's first byte arrived."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()


class _GuardedChannel(HTTPChannel):  # type: ignore[misc]
    parser_class = _TimedParser
    server: GuardedServer

    def __init__(self, server: GuardedServer, sock: Any, addr: Any, adj: Any, map: Any = None):
        self._client: str | None = None
        super().__init__(server, sock, addr, adj, map)
        self._client = server.client_of(addr)
        server.opened(self._client)

    def del_channel(self, map: Any = None) -> None:
        client, self._client = self._client, None
        if client is not None:
            self.server.closed(client)
        super().del_channel(map)

    def overdue(self, now: float, timeout: float) -> bool:
        """A request has been arriving for longer than `timeout` and nothing is being served."""
        request = self.request
        if request is None or self.requests or self.will_close or self.close_when_flushed:
            return False
        return now - getattr(request, "started", now) > timeout


class GuardedServer(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _GuardedChannel

    def __init__(self, application: Callable[..., Any], limits: ServerLimits, **kw: Any) -> None:
        self.limits = limits
        self._clients: dict[str, int] = {}
        self._clients_lock = threading.Lock()
        self._last_refusal_log: dict[str, float] = {}
        super().__init__(
            application,
            threads=limits.threads,
            connection_limit=limits.max_connections,
            max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses at >= this
            channel_timeout=limits.request_timeout,  # idle connections
            cleanup_interval=1,
            asyncore_use_poll=True,
            backlog=2048,
            **kw,
        )

    # -- per-client accounting (the I/O thread; the lock covers the rare close elsewhere)

    @staticmethod
    def client_of(addr: Any) -> str:
        return str(addr[0]) if isinstance(addr, tuple) and addr else str(addr)

    def opened(self, client: str) -> None:
        with self._clients_lock:
            self._clients[client] = self._clients.get(client, 0) + 1

    def closed(self, client: str) -> None:
        with self._clients_lock:
            left = self._clients.get(client, 0) - 1
            if left > 0:
                self._clients[client] = left
            else:
                self._clients.pop(client, None)

    def connections_of(self, client: str) -> int:
        with self._clients_lock:
            return self._clients.get(client, 0)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
        except OSError:
            return
        client = self.client_of(addr)
        cap = self.limits.per_client
        if cap and self.connections_of(client) >= cap:
            self._refuse(conn, client)
            return
        try:
            self.set_socket_options(conn)
        except OSError:
            conn.close()
            return
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)

    def _refuse(self, conn: socket.socket, client: str) -> None:
        with contextlib.suppress(OSError):
            conn.setblocking(False)
            conn.send(_REFUSED)
        with contextlib.suppress(OSError):
            conn.close()
        now = time.monotonic()
        if now - self._last_refusal_log.get(client, 0.0) > 60:
            if len(self._last_refusal_log) > 10_000:
                self._last_refusal_log.clear()
            self._last_refusal_log[client] = now
            log.warning(
                "refusing connections from %s: it already has %s open (KEPT_HTTP_PER_CLIENT)",
                client,
                self.limits.per_client,
            )

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections
        monotonic = time.monotonic()
        for channel in list(self.active_channels.values()):
            if isinstance(channel, _GuardedChannel) and channel.overdue(
                monotonic, self.limits.request_timeout
            ):
                with contextlib.suppress(OSError):
                    channel.socket.send(_TIMED_OUT)
                channel.will_close = True


def make_server(
    application: Callable[..., Any], *, host: str, port: int, limits: ServerLimits
) -> GuardedServer:
    return GuardedServer(application, limits, host=host, port=port, ident="kept")
