"""CSV cells never run (OWASP CSV injection): every CSV Kept writes (`kept export --format
csv`, `kept report --csv`, `kept supervisors list --csv`) neutralises cells starting with
`=`, `+`, `-`, `@`, a tab or a carriage return, whatever they came from: descriptions,
counterparts, notes, Slack real names. Real processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select

from bot.store.models import Promise
from tests.conftest import ADMIN, BotServer, message_text
from tests.test_cli_admin import kept

EVIL = "U0EVIL"
EVIL_NAME = '=HYPERLINK("https://evil.example","payroll")'
FORMULAS = ("=", "+", "-", "@", "\t", "\r")


def runs(cell: str) -> bool:
    return cell.startswith(FORMULAS)


def test_no_cell_of_kepts_csv_files_starts_a_formula(bot: BotServer, tmp_path: Path) -> None:
    bot.fake.add_user(EVIL, name="evil", real_name=EVIL_NAME, tz="America/Los_Angeles")
    reply = bot.command("+cmd|' /C calc'!A0 for Acme by Friday 5pm", user=EVIL)
    assert "hold you to this" in message_text(reply), message_text(reply)
    reply = bot.command("@SUM(1+1) -2+3 by Friday 5pm", user=EVIL)
    with bot.runtime.sessions.begin() as session:  # a counterpart and note as stored
        promise = session.scalars(select(Promise).order_by(Promise.id)).first()
        assert promise is not None
        promise.counterpart = "-2+3"
    promise_id = promise.id
    done = bot.command(f"done {promise_id} =1+2 \tsent", user=EVIL)
    assert "kept" in message_text(done).lower()
    bot.command(f"supervisor <@{EVIL}|e> <@{ADMIN}|a>", user=ADMIN)

    exported = kept(bot.runtime, bot.fake, "export", "--format", "csv", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    report = kept(bot.runtime, bot.fake, "report", "--since", "2026-11-01", "--csv", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    people = kept(bot.runtime, bot.fake, "supervisors", "list", "--csv", cwd=tmp_path)
    assert people.returncode == 0, people.stderr

    export_rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    report_rows = list(csv.DictReader(io.StringIO(report.stdout)))
    for rows in (export_rows, report_rows, list(csv.reader(io.StringIO(people.stdout)))):
        cells = [c for row in rows for c in (row.values() if isinstance(row, dict) else row)]
        assert cells and not [c for c in cells if runs(c)]
    # the words are all there, a quote in front
    descriptions = {r["description"] for r in export_rows}
    assert "'+cmd|' /C calc'!A0 for Acme" in descriptions
    assert {r["counterpart"] for r in export_rows if r["id"] == str(promise_id)} == {"'-2+3"}
    assert any(r["closure_note"] == "'=1+2 \tsent" for r in export_rows)
    assert [r["name"] for r in report_rows if r["owner_id"] == EVIL] == ["'" + EVIL_NAME]
    # history details are JSON: a cell starting with `{`, left as it is
    assert all(json.loads(r["event_detail"]) is not None for r in export_rows if r["event_detail"])


def test_export_has_the_cadence_columns_and_fails_in_one_line(
    bot: BotServer, tmp_path: Path
) -> None:
    reply = bot.command("keep Acme posted every Friday until Dec 18")
    assert "hold you to this" in message_text(reply) or "Friday" in message_text(reply)
    exported = kept(bot.runtime, bot.fake, "export", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    (record,) = [json.loads(line) for line in exported.stdout.splitlines()]
    assert record["rhythm_kind"] and record["series_ends_at"].startswith("2026-12-1")
    rows = list(csv.DictReader(io.StringIO(_csv(bot, tmp_path))))
    assert rows[0]["rhythm_kind"] == record["rhythm_kind"] and rows[0]["series_ends_at"]

    full = kept(bot.runtime, bot.fake, "export", "-o", "/dev/full", cwd=tmp_path)
    assert full.returncode == 1
    assert full.stderr.splitlines() == [
        "kept: can't write /dev/full: No space left on device; the export is incomplete"
    ]
    no_team = kept(bot.runtime, bot.fake, "export", "--team", " ", cwd=tmp_path)
    assert no_team.returncode == 2 and no_team.stdout == ""
    assert no_team.stderr.splitlines()[-1].endswith(
        "--team: is empty: give a Slack team id like T0123ABC"
    )


def _csv(bot: BotServer, tmp_path: Path) -> str:
    result = kept(bot.runtime, bot.fake, "export", "--format", "csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout
