"""The supervisor directory: CSV import, listing, and deactivated owners (bot/directory.py),
against the fake Slack over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.people.directory import (
    import_supervisors,
    list_supervisors,
    reassign_deactivated,
    sync_people,
)
from bot.people.profiles import set_supervisor
from bot.promises.service import NewPromise, create_promise
from bot.promises.steps import Timing
from bot.runtime import Runtime
from bot.store.models import Person, Promise, PromiseEvent
from scheduler.passes import run_pass
from tests.conftest import ADMIN, DEFAULT_NOW, LEAD, OTHER, OWNER, TEAM, message_text
from tests.fakeslack import FakeSlack

SAM, KIM, BOSS, GONE = "U0SAM", "U0KIM", "U0BOSS", "U0GONE"


def add_people(fake: FakeSlack) -> None:
    fake.add_user(SAM, name="sam", email="sam@example.com")
    fake.add_user(KIM, name="kim", email="Kim.Lee@example.com", tz="Europe/London")
    fake.add_user(BOSS, name="boss", email="boss@example.com", tz="Europe/Berlin")
    fake.add_user(GONE, name="gone", email="gone@example.com", deleted=True)


def run_import(
    runtime: Runtime, tmp_path: Path, text: str, **kwargs: object
) -> tuple[int, str, str]:
    path = tmp_path / "people.csv"
    path.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    code = import_supervisors(runtime, path, out=out, err=err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def supervisors(runtime: Runtime) -> dict[str, str | None]:
    with runtime.sessions() as session:
        return {
            p.user_id: p.supervisor_id
            for p in session.scalars(select(Person).where(Person.supervisor_id.is_not(None)))
        }


def test_imports_ids_and_emails(runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path) -> None:
    add_people(fake_slack)
    code, out, err = run_import(
        runtime,
        tmp_path,
        "user,supervisor\n"
        f"{SAM},boss@example.com\n"
        "kim.lee@EXAMPLE.com,<@U0BOSS|boss>\n"
        f"{OWNER},{LEAD}\n",
    )
    assert (code, err) == (0, "")
    assert out == "kept: 3 supervisor(s) set for team T0001\n"  # team from auth.test
    assert supervisors(runtime) == {SAM: BOSS, KIM: BOSS, OWNER: LEAD}
    with runtime.sessions() as session:
        kim = session.get(Person, (TEAM, KIM))
        assert kim is not None and kim.tz == "Europe/London" and kim.name == "Kim"
    assert fake_slack.calls("users.lookupByEmail")


def test_problems_are_reported_by_line_and_nothing_is_applied(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_people(fake_slack)
    code, out, err = run_import(
        runtime,
        tmp_path,
        "user,supervisor\n"
        f"{SAM},{BOSS}\n"
        "U0NOBODY,U0BOSS\n"
        f"{KIM},nobody@example.com\n"
        f"{KIM},{KIM}\n"
        f"{OWNER},{GONE}\n"
        f"{SAM},{LEAD}\n"
        "jane doe,U0BOSS\n",
        team_id=TEAM,
    )
    assert code == 1
    assert err.splitlines() == [
        "people.csv:3: user: Slack has no user U0NOBODY",
        "people.csv:4: supervisor: no active Slack user has the e-mail address nobody@example.com",
        f"people.csv:5: {KIM} can't be their own supervisor",
        f"people.csv:6: supervisor: {GONE} is deactivated in Slack",
        f"people.csv:7: {SAM} already has a supervisor on line 2",
        "people.csv:8: user: `jane doe` is neither a Slack user id (U…) nor an e-mail address",
    ]
    assert "nothing was imported" in out and "--partial to import the 1 good row(s)" in out
    assert supervisors(runtime) == {}


def test_partial_applies_the_good_rows(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_people(fake_slack)
    code, out, err = run_import(
        runtime,
        tmp_path,
        f"user,supervisor\n{SAM},{BOSS}\nU0NOBODY,{BOSS}\n{KIM},{BOSS}\n",
        team_id=TEAM,
        partial=True,
    )
    assert code == 1  # something was refused, even though the rest was applied
    assert err == "people.csv:3: user: Slack has no user U0NOBODY\n"
    assert out == "kept: 2 supervisor(s) set for team T0001; 1 row(s) refused\n"
    assert supervisors(runtime) == {SAM: BOSS, KIM: BOSS}


def test_cycles_are_refused_within_the_file_and_with_the_directory(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_people(fake_slack)
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, LEAD, ADMIN)  # LEAD already reports to ADMIN
    code, _out, err = run_import(
        runtime,
        tmp_path,
        "user,supervisor\n"
        f"{SAM},{KIM}\n"
        f"{KIM},{SAM}\n"
        f"{ADMIN},{OWNER}\n"
        f"{OWNER},{LEAD}\n"
        f"{OTHER},{BOSS}\n",
        team_id=TEAM,
        partial=True,
    )
    assert code == 1
    assert err.splitlines() == [
        f"people.csv:2: {SAM} -> {KIM} would make a loop ({KIM} already reports to {SAM}, "
        "directly or through others)",
        f"people.csv:3: {KIM} -> {SAM} would make a loop ({SAM} already reports to {KIM}, "
        "directly or through others)",
        f"people.csv:4: {ADMIN} -> {OWNER} would make a loop ({OWNER} already reports to "
        f"{ADMIN}, directly or through others)",
        f"people.csv:5: {OWNER} -> {LEAD} would make a loop ({LEAD} already reports to "
        f"{OWNER}, directly or through others)",
    ]
    assert supervisors(runtime) == {LEAD: ADMIN, OTHER: BOSS}


def test_a_file_may_reorganise_what_the_directory_has(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Swapping who reports to whom is no loop once the whole file is applied."""
    add_people(fake_slack)
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, SAM, KIM)
    code, _out, err = run_import(
        runtime, tmp_path, f"user,supervisor\n{KIM},{SAM}\n{SAM},{BOSS}\n", team_id=TEAM
    )
    assert (code, err) == (0, "")
    assert supervisors(runtime) == {KIM: SAM, SAM: BOSS}


