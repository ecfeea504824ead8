"""Exactly once when Slack misbehaves (SPEC §4): 429, 5xx, slow answers, refusals, races.

The fake Slack injects the faults over real HTTP; the clock is moved by hand. Every delivery is
counted in the fake's stored messages by the key in its metadata. SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot.promises.service import NewPromise, create_promise
from bot.promises.steps import Timing
from bot.runtime import Runtime
from bot.store.models import Delivery, DeliveryStatus, Promise
from scheduler.passes import PassResult, run_pass
from scheduler.queue import MAX_PERMANENT_ATTEMPTS, claim
from scheduler.send import METADATA_EVENT
from tests.conftest import ADMIN, DEFAULT_NOW, INDIA, LEAD, OTHER, OWNER, TEAM, Clock
from tests.fakeslack import FakeSlack
from tests.test_scheduler import key, key_counts, make_promise

NUDGE_ONLY = Timing(remind_before=timedelta(0), escalate_after=timedelta(days=30))


def due_promise(runtime: Runtime, minutes: int = 60, **kwargs: object) -> Promise:
    return make_promise(
        runtime, deadline=DEFAULT_NOW + timedelta(minutes=minutes), timing=NUDGE_ONLY, **kwargs
    )  # type: ignore[arg-type]


def row(runtime: Runtime, delivery_key: str) -> Delivery:
    with runtime.sessions() as session:
        found = session.scalar(select(Delivery).where(Delivery.key == delivery_key))
    assert found is not None, delivery_key
    return found


def posts(fake: FakeSlack) -> int:
    return len(fake.calls("chat.postMessage"))


# ---------------------------------------------------------------------------- 429


def test_429_waits_for_retry_after_then_delivers_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    promise = due_promise(runtime)
    nudge = key(promise, "nudge")
    clock.set(promise.deadline)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=30)

    result = run_pass(runtime)
    assert result.failed == 1 and result.sent == 0
    assert key_counts(fake_slack) == Counter()
    stored = row(runtime, nudge)
    assert stored.status == "pending"
    assert stored.due_at == promise.deadline + timedelta(seconds=30)
    assert "ratelimited" in (stored.last_error or "")
    assert not stored.uncertain  # a 429 was not delivered: no look-up needed

    clock.advance(seconds=29)
    run_pass(runtime)
    assert posts(fake_slack) == 1  # not retried before Retry-After
    clock.advance(seconds=1)
    result = run_pass(runtime)
    assert result.sent == 1
    clock.advance(minutes=5)
    run_pass(runtime)
    assert key_counts(fake_slack) == Counter({nudge: 1})
    assert posts(fake_slack) == 2
    assert row(runtime, nudge).status == "sent"


def test_a_burst_of_429s_holds_everyone_back_and_loses_nobody(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    promises = [due_promise(runtime, description=f"call candidate {i}") for i in range(12)]
    clock.set(promises[0].deadline)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7, times=5)
    for _ in range(10):
        run_pass(runtime)
        clock.advance(seconds=7)
    assert key_counts(fake_slack) == Counter({key(p, "nudge"): 1 for p in promises})


# ---------------------------------------------------------------------------- 5xx


def test_server_errors_are_retried_with_back_off_and_delivered_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    promise = due_promise(runtime)
    nudge = key(promise, "nudge")
    clock.set(promise.deadline)
    fake_slack.fail_next("chat.postMessage", status=500, times=1)
    fake_slack.fail_next("chat.postMessage", status=503, times=2)

    waits = []
    for _ in range(3):
        before = runtime.now()
        assert run_pass(runtime).failed == 1
        stored = row(runtime, nudge)
        assert stored.status == "pending" and stored.uncertain
        waits.append(stored.due_at - before)
        clock.set(stored.due_at - timedelta(seconds=1))
        run_pass(runtime)  # not yet
        clock.set(stored.due_at)
    assert waits == sorted(waits) and waits[-1] > waits[0], waits  # backing off
    assert all(w >= runtime.settings.claim_lease for w in waits)  # time to land, if it did
    assert posts(fake_slack) == 3
    assert run_pass(runtime).sent == 1
    # each retry first looked for the message in the owner's IM
    assert len(fake_slack.calls("conversations.history")) == 3
    clock.advance(hours=1)
    run_pass(runtime)
    assert key_counts(fake_slack) == Counter({nudge: 1})
    assert row(runtime, nudge).attempts == 4


# ---------------------------------------------------------------------------- slow answers


def test_a_slow_answer_that_did_post_is_found_by_its_metadata_not_posted_again(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    impatient = Runtime.build(
        replace(runtime.settings, slack_timeout=1.0), clock=clock, engine=runtime.engine
    )
    promise = due_promise(runtime)
    other = due_promise(runtime, minutes=61, owner=INDIA, description="send the offer letter")
    nudge = key(promise, "nudge")
    clock.set(promise.deadline)
    # Slack takes 2.5 s to answer, the bot gives up after 1 s, but Slack did post it
    fake_slack.fail_next("chat.postMessage", status=200, delay=2.5)

    result = run_pass(impatient)
    assert result.failed == 1, result
    stored = row(runtime, nudge)
    assert stored.status == "pending" and stored.uncertain
    assert (
        "timed out" in (stored.last_error or "").lower()
        or "timeout" in (stored.last_error or "").lower()
    ), stored.last_error
    fake_slack.wait_for("chat.postMessage", where=lambda c: c.ok, timeout=10)
    assert key_counts(fake_slack) == Counter({nudge: 1})  # it is in Slack

    clock.set(stored.due_at)
    result = run_pass(impatient)
    assert result.recovered == 1 and result.sent == 0, result
    assert posts(fake_slack) == 1  # found, not posted again
    history = fake_slack.calls("conversations.history")
    assert history and history[-1].params.get("include_all_metadata") in (True, "true", "1")
    stored = row(runtime, nudge)
    assert stored.status == "sent"
    assert stored.message_ts == fake_slack.messages_to(OWNER)[0]["ts"]
    assert stored.channel_id == fake_slack.im_id(OWNER)

    clock.set(other.deadline)
    run_pass(impatient)
    clock.advance(hours=1)
    run_pass(impatient)
    assert key_counts(fake_slack) == Counter({nudge: 1, key(other, "nudge"): 1})
    impatient.engine.dispose()


def test_a_claim_left_by_a_crashed_worker_is_taken_over_and_checked_first(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    """A worker claimed two nudges, posted one of them, and died before recording either."""
    sent_before = due_promise(runtime, owner=OWNER)
    never_sent = due_promise(runtime, owner=LEAD, description="send Acme the quote")
    clock.set(sent_before.deadline)
    with runtime.sessions.begin() as session:
        claimed = claim(
            session,
            now=runtime.now(),
            worker="dead-worker",
            limit=10,
            lease=runtime.settings.claim_lease,
        )
    assert len(claimed) == 2
    # what the dead worker managed to post before it died
    WebClient(token="xoxb-test", base_url=fake_slack.api_url).chat_postMessage(
        channel=OWNER,
        text="Friendly nudge",
        metadata={
            "event_type": METADATA_EVENT,
            "event_payload": {"key": key(sent_before, "nudge")},
        },
    )

    assert run_pass(runtime).claimed == 0  # the lease still runs
    clock.advance(seconds=runtime.settings.claim_lease.total_seconds())
    result = run_pass(runtime)
    assert (result.recovered, result.sent) == (1, 1), result
    clock.advance(hours=1)
    run_pass(runtime)
    assert key_counts(fake_slack) == Counter(
        {key(sent_before, "nudge"): 1, key(never_sent, "nudge"): 1}
    )
    assert posts(fake_slack) == 2  # the dead worker's post, and the one never sent
    assert row(runtime, key(sent_before, "nudge")).status == "sent"


# ---------------------------------------------------------------------------- refusals


def test_a_permanent_refusal_fails_after_a_few_attempts_and_others_go_through(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    doomed = due_promise(runtime, minutes=60, description="call the candidate back")
    fine = due_promise(runtime, minutes=61, owner=LEAD, description="send Acme the quote")
    later = due_promise(runtime, minutes=120, owner=OTHER, description="refund order 1182")
    doomed_key = key(doomed, "nudge")
    clock.set(doomed.deadline + timedelta(minutes=1))

    attempts = 0
    for _ in range(MAX_PERMANENT_ATTEMPTS + 5):
        if row(runtime, doomed_key).status != "pending":
            break
        clock.set(max(runtime.now(), row(runtime, doomed_key).due_at))
        fake_slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
        # one sender thread: the doomed nudge (due first) takes the injected refusal
        run_pass(runtime, threads=1)
        attempts += 1
    stored = row(runtime, doomed_key)
    assert stored.status == DeliveryStatus.FAILED.value
    assert attempts == MAX_PERMANENT_ATTEMPTS
    assert "channel_not_found" in (stored.last_error or "")
    fake_slack.clear()  # drop any unused injected fault

    calls_before = posts(fake_slack)
    clock.set(later.deadline + timedelta(days=3))
    run_pass(runtime)
    assert posts(fake_slack) == calls_before + 1  # only `later`; the failed one is left alone
    counts = key_counts(fake_slack)
    assert counts == Counter({key(fine, "nudge"): 1, key(later, "nudge"): 1})


# ---------------------------------------------------------------------------- races


def test_two_passes_racing_over_300_due_promises_send_each_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    owners = [OWNER, LEAD, ADMIN, OTHER, INDIA]
    deadline = DEFAULT_NOW + timedelta(hours=1)
    with runtime.sessions.begin() as session:
        for i in range(300):
            create_promise(
                session,
                NewPromise(
                    team_id=TEAM,
                    owner_id=owners[i % 5],
                    created_by=OWNER,
                    description=f"call candidate {i} back",
                    now=runtime.now(),
                    timing=NUDGE_ONLY,
                ),
                deadline=deadline,
            )
    clock.set(deadline)
    results: dict[str, PassResult] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            start.wait()
            results[name] = run_pass(runtime, worker=name)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert sum(r.sent for r in results.values()) == 300, results
    assert not any(r.errors for r in results.values()), results
    counts = key_counts(fake_slack)
    assert len(counts) == 300 and set(counts.values()) == {1}
    assert posts(fake_slack) == 300
    with runtime.sessions() as session:
        statuses = Counter(session.scalars(select(Delivery.status).where(Delivery.step == "nudge")))
        workers = Counter(
            session.scalars(select(Delivery.claimed_by).where(Delivery.step == "nudge"))
        )
    assert statuses == Counter({"sent": 300})
    assert set(workers) <= {"worker-a", "worker-b"}
