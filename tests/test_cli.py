"""The `kept` command line, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from bot.store.db import make_engine
from bot.store.migrate import current_revision, head_revision


def kept(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KEPT_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_missing_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = kept("run", env={"SLACK_SIGNING_SECRET": "s"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_BOT_TOKEN is not set" in lines[0]
    result = kept("run", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET is not set" in result.stderr


def test_wrong_setting_names_the_setting(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "KEPT_ESCALATE_AFTER": "soon"}
    result = kept("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "kept: KEPT_ESCALATE_AFTER='soon' is not a duration: use e.g. 90s, 30m, 24h or 2d"
    )


def test_settings_come_from_dotenv_and_secrets_are_not_printed(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=very-secret-value\n"
    )
    result = kept("migrate", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kept.db").exists()  # the SQLite default
    assert "xoxb-from-dotenv" not in result.stdout + result.stderr
    assert "very-secret-value" not in result.stdout + result.stderr


def test_migrate_is_safe_to_run_twice(database_url: str, tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": database_url}
    first = kept("migrate", env=env, cwd=tmp_path)
    second = kept("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"promises", "promise_events", "people", "deliveries", "channel_settings"} <= tables
    engine.dispose()