def test_header_is_required_and_blank_supervisor_clears(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_people(fake_slack)
    code, _out, err = run_import(runtime, tmp_path, f"{SAM},{BOSS}\n", team_id=TEAM)
    assert (
        code == 1 and err == "people.csv:1: the first line must be the header `user,supervisor`\n"
    )
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, SAM, KIM)
    code, _out, err = run_import(
        runtime, tmp_path, f"name,supervisor,user\nSam,,{SAM}\n", team_id=TEAM
    )
    assert (code, err) == (0, "")
    assert supervisors(runtime) == {}


def test_list(runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path) -> None:
    add_people(fake_slack)
    run_import(runtime, tmp_path, f"user,supervisor\n{SAM},{BOSS}\n{KIM},{BOSS}\n", team_id=TEAM)
    out = io.StringIO()
    assert list_supervisors(runtime, team_id=TEAM, as_csv=True, out=out) == 0
    assert out.getvalue() == f"user,supervisor\n{KIM},{BOSS}\n{SAM},{BOSS}\n"
    out = io.StringIO()
    assert list_supervisors(runtime, team_id=TEAM, out=out) == 0
    assert out.getvalue().splitlines() == [
        f"{KIM} (Kim)  ->  {BOSS} (Boss)",
        f"{SAM} (Sam)  ->  {BOSS} (Boss)",
    ]


def make_promise(runtime: Runtime, owner: str, description: str, hours: int = 48) -> int:
    with runtime.sessions.begin() as session:
        promise = create_promise(
            session,
            NewPromise(
                team_id=TEAM,
                owner_id=owner,
                created_by=owner,
                description=description,
                now=DEFAULT_NOW,
                timing=Timing(),
            ),
            deadline=DEFAULT_NOW + timedelta(hours=hours),
        )
        return promise.id


