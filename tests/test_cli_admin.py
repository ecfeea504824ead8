"""`kept supervisors ...`, `kept channels ...` and `kept report` as real processes, talking to
the fake Slack over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.channels.service import values_of
from bot.runtime import Runtime
from bot.store.models import ChannelSetting, Person, Promise
from scheduler.passes import run_pass
from tests.conftest import LEAD, OWNER, TEAM
from tests.fakeslack import FakeSlack
from tests.test_directory import BOSS, KIM, SAM, add_people, make_promise
from tests.test_reports import build_history

ROOT = Path(__file__).resolve().parent.parent


def kept(
    runtime: Runtime, fake: FakeSlack, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KEPT_", "DATABASE_URL"))
    }
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=runtime.settings.database_url,
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_supervisors_import_list_and_sync(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_people(fake_slack)
    (tmp_path / "people.csv").write_text(
        f"user,supervisor\n{SAM},boss@example.com\nkim.lee@example.com,{BOSS}\n"
        "U0NOBODY,boss@example.com\n"
    )
    bad = kept(runtime, fake_slack, "supervisors", "import", "people.csv", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr == "people.csv:4: user: Slack has no user U0NOBODY\n"
    assert "nothing was imported" in bad.stdout

    partial = kept(
        runtime, fake_slack, "supervisors", "import", "people.csv", "--partial", cwd=tmp_path
    )
    assert partial.returncode == 1
    assert partial.stdout == "kept: 2 supervisor(s) set for team T0001; 1 row(s) refused\n"
    listed = kept(runtime, fake_slack, "supervisors", "list", "--csv", cwd=tmp_path)
    assert (listed.returncode, listed.stdout) == (
        0,
        f"user,supervisor\n{KIM},{BOSS}\n{SAM},{BOSS}\n",
    )

    promise_id = make_promise(runtime, SAM, "send Acme the revised quote")
    fake_slack.add_user(SAM, name="sam", email="sam@example.com", deleted=True)
    synced = kept(runtime, fake_slack, "supervisors", "sync", cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr
    assert f"{SAM} is deactivated; 1 open promise(s) handed to {BOSS}" in synced.stdout
    with runtime.sessions() as session:
        assert session.get(Promise, promise_id).owner_id == BOSS  # type: ignore[union-attr]
        assert session.get(Person, (TEAM, SAM)).is_deleted  # type: ignore[union-attr]
    # the new owner's DM went through the outbox, due when the command ran (the real clock)
    run_pass(dataclasses.replace(runtime, clock=lambda: datetime.now(UTC)))
    told = [m for m in fake_slack.messages_to(BOSS) if "was deactivated" in str(m)]
    assert len(told) == 1


def test_import_of_a_missing_file_says_so(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    result = kept(runtime, fake_slack, "supervisors", "import", "nope.csv", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("kept: can't read nope.csv")


def test_channels_load_and_dump(runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path) -> None:
    (tmp_path / "channels.yml").write_text(
        "team: T0001\nchannels:\n  C0SALES:\n    kind: customer\n    escalate_after: 4h\n"
        "  C0HIRING:\n    kind: candidate\n"
    )
    loaded = kept(runtime, fake_slack, "channels", "load", "channels.yml", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == "kept: channel settings loaded for team T0001: 2 channel(s)\n"
    dumped = kept(runtime, fake_slack, "channels", "dump", cwd=tmp_path)
    assert dumped.returncode == 0, dumped.stderr
    assert dumped.stdout == (
        "team: T0001\nchannels:\n  C0HIRING:\n    kind: candidate\n"
        "  C0SALES:\n    kind: customer\n    escalate_after: 4h\n"
    )
    (tmp_path / "again.yml").write_text(dumped.stdout)
    again = kept(runtime, fake_slack, "channels", "load", "again.yml", cwd=tmp_path)
    assert again.returncode == 0, again.stderr

    (tmp_path / "bad.yml").write_text(
        "team: T0001\nchannels:\n  C0SALES:\n    kind: vendor\n  C0NEW:\n    remind_before: 1h\n"
        "  general:\n    kind: customer\n"
    )
    bad = kept(runtime, fake_slack, "channels", "load", "bad.yml", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        "bad.yml: line 4: C0SALES kind: The counterpart kind is one of candidate, customer, "
        "other, not vendor.",
        "bad.yml: line 7: `general` isn't a channel id (C… or G…; channels are checked by the "
        "shape of their id, not with Slack)",
        "kept: 2 problem(s) in bad.yml; nothing was changed",
    ]
    with runtime.sessions() as session:
        rows = {s.channel_id: values_of(s) for s in session.scalars(select(ChannelSetting))}
    assert rows == {
        "C0SALES": {"kind": "customer", "escalate_after": 14400},
        "C0HIRING": {"kind": "candidate"},
    }  # C0NEW was not half-applied


def test_report_as_table_and_csv(runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path) -> None:
    build_history(runtime)
    table = kept(
        runtime,
        fake_slack,
        "report",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-08",
        cwd=tmp_path,
    )
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "Kept report for T0001: 2026-11-01 00:00 to 2026-11-08 00:00 UTC"
    assert lines[1].split()[:3] == ["owner", "made", "kept"]
    assert lines[-1].split() == [
        "TOTAL",
        "10",
        "3",
        "3",
        "1d00h",
        "3d00h",
        "1",
        "1",
        "3",
        "2",
        "43%",
    ]
    as_csv = kept(
        runtime,
        fake_slack,
        "report",
        "--since",
        "2026-11-01",
        "--until",
        "2026-11-08",
        "--team",
        TEAM,
        "--csv",
        cwd=tmp_path,
    )
    assert as_csv.returncode == 0, as_csv.stderr
    rows = {row["owner_id"]: row for row in csv.DictReader(io.StringIO(as_csv.stdout))}
    assert set(rows) == {OWNER, LEAD, "TOTAL"}
    assert {
        k: rows[OWNER][k]
        for k in (
            "made",
            "kept_on_time",
            "kept_late",
            "median_late_seconds",
            "worst_late_seconds",
            "broken",
            "cancelled",
            "open",
            "overdue",
            "on_time_rate",
        )
    } == {
        "made": "8",
        "kept_on_time": "2",
        "kept_late": "3",
        "median_late_seconds": "86400",
        "worst_late_seconds": "259200",
        "broken": "1",
        "cancelled": "1",
        "open": "2",
        "overdue": "1",
        "on_time_rate": "0.3333",
    }
    wrong = kept(
        runtime,
        fake_slack,
        "report",
        "--since",
        "2026-11-08",
        "--until",
        "2026-11-01",
        cwd=tmp_path,
    )
    assert wrong.returncode == 2 and "--until must be after --since" in wrong.stderr
    not_a_date = kept(runtime, fake_slack, "report", "--since", "last week", cwd=tmp_path)
    assert not_a_date.returncode == 2 and "is not a date like 2026-11-01" in not_a_date.stderr
