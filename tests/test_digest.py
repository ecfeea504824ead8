"""The weekly supervisor digest: planned once per supervisor per week, sent at the start of
their working day, exactly once across passes, restarts and several workers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.people.acting import Actor
from bot.people.profiles import set_supervisor
from bot.promises.service import NewPromise, close_promise, create_promise
from bot.promises.steps import Timing
from bot.reports.digest import digest_slot, plan_digests
from bot.runtime import Runtime
from bot.settings import DigestSchedule
from bot.store.models import Delivery, Status
from scheduler.passes import plan_weekly_digests, run_pass
from tests.conftest import LEAD, OWNER, TEAM, Clock, make_runtime, message_text
from tests.fakeslack import FakeSlack

MONDAY_0800_BERLIN = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
MONDAY_0900_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def history(runtime: Runtime, clock: Clock) -> None:
    """Last week (from Monday 30 Nov): 4 made, 1 kept on time, 1 late, 1 broken, 1 overdue."""
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
        ids = []
        for n, hours in enumerate((10, 11, 12, 13)):
            promise = create_promise(
                session,
                NewPromise(
                    team_id=TEAM,
                    owner_id=OWNER,
                    created_by=OWNER,
                    description=f"promise {n}",
                    now=clock(),
                    timing=Timing(),
                ),
                deadline=clock() + timedelta(hours=hours),
            )
            ids.append(promise.id)
    clock.advance(hours=10, minutes=30)
    with runtime.sessions.begin() as session:
        close_promise(
            session,
            team_id=TEAM,
            promise_id=ids[0],
            actor=Actor(OWNER),
            outcome=Status.KEPT,
            note=None,
            now=clock(),
        )  # 30 min late
        close_promise(
            session,
            team_id=TEAM,
            promise_id=ids[1],
            actor=Actor(OWNER),
            outcome=Status.KEPT,
            note=None,
            now=clock(),
        )  # on time
        close_promise(
            session,
            team_id=TEAM,
            promise_id=ids[2],
            actor=Actor(OWNER),
            outcome=Status.BROKEN,
            note="filled",
            now=clock(),
        )


def digests(fake: FakeSlack) -> list[dict]:
    return [
        m
        for m in fake.messages_to(LEAD)
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("digest:")
    ]


def test_slot_is_monday_at_nine_in_the_supervisors_zone() -> None:
    schedule = DigestSchedule(0, datetime.min.time().replace(hour=9))
    week, due = digest_slot(datetime(2026, 12, 2, 12, tzinfo=UTC), "Europe/Berlin", schedule)
    assert week == "2026-W49" and due == MONDAY_0900_BERLIN
    week, due = digest_slot(
        datetime(2026, 11, 30, 7, 30, tzinfo=UTC), "America/Los_Angeles", schedule
    )
    # still Sunday 29 Nov in Los Angeles: that week's Monday is the 23rd
    assert week == "2026-W48" and due == datetime(2026, 11, 23, 17, tzinfo=UTC)


def test_digest_is_sent_once_at_the_start_of_the_working_day(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    history(runtime, clock)
    runtime = make_runtime(runtime, respect_working_hours=True)
    clock.set(MONDAY_0800_BERLIN)
    assert plan_weekly_digests(runtime) == 1
    assert plan_weekly_digests(runtime) == 0  # planned once
    run_pass(runtime)
    assert digests(fake_slack) == []  # not yet 09:00 in Berlin
    clock.set(MONDAY_0900_BERLIN)
    for _ in range(3):
        run_pass(runtime)
        plan_weekly_digests(runtime)
    sent = digests(fake_slack)
    assert len(sent) == 1
    text = message_text(sent[0])
    assert "4 made, 1 kept on time, 1 kept late, 1 broken" in text
    assert "Open at the end of the week:* 1, of which 1 overdue" in text
    assert "promise 3" in text  # the overdue one, with one-click actions
    buttons = {
        e["action_id"] for b in sent[0]["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert buttons == {"promise_remind_owner", "promise_kept"}


def test_digest_survives_a_restart_and_two_workers(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    history(runtime, clock)
    clock.set(MONDAY_0900_BERLIN + timedelta(hours=2))
    # two bot processes plan and deliver at the same time
    restarted = Runtime.build(runtime.settings, clock=clock)
    try:
        barrier = threading.Barrier(2)

        def work(rt: Runtime, name: str) -> None:
            barrier.wait()
            plan_weekly_digests(rt)
            run_pass(rt, worker=name)

        threads = [
            threading.Thread(target=work, args=(rt, f"w{i}"))
            for i, rt in enumerate((runtime, restarted))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        run_pass(restarted)
    finally:
        restarted.engine.dispose()
    assert len(digests(fake_slack)) == 1
    with runtime.sessions() as session:
        rows = list(session.scalars(select(Delivery).where(Delivery.step == "digest")))
    assert [r.status for r in rows] == ["sent"]
    # the next week brings the next digest
    clock.set(MONDAY_0900_BERLIN + timedelta(days=7))
    plan_weekly_digests(runtime)
    run_pass(runtime)
    assert len(digests(fake_slack)) == 2


def test_digest_off(runtime: Runtime, clock: Clock, fake_slack: FakeSlack) -> None:
    history(runtime, clock)
    runtime = make_runtime(runtime, digest=None)
    clock.set(MONDAY_0900_BERLIN)
    assert plan_weekly_digests(runtime) == 0
    run_pass(runtime)
    assert digests(fake_slack) == []
    with runtime.sessions.begin() as session:  # the function itself still plans on request
        assert plan_digests(session, clock(), DigestSchedule(0, MONDAY_0900_BERLIN.time())) == 1


def test_no_digest_before_kept_was_in_use_for_a_week(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    """A fresh install: supervisors set, a first promise this Monday morning; no all-zero
    "last week" digest today, and next Monday's tells about this week."""
    clock.set(MONDAY_0800_BERLIN)
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
    assert plan_weekly_digests(runtime) == 0  # no promise at all yet
    with runtime.sessions.begin() as session:
        create_promise(
            session,
            NewPromise(
                team_id=TEAM,
                owner_id=OWNER,
                created_by=OWNER,
                description="send Acme the quote",
                now=clock(),
                timing=Timing(),
            ),
            deadline=clock() + timedelta(days=2),
        )
    assert plan_weekly_digests(runtime) == 0  # Kept was not in use last week
    run_pass(make_runtime(runtime, respect_working_hours=False))
    assert digests(fake_slack) == []
    clock.advance(days=7)
    assert plan_weekly_digests(runtime) == 1