def test_reassign_deactivated_goes_to_the_first_active_supervisor(runtime: Runtime) -> None:
    first = make_promise(runtime, SAM, "send Acme the quote")
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, SAM, KIM)
        set_supervisor(session, TEAM, KIM, BOSS)
        kim = session.get(Person, (TEAM, KIM))
        assert kim is not None
        kim.is_deleted = True  # Kim has left too: Boss takes it
        moved = reassign_deactivated(session, TEAM, SAM, DEFAULT_NOW)
        assert [p.id for p in moved] == [first]
    with runtime.sessions() as session:
        promise = session.get(Promise, first)
        assert promise is not None and promise.owner_id == BOSS
        event = session.scalars(
            select(PromiseEvent)
            .where(PromiseEvent.promise_id == first)
            .order_by(PromiseEvent.id.desc())
        ).first()
        assert event is not None
        assert (event.kind, event.actor_id, event.at) == ("handed_off", "kept", DEFAULT_NOW)
        assert event.detail == {
            "old_owner": SAM,
            "new_owner": BOSS,
            "reason": "owner deactivated in Slack",
        }
    with runtime.sessions.begin() as session:
        assert reassign_deactivated(session, TEAM, OTHER, DEFAULT_NOW) == []  # no supervisor


def test_sync_hands_a_deactivated_owners_promises_to_the_supervisor(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    add_people(fake_slack)
    first = make_promise(runtime, SAM, "send Acme the revised quote")
    second = make_promise(runtime, SAM, "call Jane Doe back", hours=24)
    stays = make_promise(runtime, KIM, "refund order 1182")
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, SAM, BOSS)
    out = io.StringIO()
    assert sync_people(runtime, team_id=TEAM, out=out, err=io.StringIO()) == 0
    assert fake_slack.messages_to(BOSS) == []  # nobody is deactivated yet

    fake_slack.add_user(SAM, name="sam", email="sam@example.com", deleted=True)
    out = io.StringIO()
    assert sync_people(runtime, team_id=TEAM, out=out, err=io.StringIO()) == 0
    assert f"kept: {SAM} is deactivated; 2 open promise(s) handed to {BOSS}" in out.getvalue()
    with runtime.sessions() as session:
        owners = {p.id: p.owner_id for p in session.scalars(select(Promise))}
        sam = session.get(Person, (TEAM, SAM))
    assert owners == {first: BOSS, second: BOSS, stays: KIM}
    assert sam is not None and sam.is_deleted
    # the DM is an outbox row (kept across a crash), sent by the next scheduler pass
    assert fake_slack.messages_to(BOSS) == []
    run_pass(runtime)
    dms = fake_slack.messages_to(BOSS)
    assert len(dms) == 1
    text = message_text(dms[0])
    assert f"<@{SAM}>'s Slack account was deactivated" in text
    assert "2 open promises are now yours" in text
    # soonest deadline first, shown in Boss's time zone (Berlin)
    assert text.index("call Jane Doe back") < text.index("send Acme the revised quote")
    assert "CET" in text
    # running it again sends nothing more
    assert sync_people(runtime, team_id=TEAM, out=io.StringIO(), err=io.StringIO()) == 0
    run_pass(runtime)
    assert len(fake_slack.messages_to(BOSS)) == 1


def test_sync_says_when_nobody_can_take_the_promises(
    runtime: Runtime, fake_slack: FakeSlack
) -> None:
    add_people(fake_slack)
    make_promise(runtime, SAM, "send Acme the revised quote")
    fake_slack.add_user(SAM, name="sam", email="sam@example.com", deleted=True)
    err = io.StringIO()
    assert sync_people(runtime, team_id=TEAM, out=io.StringIO(), err=err) == 1
    assert f"{SAM} is deactivated and has open promises, but no active supervisor" in err.getvalue()
    with runtime.sessions() as session:
        assert session.scalar(select(Promise.owner_id)) == SAM


def test_a_bot_is_refused_as_supervisor_in_the_import(
    runtime: Runtime, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_people(fake_slack)
    fake_slack.add_user("U0ROBOT", name="robot", is_bot=True)
    code, _out, err = run_import(runtime, tmp_path, f"user,supervisor\n{SAM},U0ROBOT\n")
    assert code != 0
    assert "people.csv:2: supervisor: U0ROBOT is a bot, not a person" in err
    assert supervisors(runtime) == {}
