"""Issue 8: nothing acknowledged is ever lost. Real `kept run` / `kept scheduler` processes
(SIGKILL, SIGTERM), signed HTTP like Slack's, the fake Slack over HTTP, on SQLite and
PostgreSQL. Each test prints what it measured (run with -s to see it).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.store.models import Delivery, DeliveryStatus, Promise, Step
from handlers.answer import WORKING_ON_IT
from tests.conftest import INDIA, OWNER, SECRET, TEAM, message_text
from tests.fakeslack import FakeSlack
from tests.procs import KeptProcess, KeptProcesses
from tests.slackreq import Reply, post, slash_command_body
from tests.test_processes import (
    OWNERS,
    db_runtime,
    delivery_key,
    kept_env,
    seed_due,
    stored_keys,
)

pytestmark = pytest.mark.slow

CONFIRMED = "hold you to this"
_DONE_ID = re.compile(r"/promise done (\d+)")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[KeptProcesses]:
    with KeptProcesses(tmp_path) as started:
        yield started


# ---------------------------------------------------------------------------- helpers


@dataclass
class Sent:
    """One /promise sent to a process and what came back (status None: no HTTP answer)."""

    description: str
    status: int | None
    answer: dict[str, Any] | None
    error: str | None = None
    at: float = 0.0  # time.monotonic() when the answer (or the error) came

    @property
    def confirmed_id(self) -> int | None:
        """The promise id the acknowledgement itself confirmed, if it did."""
        if self.status != 200 or not self.answer:
            return None
        words = message_text(self.answer)
        if CONFIRMED not in words or WORKING_ON_IT in words:
            return None
        found = _DONE_ID.search(words)
        return int(found.group(1)) if found else None


def in_three_days() -> str:
    moment = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def send_promise(
    fake: FakeSlack, proc: KeptProcess, description: str, user: str, when: str
) -> Sent:
    body = slash_command_body(
        text=f"{description} by {when}",
        user_id=user,
        team_id=TEAM,
        channel_id="C0SALES",
        response_url=fake.response_url(uuid.uuid4().hex),
    )
    try:
        reply = post(f"{proc.url}/slack/events", body, secret=SECRET, timeout=10)
    except OSError as error:  # refused or reset: no answer at all
        return Sent(description, None, None, type(error).__name__, time.monotonic())
    answer = reply.json() if reply.status == 200 and reply.body else None
    return Sent(description, reply.status, answer, at=time.monotonic())


def stored_promises(runtime: Runtime) -> dict[str, Promise]:
    with runtime.sessions() as session:
        return {p.description: p for p in session.scalars(select(Promise))}


def get_health(url: str) -> tuple[int | None, dict[str, Any] | None]:
    try:
        with _OPENER.open(f"{url}/healthz", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read())
        except ValueError:
            return error.code, None
    except (OSError, ValueError):
        return None, None


# ---------------------------------------------------------------- 1. kill -9 after 50 commands


def test_fifty_commands_then_sigkill_then_restart_keeps_all_fifty(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses
) -> None:
    runtime = db_runtime(database_url, fake_slack)
    env = kept_env(fake_slack, database_url)
    first = procs.start(env)
    first.wait_healthy()
    when = in_three_days()
    started = time.monotonic()
    sent = [
        send_promise(fake_slack, first, f"call candidate {i:02d} back", OWNERS[i % 5], when)
        for i in range(50)
    ]
    took = time.monotonic() - started
    first.kill()  # SIGKILL right after the 50th 200
    assert [s.status for s in sent] == [200] * 50, [s for s in sent if s.status != 200][:3]
    confirmed = [s.confirmed_id for s in sent]
    assert None not in confirmed, [s.answer for s in sent if s.confirmed_id is None][:2]

    second = procs.start(env)
    second.wait_healthy()
    stored = stored_promises(runtime)
    for s in sent:  # each answer named the promise that is stored
        assert s.description in stored, s.description
        assert stored[s.description].id == s.confirmed_id
    assert len(stored) == 50
    listed = send_list(fake_slack, second, OWNER)
    assert all(f"call candidate {i:02d} back" in listed for i in range(0, 50, 5)), listed[:500]
    print(
        f"\n[{runtime.settings.database_url.split(':')[0]}] 50 commands in {took:.2f}s, "
        f"50 x 200, {sum(c is not None for c in confirmed)} confirmed in the ack; "
        f"after kill -9 and restart: {len(stored)} stored"
    )
    runtime.engine.dispose()


def send_list(fake: FakeSlack, proc: KeptProcess, user: str) -> str:
    body = slash_command_body(
        text="list",
        user_id=user,
        team_id=TEAM,
        channel_id="C0SALES",
        response_url=fake.response_url(uuid.uuid4().hex),
    )
    reply = post(f"{proc.url}/slack/events", body, secret=SECRET)
    assert reply.status == 200, (reply.status, reply.text)
    return message_text(reply.json())


# ---------------------------------------------------------------- 2. SIGTERM in a burst


def test_sigterm_in_a_burst_from_four_clients_loses_no_acknowledged_promise(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses
) -> None:
    runtime = db_runtime(database_url, fake_slack)
    proc = procs.start(kept_env(fake_slack, database_url))
    proc.wait_healthy()
    # every request is from someone Kept has not met: a users.info of 0.3 s keeps requests
    # in flight, so the drain has something to wait for (and /healthz can be seen draining)
    people = [f"U0BURST{i:04d}" for i in range(4 * 150)]
    for user in people:
        fake_slack.add_user(user, name=user.title(), tz="UTC")
    fake_slack.set_delay("users.info", 0.3)
    when = in_three_days()
    results: list[list[Sent]] = [[] for _ in range(4)]
    acknowledged = threading.Semaphore(0)

    def client(n: int) -> None:
        for j in range(150):
            outcome = send_promise(
                fake_slack, proc, f"burst {n}-{j:03d} call back", people[n * 150 + j], when
            )
            results[n].append(outcome)
            if outcome.status == 200:
                acknowledged.release()
            if outcome.status is None:
                return  # the process is gone

    clients = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for thread in clients:
        thread.start()
    for _ in range(20):  # the burst is well under way
        assert acknowledged.acquire(timeout=20), proc.logs()
    health: list[tuple[float, int | None, str | None]] = []
    stop_polling = threading.Event()

    def poll_health() -> None:
        while not stop_polling.is_set():
            status, body = get_health(proc.url)
            if status is not None:
                health.append((time.monotonic(), status, (body or {}).get("status")))
            time.sleep(0.005)

    sigterm_at = proc.terminate()
    poller = threading.Thread(target=poll_health, daemon=True)
    poller.start()
    code = proc.wait_exit(timeout=15)
    exited_after = time.monotonic() - sigterm_at
    stop_polling.set()
    poller.join(5)
    for thread in clients:
        thread.join(15)
    assert code == 0, (code, proc.logs())
    assert exited_after < 10.0, exited_after

    sent = [s for per_client in results for s in per_client]
    stored = stored_promises(runtime)
    by_status = Counter(s.status for s in sent)
    ok = [s for s in sent if s.status == 200]
    refused = [s for s in sent if s.status == 503]
    unanswered = [s for s in sent if s.status is None]
    assert set(by_status) <= {200, 503, None}, by_status
    for s in ok:  # every 200 is stored, and its acknowledgement confirmed it
        assert s.confirmed_id is not None, s.answer
        assert s.description in stored and stored[s.description].id == s.confirmed_id
    for s in refused:  # refused while draining: nothing changed
        assert s.description not in stored, s.description
    assert set(stored) <= {s.description for s in ok + unanswered}
    drained = sum(s.at > sigterm_at for s in ok)
    after_sigterm = [(round(at - sigterm_at, 3), st, what) for at, st, what in health]
    assert all(st == 503 and what == "draining" for _at, st, what in after_sigterm), after_sigterm
    print(
        f"\n[{database_url.split(':')[0]}] SIGTERM after {len(ok) - drained} acknowledged, "
        f"{drained} more answered 200 while draining; "
        f"exit {code} after {exited_after:.2f}s; answers {dict(by_status)}; "
        f"{len(stored)} stored ({len(ok)} with a 200, "
        f"{len(stored) - len(ok)} unanswered but stored); "
        f"/healthz after SIGTERM: {Counter((st, w) for _a, st, w in after_sigterm)}"
    )
    assert after_sigterm, "no /healthz answer seen while draining"
    assert drained >= 1, "no request in flight at SIGTERM was finished"
    runtime.engine.dispose()


# ---------------------------------------------------------------- 3. kill -9 after a hand-off


def command_in(proc: KeptProcess, fake: FakeSlack, text: str, user: str = OWNER) -> Reply:
    body = slash_command_body(
        text=text,
        user_id=user,
        team_id=TEAM,
        channel_id="C0SALES",
        response_url=fake.response_url(uuid.uuid4().hex),
    )
    return post(f"{proc.url}/slack/events", body, secret=SECRET)


def wait_for_status(runtime: Runtime, step: Step, status: DeliveryStatus, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            found = session.scalar(
                select(func.count()).where(Delivery.step == step, Delivery.status == status)
            )
        if found:
            return
        time.sleep(0.005)
    raise AssertionError(f"no {step.value} row became {status.value} within {timeout}s")


def new_owner_dms(fake: FakeSlack) -> Counter[str]:
    return Counter(k for k in stored_keys(fake) if k.startswith(f"{Step.NEW_OWNER.value}:"))


@pytest.mark.parametrize("moment", ["at_once", "mid_send"])
def test_sigkill_right_after_a_hand_off_still_tells_the_new_owner_once(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses, moment: str
) -> None:
    """at_once: SIGKILL as soon as the 200 is in (the DM row is usually not even claimed).
    mid_send: SIGKILL while the DM's chat.postMessage is at Slack (slow to answer): it lands,
    unrecorded; the restarted process finds it by its metadata instead of sending it again."""
    runtime = db_runtime(database_url, fake_slack)
    env = kept_env(fake_slack, database_url, KEPT_CLAIM_LEASE="4s")
    first = procs.start(env)
    first.wait_healthy()
    made = send_promise(fake_slack, first, "send Jane Doe the offer", OWNER, in_three_days())
    promise_id = made.confirmed_id
    assert promise_id is not None, made
    # Slack is slow to answer the DM (under KEPT_SLACK_TIMEOUT): whether or not the sender
    # has claimed it when the process dies, the DM is not recorded as sent by then
    fake_slack.fail_next("chat.postMessage", status=200, delay=1.5 if moment == "mid_send" else 1.0)
    reply = command_in(first, fake_slack, f"handoff {promise_id} <@{INDIA}|indira>")
    if moment == "mid_send":
        # claimed, then posted: chat.postMessage sits 1.5 s at Slack (checked below)
        wait_for_status(runtime, Step.NEW_OWNER, DeliveryStatus.SENDING, timeout=2)
        time.sleep(0.4)
    first.kill()
    killed_at = time.monotonic()
    assert reply.status == 200, reply.text
    assert f"<@{INDIA}>" in message_text(reply.json()), reply.json()
    with runtime.sessions() as session:
        row = session.scalars(select(Delivery).where(Delivery.step == Step.NEW_OWNER)).one()
        status_at_kill, attempts_at_kill = row.status, row.attempts
        handed = session.get(Promise, promise_id)
        assert handed is not None and handed.owner_id == INDIA  # the hand-off is stored
    assert status_at_kill in {DeliveryStatus.PENDING, DeliveryStatus.SENDING}, status_at_kill

    second = procs.start(env)
    second.wait_healthy()
    deadline = time.monotonic() + 20
    while not new_owner_dms(fake_slack) and time.monotonic() < deadline:
        time.sleep(0.05)
    arrived_after = time.monotonic() - killed_at
    # the restarted process settles the row: sent, or found at Slack once its claim ran out
    wait_for_status(runtime, Step.NEW_OWNER, DeliveryStatus.SENT, timeout=20)
    settled_after = time.monotonic() - killed_at
    time.sleep(1.0)  # nothing more comes
    dms = new_owner_dms(fake_slack)
    assert list(dms.values()) == [1], (dms, second.logs())
    to_india = [m for m in fake_slack.messages_to(INDIA) if delivery_key(m) in dms]
    assert len(to_india) == 1 and "send Jane Doe the offer" in message_text(to_india[0])
    with runtime.sessions() as session:
        assert (
            session.scalar(
                select(func.count()).where(
                    Delivery.step == Step.NEW_OWNER, Delivery.status == DeliveryStatus.SENT
                )
            )
            == 1
        )
    if moment == "mid_send":
        assert status_at_kill is DeliveryStatus.SENDING
        # the post had reached Slack before the kill (a Call's `at` is when it arrived)
        posted = fake_slack.calls("chat.postMessage")
        assert posted and posted[0].at < killed_at, [(c.at - killed_at) for c in posted]
    print(
        f"\n[{database_url.split(':')[0]}] {moment}: hand-off answered 200, kill -9 with the DM "
        f"row {status_at_kill.value} ({attempts_at_kill} attempt(s) begun); after restart the new "
        f"owner's DM arrived {arrived_after:.2f}s after the kill, {sum(dms.values())} time(s), "
        f"row sent after {settled_after:.2f}s; chat.postMessage calls: "
        f"{len(fake_slack.calls('chat.postMessage'))}, look-ups: "
        f"{len(fake_slack.calls('conversations.history'))}"
    )
    runtime.engine.dispose()


# ---------------------------------------------------------------- 6. kept scheduler, SIGTERM


def statuses(runtime: Runtime) -> Counter[DeliveryStatus]:
    with runtime.sessions() as session:
        return Counter(session.scalars(select(Delivery.status).where(Delivery.step == Step.NUDGE)))


def test_kept_scheduler_sigterm_during_a_pass_exits_0_in_time_and_sends_nothing_twice(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses
) -> None:
    """160 nudges due, Slack 0.1 s a post: a pass of about 2 s, SIGTERM in the middle."""
    sigterm_the_scheduler(fake_slack, database_url, procs, due=160, post_delay=0.1)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "kept scheduler: SIGTERM waits for the whole pass, and run_pass claims batch after "
        "batch until nothing is due; a backlog that takes Slack 12 s keeps the process alive "
        "past the 10 s promised (issue 8 §4). Measured: exit 0 after 12.1 s (SQLite), "
        "13.0 s (PostgreSQL)"
    ),
)
def test_kept_scheduler_sigterm_with_a_long_backlog_still_exits_within_10s(
    fake_slack: FakeSlack, tmp_path: Path, procs: KeptProcesses
) -> None:
    """600 nudges due, Slack 0.15 s a post (about 12 s of sending). SQLite only: the wait is
    in the scheduler loop, not in the database (PostgreSQL measured the same)."""
    url = f"sqlite:///{tmp_path}/kept.db"
    sigterm_the_scheduler(fake_slack, url, procs, due=600, post_delay=0.15)


def sigterm_the_scheduler(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses, *, due: int, post_delay: float
) -> None:
    runtime = db_runtime(database_url, fake_slack)
    seed_due(runtime, due, datetime.now(UTC) - timedelta(seconds=2))
    fake_slack.set_delay("chat.postMessage", post_delay)
    env = kept_env(fake_slack, database_url)
    first = procs.start_scheduler(env)
    fake_slack.wait_for("chat.postMessage", count=24, timeout=30)  # the pass is under way
    sigterm_at = first.terminate()
    code = first.wait_exit(timeout=30)
    exited_after = time.monotonic() - sigterm_at
    before_restart = stored_keys(fake_slack)
    left = statuses(runtime)
    logs = first.logs(tail=100_000)
    print(
        f"\n[{database_url.split(':')[0]}] kept scheduler, {due} due, Slack {post_delay}s a post: "
        f"SIGTERM after 24 posts -> exit {code} after {exited_after:.2f}s; "
        f"{len(before_restart)} sent by then; rows {dict(left)}"
    )
    assert set(before_restart.values()) == {1}, before_restart.most_common(3)
    assert left[DeliveryStatus.SENDING] == 0, left  # a graceful stop leaves nothing claimed
    assert code == 0, (code, logs[-2000:])
    assert "Kept scheduler stopped" in logs
    assert exited_after < 10.0, exited_after

    second = procs.start_scheduler(env)  # the rest, once each
    deadline = time.monotonic() + 40
    while len(stored_keys(fake_slack)) < due and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    keys = stored_keys(fake_slack)
    assert len(keys) == due and set(keys.values()) == {1}, keys.most_common(3)
    assert len(fake_slack.calls("chat.postMessage")) == due
    assert statuses(runtime) == Counter({DeliveryStatus.SENT: due})
    second.terminate()
    assert second.wait_exit(timeout=10) == 0
    runtime.engine.dispose()
