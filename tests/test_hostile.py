"""Hostile HTTP traffic against a real `kept run` (issue 9, finding 6): huge bodies, malformed
signature headers, and 1,000 clients trickling header lines, while /healthz and signed
commands stay fast."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SECRET
from tests.fakeslack import FakeSlack
from tests.procs import KeptProcess, KeptProcesses, base_env
from tests.slackreq import post, sign, slash_command_body

pytestmark = pytest.mark.slow

REQUEST_TIMEOUT = 4  # KEPT_HTTP_REQUEST_TIMEOUT for these tests, seconds
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def kept(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[KeptProcess]:
    env = base_env(
        SLACK_API_URL=fake_slack.api_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path}/kept.db",
        KEPT_RESPECT_WORKING_HOURS="false",
        KEPT_DIGEST="off",
        KEPT_HTTP_REQUEST_TIMEOUT=str(REQUEST_TIMEOUT),
        KEPT_HTTP_PER_CLIENT="32",
    )
    with KeptProcesses(tmp_path) as procs:
        proc = procs.start(env, "--no-scheduler")
        proc.wait_healthy()
        yield proc


def raw_request(port: int, head: bytes, body: bytes = b"", timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + body)
        return read_response(sock)


def read_response(sock: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_a_huge_body_is_refused_before_it_is_read(kept: KeptProcess) -> None:
    before = rss_kib(kept.pid)
    # Content-Length of 1 GB: 413 at once, though not a byte of the body was sent
    started = time.monotonic()
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: kept\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 1073741824\r\n\r\n"
    )
    reply = raw_request(kept.port, head)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert time.monotonic() - started < 2.0
    # chunked, no length: cut off once a little over 1 MB has arrived
    sent = 0
    with socket.create_connection(("127.0.0.1", kept.port), timeout=10) as sock:
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: kept\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"a" * 64 * 1024)
        with contextlib.suppress(OSError):
            while sent < 64 * 1024 * 1024:
                sock.sendall(chunk)
                sent += 64 * 1024
        reply = read_response(sock)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert sent < 4 * 1024 * 1024, f"the server read {sent} bytes before refusing"
    # a body of exactly 1 MB is still read (and then refused as unsigned)
    body = b"a" * (1024 * 1024)
    head = b"POST /slack/events HTTP/1.1\r\nHost: kept\r\nContent-Length: %d\r\n\r\n" % len(body)
    assert raw_request(kept.port, head, body).startswith(b"HTTP/1.1 401")
    assert rss_kib(kept.pid) - before < 50 * 1024  # no GiB buffers
    assert kept.health() is not None


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("not-a-number", None),
        ("1e10", None),
        ("", None),
        (None, "v0=zz"),
        (None, "sha256=" + "0" * 64),
        (None, ""),
    ],
)
def test_malformed_signature_headers_get_401_not_500(
    kept: KeptProcess, fake_slack: FakeSlack, timestamp: str | None, signature: str | None
) -> None:
    body = slash_command_body(
        text="send Acme the quote by tomorrow",
        user_id="U0OWNER",
        response_url=fake_slack.response_url("x"),
    )
    headers = sign(body, SECRET)
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    reply = post(f"{kept.url}/slack/events", body, secret=None, extra_headers=headers)
    assert reply.status == 401, (reply.status, reply.text)
    assert "Traceback" not in kept.logs(20000)


def trickle(sockets: list[socket.socket], stop: threading.Event, every: float) -> None:
    """One more header line on each socket every `every` seconds, never finishing."""
    n = 0
    while not stop.wait(every):
        n += 1
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.send(b"X-Trickle-%d: %d\r\n" % (n, n))


def open_trickler(port: int, source: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    try:
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sock.send(b"POST /slack/events HTTP/1.1\r\nHost: kept\r\n")
    except OSError:
        sock.close()
        return None
    sock.setblocking(False)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b"" or data.startswith((b"HTTP/1.1 408", b"HTTP/1.1 429"))


def test_a_thousand_trickling_clients_do_not_starve_health_or_commands(
    kept: KeptProcess, fake_slack: FakeSlack
) -> None:
    """500 sockets from one address (capped per client) and 500 from 25 addresses of 20 each
    (under the cap) send one header line every 2 s and never finish. Meanwhile /healthz and
    signed /promise commands from 127.0.0.1 answer within 2 s, and every trickler is cut
    within the request deadline."""
    sockets: list[socket.socket] = []
    sources = ["127.0.0.2"] * 500 + [f"127.0.1.{1 + i // 20}" for i in range(500)]
    opened = time.monotonic()
    for source in sources:
        sock = open_trickler(kept.port, source)
        if sock is not None:
            sockets.append(sock)
    assert len(sockets) >= 900, f"only {len(sockets)} sockets opened"
    stop = threading.Event()
    thread = threading.Thread(target=trickle, args=(sockets, stop, 2.0), daemon=True)
    thread.start()
    slowest_health = slowest_command = 0.0
    commands = 0
    try:
        while time.monotonic() - opened < REQUEST_TIMEOUT + 4:
            started = time.monotonic()
            with _OPENER.open(f"{kept.url}/healthz", timeout=5) as response:
                assert response.status == 200
                json.loads(response.read())
            slowest_health = max(slowest_health, time.monotonic() - started)
            body = slash_command_body(
                text="help", user_id="U0OWNER", response_url=fake_slack.response_url(f"h{commands}")
            )
            reply = post(f"{kept.url}/slack/events", body, secret=SECRET)
            assert reply.status == 200, reply.text
            slowest_command = max(slowest_command, reply.elapsed)
            commands += 1
            time.sleep(0.5)
        cut = sum(closed_by_server(sock) for sock in sockets)
    finally:
        stop.set()
        thread.join(timeout=5)
        for sock in sockets:
            sock.close()
    print(
        f"\n{len(sockets)} tricklers: slowest /healthz {slowest_health:.3f}s, slowest signed "
        f"command {slowest_command:.3f}s over {commands} commands; {cut} cut by the server"
    )
    assert slowest_health < 2.0 and slowest_command < 2.0
    assert commands >= 5
    assert cut == len(sockets), f"{len(sockets) - cut} tricklers still open past the deadline"
    assert kept.popen.poll() is None
