"""The operator's path (README "Running in production"): the systemd units in deploy/ verify
and agree with the README, the Procfile, `kept --version` tells builds apart, and a start-up
problem is one log line. Real processes and files; SQLite (nothing here depends on the
database)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.procs import ROOT, KeptProcesses, base_env, free_port

UNITS = sorted((ROOT / "deploy").glob("*.service"))
README = (ROOT / "README.md").read_text()


def test_there_is_a_single_process_unit_and_a_split_pair() -> None:
    names = {unit.name for unit in UNITS}
    assert names == {"kept.service", "kept-web.service", "kept-scheduler.service"}
    commands = {
        unit.name: re.search(r"^ExecStart=(.*)$", unit.read_text(), re.M).group(1)  # type: ignore[union-attr]
        for unit in UNITS
    }
    assert commands["kept.service"].endswith("kept run --host 127.0.0.1")
    assert commands["kept-web.service"].endswith("kept run --no-scheduler --host 127.0.0.1")
    assert commands["kept-scheduler.service"].endswith("kept scheduler")
    for name in names:
        assert f"deploy/{name}" in README, name


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_each_unit_can_write_where_the_readme_puts_the_data_and_settings(unit: Path) -> None:
    text = unit.read_text()
    assert "ProtectSystem=strict" in text
    # systemd makes /var/lib/kept, owned by the unit's user, writable under ProtectSystem
    assert "StateDirectory=kept" in text and "User=kept" in text
    assert "sqlite:////var/lib/kept/kept.db" in README
    assert "Environment=KEPT_ENV_FILE=/etc/kept/kept.env" in text
    assert "KEPT_ENV_FILE=/etc/kept/kept.env" in README
    steps = [line for line in text.splitlines() if line.startswith("#   ")]
    user = next(i for i, s in enumerate(steps) if "useradd" in s)
    owned = next(i for i, s in enumerate(steps) if "-g kept" in s)
    assert user < owned  # the user exists before a file is given to it


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_systemd_analyze_verify_accepts_each_unit(unit: Path, tmp_path: Path) -> None:
    # the unit as installed, with this machine's kept in place of /opt/kept/venv/bin/kept
    kept = Path(sys.executable).parent / "kept"
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace("/opt/kept/venv/bin/kept", str(kept)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert unit.name not in result.stderr, result.stderr


def test_the_procfile_runs_behind_a_router() -> None:
    lines = dict(
        line.split(": ", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert lines == {
        "release": "kept migrate",
        "web": "KEPT_HTTP_PER_CLIENT=0 kept run --no-scheduler",
        "worker": "kept scheduler",
    }


def test_version_names_the_build() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--version"],
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short=9", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert re.fullmatch(r"kept \S+ \(build [0-9a-f]{9,}(-dirty)?\)\n", result.stdout), result.stdout
    assert commit in result.stdout


def test_an_unreachable_slack_is_one_log_line(tmp_path: Path) -> None:
    env = base_env(
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL=f"sqlite:///{tmp_path}/kept.db",
        KEPT_DIGEST="off",
        KEPT_SLACK_TIMEOUT="1",
        KEPT_CLAIM_LEASE="5s",
    )
    with KeptProcesses(tmp_path) as procs:
        proc = procs.start(env, "--no-scheduler")
        proc.wait_healthy()
        proc.terminate()
        proc.wait_exit(15)
        logs = proc.logs(20000)
    about_slack = [line for line in logs.splitlines() if "Slack" in line or "slack" in line]
    assert [line for line in about_slack if "could not reach Slack" in line] != []
    assert not [line for line in logs.splitlines() if "ERROR" in line], logs
    assert len([line for line in about_slack if "WARNING" in line]) == 1, logs
