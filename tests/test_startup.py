"""Start-up and operation errors as an operator meets them (issue 9, finding 8): one line each,
no traceback, non-zero exit; `.env` found by KEPT_ENV_FILE; `kept migrate` says where it
migrates; /healthz tells a stale scheduler and Slack's reachability."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import Runtime
from tests.conftest import OWNER, PG_URL, SECRET, TEAM
from tests.fakeslack import FakeSlack
from tests.procs import KeptProcess, KeptProcesses, base_env, free_port
from tests.slackreq import post, slash_command_body

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def kept(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=base_env(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kept: ")
    return lines[0]


def pg_url(database: str) -> str:
    base, _, _ = PG_URL.partition("?")
    return base.rsplit("/", 1)[0] + "/" + database


@pytest.mark.parametrize("command", ["run", "migrate"])
def test_database_problems_are_one_line(tmp_path: Path, command: str) -> None:
    cases = {
        pg_url("kept_no_such_database"): "which does not exist: create it",
        f"postgresql://kept@127.0.0.1:{free_port()}/kept": "can't reach the database server",
        "mysql://kept@localhost/kept": "uses mysql://, which Kept does not support",
        "kept.db": "is not a database URL",
        f"sqlite:///{tmp_path}/missing/folder/kept.db": "for the SQLite file does not exist",
    }
    for url, expected in cases.items():
        line = one_line(kept(command, env={**SLACK, "DATABASE_URL": url}, cwd=tmp_path))
        assert expected in line, (url, line)
        assert not (tmp_path / "missing").exists()


def test_missing_slack_settings_are_one_line(tmp_path: Path) -> None:
    assert "SLACK_BOT_TOKEN is not set" in one_line(kept("run", env={}, cwd=tmp_path))


def test_env_file_named_by_kept_env_file(tmp_path: Path) -> None:
    service_dir = tmp_path / "etc"
    service_dir.mkdir()
    database = tmp_path / "data" / "kept.db"
    database.parent.mkdir()
    env_file = service_dir / "kept.env"
    env_file.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=s\n"
        f"DATABASE_URL=sqlite:///{database}\n"
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    result = kept("migrate", env={"KEPT_ENV_FILE": str(env_file)}, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert f"creating a new SQLite file {database}" in result.stdout
    assert database.exists() and not (elsewhere / "kept.db").exists()
    again = kept("migrate", env={"KEPT_ENV_FILE": str(env_file)}, cwd=elsewhere)
    assert f"migrating the SQLite file {database}" in again.stdout
    assert "xoxb-from-file" not in result.stdout + result.stderr
    missing = kept("migrate", env={"KEPT_ENV_FILE": str(tmp_path / "nope.env")}, cwd=elsewhere)
    assert "KEPT_ENV_FILE=" in one_line(missing) and "no such file" in missing.stderr


def test_migrate_says_where_a_relative_sqlite_path_lands(tmp_path: Path) -> None:
    result = kept("migrate", env={**SLACK, "DATABASE_URL": "sqlite:///kept.db"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"creating a new SQLite file {tmp_path / 'kept.db'}" in result.stdout


# ---------------------------------------------------------------------------- /healthz


def health(proc: KeptProcess) -> tuple[int, dict[str, Any]]:
    try:
        with _OPENER.open(f"{proc.url}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[KeptProcesses]:
    with KeptProcesses(tmp_path) as started:
        yield started


@pytest.mark.slow
def test_healthz_reports_slack_and_a_stale_scheduler(
    fake_slack: FakeSlack, procs: KeptProcesses, tmp_path: Path
) -> None:
    env = base_env(
        SLACK_API_URL=fake_slack.api_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path}/kept.db",
        KEPT_TICK_SECONDS="0.2",
        KEPT_HEALTH_STALE_AFTER="2s",
        KEPT_REMIND_BEFORE="0",
        KEPT_ESCALATE_AFTER="1h",
        KEPT_RESPECT_WORKING_HOURS="false",
        KEPT_DIGEST="off",
        KEPT_SLACK_TIMEOUT="6",
        KEPT_CLAIM_LEASE="15s",
    )
    proc = procs.start(env)
    proc.wait_healthy()
    status, body = health(proc)
    until = time.monotonic() + 10
    while body["scheduler"]["last_pass_age_seconds"] is None and time.monotonic() < until:
        time.sleep(0.1)  # the first pass
        status, body = health(proc)
    assert status == 200 and body["status"] == "ok"
    assert body["slack"]["reachable"] is True  # from the start-up auth.test, no extra call
    assert body["scheduler"]["stale"] is False
    assert body["scheduler"]["last_pass_age_seconds"] < 2
    auth_calls = len(fake_slack.calls("auth.test"))
    for _ in range(20):
        health(proc)
    assert len(fake_slack.calls("auth.test")) == auth_calls  # probes don't call Slack

    # the scheduler gets stuck on Slack: sending the nudge takes longer than 2 s
    fake_slack.set_delay("chat.postMessage", 5)
    deadline = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = "stale"
    body_bytes = slash_command_body(
        text=f"call Jane back by {deadline}",
        user_id=OWNER,
        team_id=TEAM,
        response_url=fake_slack.response_url(key),
    )
    assert post(f"{proc.url}/slack/events", body_bytes, secret=SECRET).status == 200
    seen: tuple[int, dict[str, Any]] | None = None
    until = time.monotonic() + 15
    while time.monotonic() < until:
        status, body = health(proc)
        if status == 503:
            seen = (status, body)
            break
        time.sleep(0.2)
    assert seen is not None, proc.logs()
    assert seen[1]["status"] == "scheduler stale" and seen[1]["scheduler"]["stale"] is True
    assert seen[1]["scheduler"]["last_pass_age_seconds"] > 2
    # Slack answers again: the pass ends and health is back
    fake_slack.set_delay("chat.postMessage", 0)
    until = time.monotonic() + 20
    while time.monotonic() < until and health(proc)[0] != 200:
        time.sleep(0.2)
    assert health(proc)[0] == 200


@pytest.mark.slow
def test_healthz_says_when_slack_is_unreachable(procs: KeptProcesses, tmp_path: Path) -> None:
    env = base_env(
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path}/kept.db",
        KEPT_DIGEST="off",
        KEPT_SLACK_TIMEOUT="1",
        KEPT_CLAIM_LEASE="5s",
    )
    proc = procs.start(env, "--no-scheduler")
    proc.wait_healthy()
    status, body = health(proc)
    assert status == 200  # Kept itself is fine: restarting it would not bring Slack back
    assert body["slack"]["reachable"] is False and body["slack"]["error"]
    assert "Traceback" not in proc.logs(20000)
    assert os.path.exists(tmp_path / "kept.db")


def test_healthz_is_503_draining_once_the_process_is_stopping(runtime: Runtime) -> None:
    import threading

    from bot.app import create_app
    from bot.slack.server import ServerLimits, make_server
    from bot.slack.web import HealthState, KeptWSGI

    state = HealthState()
    server = make_server(
        KeptWSGI(create_app(runtime), runtime, state),
        host="127.0.0.1",
        port=0,
        limits=ServerLimits(threads=2),
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/healthz"
    try:
        with _OPENER.open(url, timeout=5) as response:
            assert response.status == 200
        state.draining = True  # what the graceful stop sets first
        with pytest.raises(urllib.error.HTTPError) as refused:
            _OPENER.open(url, timeout=5)
        assert refused.value.code == 503
        assert json.loads(refused.value.read())["status"] == "draining"
    finally:
        server.close()
        thread.join(timeout=5)
