"""Pacing Slack at scale (issue 20): a burst of nudges in one workspace against a fake Slack
that rate-limits like Slack (tiers per method and workspace, chat.postMessage per channel and
per workspace, 429 + Retry-After) goes out as fast as it allows: every nudge once, under 1% of
calls answered 429, and a second workspace's nudges not held behind the first's.

These run in real time (a real clock for Kept, real-time buckets in the fake): what is tested
is how fast real sender threads may call Slack. Rates are Slack's times SCALE, so a burst of a
few hundred takes seconds, not minutes.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import func, select

from bot.promises.service import NewPromise, create_promise
from bot.promises.steps import Timing
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.pacing import Pacer
from bot.store.migrate import migrate
from bot.store.models import Delivery, DeliveryStatus, Step
from scheduler.passes import run_pass
from scheduler.queue import next_due
from scheduler.send import METADATA_EVENT
from tests.conftest import SECRET
from tests.fakeslack import APP_ID, BOT_ID, BOT_USER_ID, FakeSlack, RateLimits

BUSY, QUIET = "T0BUSY", "T0QUIET"
SCALE = 5.0
POSTS_PER_MINUTE = 240.0  # x SCALE: 20 posts a second per workspace


def install(runtime: Runtime, fake: FakeSlack, team_id: str) -> None:
    token = f"xoxb-{team_id}"
    fake.add_workspace(team_id, token=token, name=team_id)
    assert runtime.installations is not None
    runtime.installations.store.save(
        Installation(
            app_id=APP_ID,
            team_id=team_id,
            bot_token=token,
            bot_id=BOT_ID,
            bot_user_id=BOT_USER_ID,
            user_id="U0INSTALLER",
            installed_at=time.time(),
        )
    )


def owners(team_id: str, count: int) -> list[str]:
    return [f"U0{team_id[2:6]}{i:03d}" for i in range(count)]


def due_nudges(runtime: Runtime, team_id: str, people: list[str], per_owner: int) -> int:
    now = runtime.now()
    with runtime.sessions.begin() as session:
        for round_ in range(per_owner):
            for owner in people:
                create_promise(
                    session,
                    NewPromise(
                        team_id=team_id,
                        owner_id=owner,
                        created_by=owner,
                        description=f"call candidate {round_} back",
                        now=now,
                        timing=Timing(remind_before=timedelta(0), escalate_after=timedelta(days=1)),
                        counterpart=None,
                        counterpart_kind=None,
                        source_channel_id=None,
                    ),
                    deadline=now + timedelta(seconds=1),
                )
    return per_owner * len(people)


def drain(runtime: Runtime, expected: int, timeout: float) -> None:
    """Run passes as the scheduler loop would (again when the next row falls due)."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        run_pass(runtime)
        with runtime.readers() as session:
            sent = session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.step == Step.NUDGE, Delivery.status == DeliveryStatus.SENT)
            )
            due = next_due(session)
        if sent == expected:
            return
        if due is not None:
            time.sleep(min(0.5, max(0.0, (due - runtime.now()).total_seconds())))
    raise AssertionError(f"{sent} of {expected} nudges sent in {timeout} s")


