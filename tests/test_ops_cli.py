"""`kept doctor`, `kept export`, `kept forget` as real processes against the fake Slack, and
retention, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.ops.oauth import manifest_bot_scopes
from bot.ops.retention import purge_closed
from bot.people.acting import Actor
from bot.promises.service import close_promise
from bot.runtime import Runtime
from bot.store.models import Delivery, Person, Promise, PromiseEvent, Status
from scheduler.loop import SchedulerLoop
from tests.conftest import LEAD, OWNER, make_runtime
from tests.fakeslack import FakeSlack
from tests.test_cli_admin import ROOT, kept
from tests.test_scheduler import make_promise, supervise


def close(
    runtime: Runtime, promise: Promise, outcome: Status, note: str | None, by: str = OWNER
) -> None:
    with runtime.sessions.begin() as session:
        close_promise(
            session,
            team_id=promise.team_id,
            promise_id=promise.id,
            actor=Actor(user_id=by),
            outcome=outcome,
            note=note,
            now=runtime.now(),
        )


def good_manifest(tmp_path: Path) -> Path:
    text = (ROOT / "manifest.yml").read_text().replace("YOUR-HOST", "kept.acme-corp.net")
    path = tmp_path / "manifest.yml"
    path.write_text(text)
    return path


def test_doctor_on_a_healthy_install_exits_0(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    good_manifest(tmp_path)
    result = kept(runtime, fake_slack, "doctor", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    verdicts = {line.split(":", 1)[0].split()[-1]: line.split()[0] for line in lines[:-1]}
    assert verdicts == {
        "settings": "ok",
        "manifest": "ok",
        "database": "ok",
        "token": "ok",
        "scopes": "ok",
        "clock": "ok",
    }
    assert lines[-1] == "kept: all good"
    assert "xoxb-test" not in result.stdout and "SLACK_SIGNING_SECRET=****" in result.stdout


def test_doctor_names_a_missing_scope_and_a_placeholder_and_exits_1(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    granted = [s for s in manifest_bot_scopes() if s != "im:history"]
    fake_slack.grant_scopes(fake_slack.bot_token, granted)
    fake_slack.clock_skew = 90
    (tmp_path / "manifest.yml").write_text((ROOT / "manifest.yml").read_text())
    result = kept(runtime, fake_slack, "doctor", cwd=tmp_path)
    assert result.returncode == 1
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 3, result.stdout
    assert fails[0].startswith("FAIL  manifest:") and "YOUR-HOST" in fails[0]
    assert fails[1].startswith("FAIL  scopes: missing im:history")
    assert fails[2].startswith("FAIL  clock:") and "behind Slack" in fails[2]
    assert result.stdout.splitlines()[-1] == "kept: 3 problem(s)"


def test_doctor_with_a_revoked_token_exits_1(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    good_manifest(tmp_path)
    fake_slack.valid_tokens.discard(fake_slack.bot_token)
    result = kept(runtime, fake_slack, "doctor", cwd=tmp_path)
    assert result.returncode == 1
    assert "FAIL  token: Slack refused it (invalid_auth)" in result.stdout


def _export(runtime: Runtime, fake: FakeSlack, tmp_path: Path, fmt: str) -> str:
    result = kept(runtime, fake, "export", "--format", fmt, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_export_forget_export_leaves_the_name_nowhere(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    supervise(runtime)
    first = make_promise(runtime, deadline=runtime.now() + timedelta(hours=3))
    make_promise(
        runtime,
        deadline=runtime.now() + timedelta(days=2),
        description="send Acme the revised quote",
        counterpart="Acme",
    )
    close(runtime, first, Status.KEPT, "called Jane Doe, she accepted")
    lines = [
        json.loads(line) for line in _export(runtime, fake_slack, tmp_path, "jsonl").splitlines()
    ]
    assert [p["id"] for p in lines] == [first.id, first.id + 1]
    assert [e["kind"] for e in lines[0]["history"]][-1] != lines[0]["history"][0]["kind"]
    assert "Jane Doe" in json.dumps(lines[0])
    rows = list(csv.DictReader(io.StringIO(_export(runtime, fake_slack, tmp_path, "csv"))))
    assert len(rows) == len(lines[0]["history"]) + len(lines[1]["history"])
    assert {r["event_kind"] for r in rows} >= {"created", "closed"} or len(rows) >= 3

    dry = kept(runtime, fake_slack, "forget", "Jane Doe", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    for column in ("counterpart", "description", "closure_note"):
        assert f"promises {first.id} {column}: " in dry.stdout, dry.stdout
    assert f"promises {first.id} counterpart: 'Jane Doe' -> '[forgotten]'" in dry.stdout
    assert "would change" in dry.stdout.splitlines()[-1]
    assert "Jane Doe" in _export(runtime, fake_slack, tmp_path, "jsonl")  # nothing changed

    done = kept(runtime, fake_slack, "forget", "jane doe", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = _export(runtime, fake_slack, tmp_path, "jsonl") + _export(
        runtime, fake_slack, tmp_path, "csv"
    )
    assert "jane doe" not in after.lower() and "[forgotten]" in after
    assert "Acme" in after  # the other counterpart is untouched


def test_forget_a_user_refuses_while_they_own_open_promises_then_erases_them(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    supervise(runtime)
    promise = make_promise(runtime, deadline=runtime.now() + timedelta(hours=3))
    refused = kept(runtime, fake_slack, "forget", OWNER, cwd=tmp_path)
    assert refused.returncode == 1 and "still owns 1 open promise" in refused.stderr
    close(runtime, promise, Status.CANCELLED, None, by=LEAD)
    done = kept(runtime, fake_slack, "forget", OWNER, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    exported = _export(runtime, fake_slack, tmp_path, "jsonl") + _export(
        runtime, fake_slack, tmp_path, "csv"
    )
    assert OWNER not in exported and "gone-" in exported
    with runtime.readers() as session:
        assert session.get(Person, (promise.team_id, OWNER)) is None
        assert not any(
            OWNER in (d.recipient_id or "") + d.key for d in session.scalars(select(Delivery))
        )


def test_retention_deletes_only_closed_promises_older_than_the_limit(
    runtime: Runtime, clock: object
) -> None:
    old = make_promise(runtime, deadline=runtime.now() + timedelta(hours=3))
    recent = make_promise(runtime, deadline=runtime.now() + timedelta(hours=3))
    still_open = make_promise(runtime, deadline=runtime.now() + timedelta(hours=3))
    close(runtime, old, Status.KEPT, None)
    runtime.clock.advance(days=20)  # type: ignore[attr-defined]
    close(runtime, recent, Status.KEPT, None)
    runtime.clock.advance(days=15)  # type: ignore[attr-defined]
    # old closed 35 days ago, recent 15 days ago, still_open never: keep 30 days
    loop = SchedulerLoop(make_runtime(runtime, retention_days=30))
    loop.tick()
    with runtime.readers() as session:
        left = set(session.scalars(select(Promise.id)))
        events = set(session.scalars(select(PromiseEvent.promise_id)))
        deliveries = session.scalar(
            select(func.count(Delivery.id)).where(Delivery.promise_id == old.id)
        )
    assert left == {recent.id, still_open.id}
    assert old.id not in events and deliveries == 0
    # in small batches: each batch its own transaction, until nothing is left
    assert purge_closed(runtime.sessions, before=runtime.now(), batch=1) == 1


def test_doctor_shows_no_character_of_a_secret(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    good_manifest(tmp_path)
    token, secret = "xoxb-1234-5678-abcdWXYZ", "0123456789abcdef0123456789fedcba"
    fake_slack.add_token(token, scopes=frozenset(manifest_bot_scopes()))
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KEPT_", "DATABASE_"))
    }
    env.update(
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=fake_slack.api_url,
        DATABASE_URL=runtime.settings.database_url,
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fingerprint = hashlib.sha256(token.encode()).hexdigest()[:8]
    assert f"SLACK_BOT_TOKEN=xoxb-… (sha256 {fingerprint})" in result.stdout
    assert "SLACK_SIGNING_SECRET=**** (sha256 " in result.stdout
    for fragment in ("WXYZ", "1234", "0123", "dcba", "5678"):
        assert fragment not in result.stdout + result.stderr, fragment


def test_doctor_help_names_only_files_that_exist() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "doctor", "--help"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    named = re.findall(r"(?<![\w/])[\w.][\w./-]*\.(?:yml|yaml|env|service)\b", result.stdout)
    # the project's own files it names exist (an absolute path is the operator's own)
    assert named and all((ROOT / path).exists() for path in named), named
