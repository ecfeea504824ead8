"""Socket Mode for real: `kept run` connects to a fake Socket Mode server over a WebSocket
(URL from the fake Slack's apps.connections.open), answers a /promise command sent as an
envelope, stores it, and reconnects after the socket is cut or Slack asks it to."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.store.db import make_engine
from bot.store.models import Promise
from tests.conftest import OWNER, SECRET, TEAM, message_text
from tests.fake_socket_mode import FakeSocketMode
from tests.fakeslack import FakeSlack
from tests.procs import ROOT, KeptProcesses, base_env, free_port

pytestmark = pytest.mark.slow

APP_TOKEN = "xapp-1-A0KEPT-1-test"


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    fake_slack.socket_mode = server
    fake_slack.add_app_token(APP_TOKEN)
    yield server
    server.stop()


def socket_env(fake: FakeSlack, tmp_path: Path, **overrides: str) -> dict[str, str]:
    settings = {
        "SLACK_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "DATABASE_URL": f"sqlite:///{tmp_path}/kept.db",
        "KEPT_RESPECT_WORKING_HOURS": "false",
        "KEPT_DIGEST": "off",
        "KEPT_SLACK_TIMEOUT": "2",
        "KEPT_CLAIM_LEASE": "5s",
    }
    settings.update(overrides)
    return base_env(**settings)


def command(socket: FakeSocketMode, fake: FakeSlack, text: str) -> str:
    """Send `/promise text` as a Socket Mode envelope; return Kept's reply text, from the ack's
    payload or, failing that, from the response URL."""
    key = uuid.uuid4().hex
    payload = {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "kept-test",
        "channel_id": "C0SALES",
        "channel_name": "sales",
        "user_id": OWNER,
        "user_name": "olivia",
        "command": "/promise",
        "text": text,
        "api_app_id": "A0KEPT",
        "is_enterprise_install": "false",
        "response_url": fake.response_url(key),
        "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{key[:8]}",
    }
    sent = time.monotonic()
    envelope_id = socket.send_envelope("slash_commands", payload)
    ack = socket.wait_ack(envelope_id, timeout=10)
    assert time.monotonic() - sent < 3.0, "Slack wants the ack within 3 s"
    assert ack["envelope_id"] == envelope_id
    answer = ack.get("payload") or {}
    if message_text(answer).strip():
        return message_text(answer)
    calls = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key, timeout=10)
    return message_text(calls[-1].params)


def stored(tmp_path: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{tmp_path}/kept.db")
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Promise.description)))
    finally:
        engine.dispose()


def test_kept_run_in_socket_mode_answers_stores_and_reconnects(
    fake_slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    with KeptProcesses(tmp_path) as procs:
        proc = procs.start(socket_env(fake_slack, tmp_path), "--no-scheduler")
        first = socket_mode.wait_connected(1, timeout=30)
        assert first.ticket  # connected with the URL apps.connections.open handed out
        assert fake_slack.calls("apps.connections.open")[0].token == APP_TOKEN

        assert "hold you to this" in command(socket_mode, fake_slack, "call Sam back by tomorrow")
        assert stored(tmp_path) == ["call Sam back"]

        # Slack closes the socket (a close frame): Kept asks for a new URL and connects again
        socket_mode.close()
        socket_mode.wait_connected(len(socket_mode.links()) + 1, timeout=15)
        assert "hold you to this" in command(
            socket_mode, fake_slack, "send Acme the quote by Friday"
        )

        # Slack asks for a refresh, as it does every few hours
        socket_mode.send_disconnect("refresh_requested")
        socket_mode.wait_connected(len(socket_mode.links()) + 1, timeout=15)
        assert "hold you to this" in command(socket_mode, fake_slack, "call Jo back by tomorrow")

        # the network cuts the connection without a close frame: the pings notice
        cut = time.monotonic()
        socket_mode.drop()
        socket_mode.wait_connected(len(socket_mode.links()) + 1, timeout=40)
        print(f"\nSocket Mode: reconnected {time.monotonic() - cut:.1f}s after a silent cut")
        assert "hold you to this" in command(socket_mode, fake_slack, "call Al back by tomorrow")

        assert sorted(stored(tmp_path)) == [
            "call Al back",
            "call Jo back",
            "call Sam back",
            "send Acme the quote",
        ]
        assert socket_mode.refused == 0  # every URL was used once, as Slack requires
        assert "Traceback" not in proc.logs(20000)


def kept_run(env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--no-scheduler"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_refused_app_token_stops_start_up_with_one_line(
    fake_slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    env = socket_env(fake_slack, tmp_path, SLACK_APP_TOKEN="xapp-1-revoked")
    result = kept_run(env, tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kept: Slack refused SLACK_APP_TOKEN (invalid_auth)"), result.stderr
    assert socket_mode.links() == []


def test_socket_mode_keeps_trying_while_slack_is_unreachable(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = base_env(
        SLACK_API_URL=nowhere,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
        DATABASE_URL=f"sqlite:///{tmp_path}/kept.db",
        KEPT_DIGEST="off",
    )
    with KeptProcesses(tmp_path) as procs:
        proc = procs.start(env, "--no-scheduler")
        deadline = time.monotonic() + 20
        tries: list[str] = []
        while time.monotonic() < deadline and len(tries) < 3:
            time.sleep(0.3)
            tries = [line for line in proc.logs(20000).splitlines() if "Socket Mode:" in line]
        logs = proc.logs(20000)
        assert proc.popen.poll() is None, logs  # still running, still trying
        assert len(tries) >= 3, logs
        assert all("can't reach Slack" in line for line in tries), logs
        assert "(try 1)" in tries[0] and "(try 2)" in tries[1], tries
        assert "Traceback" not in logs


def test_fake_socket_mode_refuses_a_used_ticket(
    fake_slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    """The fake is as strict as Slack: each URL works once; only app tokens may ask for one."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xoxb-test", base_url=fake_slack.api_url).apps_connections_open(
            app_token="xoxb-test"
        )
    assert refused.value.response["error"] == "not_allowed_token_type"
    url = WebClient(base_url=fake_slack.api_url).apps_connections_open(app_token=APP_TOKEN)["url"]
    with connect(url) as ws:
        hello: dict[str, Any] = __import__("json").loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0KEPT"
    with pytest.raises(InvalidStatus), connect(url):
        pass
    assert socket_mode.refused == 1
    assert ROOT.is_dir()