def nudge_arrivals(fake: FakeSlack, token: str) -> list[tuple[str, float]]:
    found = []
    for call in fake.calls("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        if call.ok and call.token == token and metadata.get("event_type") == METADATA_EVENT:
            found.append((metadata["event_payload"]["key"], call.at))
    return found


@pytest.fixture
def paced(database_url: str, fake_slack: FakeSlack) -> Any:
    fake_slack.now = time.time  # real time throughout: see the module docstring
    settings = Settings(
        slack_bot_token="",
        slack_signing_secret=SECRET,
        slack_client_id=FakeSlack.CLIENT_ID,
        slack_client_secret=FakeSlack.CLIENT_SECRET,
        database_url=database_url,
        slack_api_url=fake_slack.api_url,
        respect_working_hours=False,
        slack_timeout=3.0,
        claim_lease=timedelta(seconds=10),
        slack_posts_per_minute=POSTS_PER_MINUTE,
        slack_rate_scale=SCALE,
    )
    runtime = Runtime.build(settings, clock=lambda: datetime.now(UTC))
    migrate(runtime.engine)
    for team_id in (BUSY, QUIET):
        install(runtime, fake_slack, team_id)
    yield runtime
    runtime.engine.dispose()


def test_a_burst_goes_out_at_slacks_pace_once_each_and_another_workspace_is_not_held(
    paced: Runtime, fake_slack: FakeSlack
) -> None:
    busy, quiet = owners(BUSY, 60), owners(QUIET, 10)
    for team_id, people in ((BUSY, busy), (QUIET, quiet)):
        for user in people:
            fake_slack.add_user(user, team_id=team_id)
            paced.warm_person(team_id, user)  # people Kept knows already
    expected = due_nudges(paced, BUSY, busy, 5)  # 300, five per owner's DM
    expected += due_nudges(paced, QUIET, quiet, 2)  # 20, due with them, created after
    fake_slack.limit_rates(
        RateLimits(workspace_posts_per_minute=POSTS_PER_MINUTE, scale=SCALE, clock=time.monotonic)
    )
    fake_slack.clear()
    time.sleep(1.0)  # all due now
    started = time.monotonic()
    drain(paced, expected, timeout=120)

    calls = fake_slack.calls()
    limited = [c for c in calls if c.status == 429]
    assert len(limited) / len(calls) < 0.01, Counter(c.method for c in limited)
    # every nudge delivered exactly once
    for token, count in (("xoxb-" + BUSY, 300), ("xoxb-" + QUIET, 20)):
        arrivals = nudge_arrivals(fake_slack, token)
        seen = Counter((c.method, c.status) for c in calls)
        assert len(arrivals) == count, seen
        assert len({key for key, _ in arrivals}) == count, seen
    # as fast as Slack allows: 300 posts at 20/s after a burst is ~14 s at best (the owners'
    # status reads, Tier 4 at 8/s here, take ~7 s of it)
    busy_done = max(at for _, at in nudge_arrivals(fake_slack, "xoxb-" + BUSY)) - started
    ideal = (300 - 30) / (POSTS_PER_MINUTE * SCALE / 60)
    assert ideal <= busy_done + 1.0 < ideal * 2.0, (busy_done, ideal)
    # the quiet workspace's nudges were not queued behind the busy one's
    quiet_done = max(at for _, at in nudge_arrivals(fake_slack, "xoxb-" + QUIET)) - started
    assert quiet_done < busy_done / 2.5, (quiet_done, busy_done)


def test_a_429_holds_the_whole_workspace_for_retry_after() -> None:
    now = [1000.0]
    pacer = Pacer(posts_per_minute=600, clock=lambda: now[0])
    assert pacer.take(BUSY, "chat.postMessage").taken
    pacer.hold(BUSY, "chat.postMessage", 7)
    held = pacer.take(BUSY, "chat.postMessage", channel="D1")
    assert not held.taken and held.delay == pytest.approx(7)
    # the next rows held back are booked one interval apart, not all at the same moment
    assert pacer.take(BUSY, "chat.postMessage").delay == pytest.approx(7.1)
    assert pacer.take(QUIET, "chat.postMessage").taken  # another workspace goes on
    assert pacer.take(BUSY, "views.publish").taken  # and so does another method
    now[0] += 7
    assert pacer.take(BUSY, "chat.postMessage").taken


def test_turns_follow_the_rate_after_a_short_burst() -> None:
    now = [0.0]
    pacer = Pacer(posts_per_minute=600, clock=lambda: now[0])  # 10/s, a burst of 20
    starts = [pacer.take(BUSY, "chat.postMessage") for _ in range(40)]
    assert all(s.taken for s in starts)  # within MAX_WAIT (2 s): taken, to sleep until
    assert [round(s.start, 6) for s in starts[:20]] == [0.0] * 20
    assert starts[39].start == pytest.approx(2.0)
    later = pacer.take(BUSY, "chat.postMessage")
    assert not later.taken and later.delay == pytest.approx(2.1)  # postponed, not slept
    # one channel: a burst of 3 (inside the fake's 4), then one a second
    channel = [pacer.take(QUIET, "chat.postMessage", channel="D2", max_wait=60) for _ in range(5)]
    assert [round(s.start, 3) for s in channel] == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_the_dispatcher_hands_each_send_over_at_its_turn_in_order() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from scheduler.dispatch import Dispatcher

    ran: list[tuple[str, float]] = []
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        dispatcher: Dispatcher[str, str] = Dispatcher(
            pool, lambda item: ran.append((item, time.monotonic() - began)) or item
        )
        futures = [
            dispatcher.submit(0.3, "late"),
            dispatcher.submit(0.0, "now"),
            dispatcher.submit(0.1, "soon"),
        ]
        assert [f.result(timeout=5) for f in futures] == ["late", "now", "soon"]
        dispatcher.close()
    assert [item for item, _ in ran] == ["now", "soon", "late"]
    at = dict(ran)
    assert at["now"] < 0.1 <= at["soon"] < 0.3 <= at["late"] < 1.0, at


def test_a_429_holds_the_whole_workspace_not_just_the_row_that_got_it(
    paced: Runtime, fake_slack: FakeSlack
) -> None:
    people = owners(BUSY, 40)
    for user in people:
        fake_slack.add_user(user, team_id=BUSY)
        paced.warm_person(BUSY, user)
    expected = due_nudges(paced, BUSY, people, 1)
    fake_slack.limit_rates(
        RateLimits(workspace_posts_per_minute=POSTS_PER_MINUTE, scale=SCALE, clock=time.monotonic)
    )
    fake_slack.clear()
    time.sleep(1.0)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=2)
    drain(paced, expected, timeout=60)

    posts = fake_slack.calls("chat.postMessage")
    refused = [c for c in posts if c.status == 429]
    assert len(refused) == 1  # the injected one; the pacing itself ran into none
    held_at = refused[0].at
    # what was already handed over may still arrive; after that nothing until Retry-After
    during = [c for c in posts if held_at + 1.0 < c.at < held_at + 1.9]
    assert during == [], [round(c.at - held_at, 2) for c in during]
    after = [c for c in posts if c.at >= held_at + 1.9]
    assert after, "the workspace went on after Retry-After"
    delivered = [k for k, _ in nudge_arrivals(fake_slack, "xoxb-" + BUSY)]
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == expected


