"""`kept forget` erases everywhere (SPEC §4): every text column is classified in one place, a
name is matched as whole words with any case and accents on both databases, never inside a
longer word or an id, and a scan of every table afterwards finds nothing of the person or
the name. Data is made through signed /promise requests; forget runs as a real process."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, insert, select

from bot.runtime import Runtime
from bot.store.models import Base, HandledRequest, Promise
from bot.store.personal import PERSONAL_DATA
from tests.conftest import ADMIN, LEAD, OTHER, OWNER, BotServer, message_text
from tests.test_cli_admin import kept

ANNA = "U0ANNA"  # an id that "Ann" must never touch


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def everything(runtime: Runtime) -> str:
    """Every value of every table, JSON decoded, case-folded without accents."""
    parts: list[str] = []
    with runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, dict | list):
                        parts.append(json.dumps(value, ensure_ascii=False))
                    elif value is not None:
                        parts.append(str(value))
    return _folded("\n".join(parts))


def newest(runtime: Runtime) -> Promise:
    with runtime.sessions() as session:
        return session.scalars(select(Promise).order_by(Promise.id.desc())).first()  # type: ignore[return-value]


def test_every_text_column_says_what_it_holds_of_a_person() -> None:
    unclassified = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            textual = isinstance(column.type, String | Text | JSON) or isinstance(
                getattr(column.type, "impl", None), String | Text | JSON
            )
            if textual and column.name not in PERSONAL_DATA.get(table.name, {}):
                unclassified.append(f"{table.name}.{column.name}")
    assert unclassified == [], "classify these in bot/store/personal.py"
    for name, columns in PERSONAL_DATA.items():
        assert set(columns) <= set(Base.metadata.tables[name].columns.keys()), name


def make_history(bot: BotServer) -> None:
    """A counterpart with an accented name in descriptions, a series' end, notes, replies
    kept for repeated requests and history; and words and ids she must not touch."""
    bot.fake.add_user(ANNA, name="Anna Ng", tz="America/Los_Angeles")
    bot.command("call Élodie Durand back about the supervisor role by Friday 5pm")
    bot.command("keep Élodie Durand posted every Friday until ÉLODIE DURAND signs the contract")
    bot.command("send the Samsung annual quote to Sam's colleague by Friday 5pm")
    first = newest(bot.runtime).id - 2
    reply = bot.command(f"done {first} told elodie  durand; ann from U0ANNA's team agreed")
    assert "kept" in message_text(reply).lower(), message_text(reply)
    bot.command(f"handoff {first + 1} <@{ANNA}|anna>")
    bot.settle()
    # the decomposed form (e + U+0301), as some keyboards type it
    bot.command("write to E\u0301lodie Durand about references by Friday 5pm")


def test_forget_a_name_with_accents_everywhere_and_only_whole_words(
    bot: BotServer, tmp_path: Path
) -> None:
    make_history(bot)
    runtime = bot.runtime
    with runtime.sessions() as session:
        replies = [json.dumps(r) for r in session.scalars(select(HandledRequest.reply))]
        ends = list(session.scalars(select(Promise.series_end_event)))
    assert any("\\u00c9lodie" in r or "Élodie" in r for r in replies)  # the case that failed
    assert any(e and "ÉLODIE DURAND" in e for e in ends)
    assert "elodie durand" in everything(runtime)

    dry = kept(runtime, bot.fake, "forget", "Élodie Durand", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert any(
        line.startswith("promises ") and " series_end_event: " in line and "[forgotten]" in line
        for line in lines
    ), dry.stdout
    assert any(line.startswith("handled_requests ") and " reply: " in line for line in lines)
    assert any(" closure_note: " in line and "elodie  durand" in line for line in lines)
    assert lines[-1].startswith("kept: would change ") and "'Élodie Durand'" in lines[-1]
    assert not any("Samsung" in line.split("->")[-1] and "[forgotten]" in line for line in lines)
    assert "elodie durand" in everything(runtime)  # a dry run changes nothing

    done = kept(runtime, bot.fake, "forget", "élodie durand", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith("kept: changed ")
    left = everything(runtime)
    assert "elodie" not in left and "durand" not in left
    assert "[forgotten]" in left

    # whole words only: "Sam" and "Ann" are forgotten where they stand alone, not inside
    # "Samsung", "annual" or the id U0ANNA
    for name in ("Sam", "Ann"):
        result = kept(runtime, bot.fake, "forget", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    with runtime.sessions() as session:
        promises = list(session.scalars(select(Promise)))
        texts = [p.description + " " + (p.closure_note or "") for p in promises]
        owners = set(session.scalars(select(Promise.owner_id)))
    joined = " ".join(texts)
    assert "the Samsung annual quote to [forgotten]'s colleague" in joined
    assert "[forgotten] from U0ANNA's team" in joined
    assert ANNA in owners
    left = everything(runtime)
    assert _folded(ANNA) in left and "samsung" in left and "annual" in left


def test_forget_a_person_shows_the_refusal_then_leaves_nothing_of_them(
    bot: BotServer, tmp_path: Path
) -> None:
    runtime = bot.runtime
    bot.command(f"supervisor <@{OWNER}|o> <@{LEAD}|l>", user=ADMIN)
    bot.command(f"supervisor <@{OTHER}|o> <@{OWNER}|l>", user=ADMIN)
    bot.command("call Jane Doe back, cc <@U0OWNER>, by Friday 5pm")
    mine = newest(runtime).id
    bot.command("send Acme the revised quote by Friday 5pm", user=OTHER)
    theirs = newest(runtime).id
    bot.command(f"away Dec 11 <@{OWNER}>", user=OTHER)  # OWNER covers for OTHER
    bot.command(f"handoff {theirs} <@{OWNER}|olivia>", user=OTHER)
    bot.command(f"handoff {theirs} <@{OTHER}|otto>")  # and hands it back
    bot.settle()
    with runtime.sessions.begin() as session:  # Kept was installed by them (OAuth)
        session.execute(
            insert(Base.metadata.tables["slack_installations"]),
            {
                "client_id": "1.2",
                "app_id": "A1",
                "team_id": "T0001",
                "user_id": OWNER,
                "is_enterprise_install": False,
                "installed_at": datetime.now(UTC).replace(tzinfo=None),
            },
        )
    assert "olivia owner" in everything(runtime)  # their cached name

    dry = kept(runtime, bot.fake, "forget", OWNER, "--dry-run", cwd=tmp_path)
    assert dry.returncode == 1
    assert f"the real run will refuse: {OWNER} still owns 1 open promise(s) ({mine})" in dry.stderr
    lines = dry.stdout.splitlines()
    for expected in (
        f"people T0001/{OWNER}: deleted",
        f"promises {mine} owner_id: '{OWNER}' -> 'gone-",
        "slack_installations 1 user_id: ",
        "deliveries ",
        "handled_requests T0001/",
        f"people T0001/{OTHER} supervisor_id: '{OWNER}' -> None",
        "away_periods 1 cover_id: ",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, dry.stdout)
    assert any(" actor_id: " in line and line.startswith("deliveries ") for line in lines)
    refused = kept(runtime, bot.fake, "forget", OWNER, cwd=tmp_path)
    assert refused.returncode == 1 and "still owns 1 open promise" in refused.stderr
    assert _folded(OWNER) in everything(runtime)

    bot.command(f"handoff {mine} <@{LEAD}|lena>")
    bot.settle()
    done = kept(runtime, bot.fake, "forget", OWNER, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    left = everything(runtime)
    assert _folded(OWNER) not in left and "olivia" not in left
    assert "gone-" in left and "jane doe" in left  # the counterpart was not asked for


def test_forget_refuses_an_empty_team_and_a_too_short_name(
    runtime: Runtime, fake_slack: Any, tmp_path: Path
) -> None:
    empty = kept(runtime, fake_slack, "forget", "Jane Doe", "--team", "", cwd=tmp_path)
    assert empty.returncode == 2 and "--team: is empty" in empty.stderr
    short = kept(runtime, fake_slack, "forget", "J", cwd=tmp_path)
    assert short.returncode == 1 and "too short" in short.stderr