def test_a_claim_reads_past_a_workspace_at_its_rate_and_takes_each_row_once(
    runtime: Runtime,
) -> None:
    from scheduler.queue import claim

    now = runtime.now()
    order = [("T0B", "U0B1"), ("T0A", "U0A1"), ("T0A", "U0A2"), ("T0B", "U0B2")]
    with runtime.sessions.begin() as session:
        for team_id, owner in order:
            create_promise(
                session,
                NewPromise(
                    team_id=team_id,
                    owner_id=owner,
                    created_by=owner,
                    description="call them back",
                    now=now - timedelta(hours=1),
                    timing=Timing(remind_before=timedelta(0), escalate_after=timedelta(days=1)),
                ),
                deadline=now,
            )
    asked: list[str] = []

    def pace(delivery_id: int, team_id: str, step: Step) -> bool:
        asked.append(team_id)
        return team_id == "T0B" or asked.count("T0A") == 1  # room for one row of T0A

    with runtime.sessions.begin() as session:
        claimed = claim(
            session, now=now, worker="w", limit=4, lease=timedelta(seconds=10), pace=pace
        )
    ids = [delivery_id for delivery_id, _ in claimed]
    assert len(ids) == len(set(ids)) == 3, claimed
    with runtime.readers() as session:
        teams = sorted(session.scalars(select(Delivery.team_id).where(Delivery.id.in_(ids))).all())
        left = session.scalars(
            select(Delivery.status).where(
                Delivery.team_id == "T0A", Delivery.step == Step.NUDGE, Delivery.id.not_in(ids)
            )
        ).all()
    assert teams == ["T0A", "T0B", "T0B"]
    assert left == [DeliveryStatus.PENDING]  # the row with no turn stays due, untouched


def test_every_transport_has_the_slack_method_it_is_paced_by() -> None:
    """A new transport (the chart's upload came after pacing) takes its turn somewhere: no
    pass may fail on a KeyError when its rows are claimed."""
    from bot.slack.pacing import METHOD_TIERS, POST, method_of
    from scheduler.steps import Transport

    for transport in Transport:
        method = method_of(transport.value)
        assert method == POST or method in METHOD_TIERS, (transport, method)
