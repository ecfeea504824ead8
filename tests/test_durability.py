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
from bot.slack.messages import ids
from bot.store.models import (
    FOLLOW_UPS,
    Delivery,
    DeliveryStatus,
    HandledRequest,
    Promise,
    PromiseEvent,
    Status,
    Step,
)
from handlers.answer import WORKING_ON_IT
from scheduler.passes import run_pass
from tests.conftest import INDIA, LEAD, OWNER, SECRET, TEAM, BotServer, Clock, message_text
from tests.fakeslack import FakeSlack
from tests.procs import KeptProcess, KeptProcesses
from tests.slackreq import (
    Reply,
    block_action_payload,
    interactive_body,
    post,
    sign,
    slash_command_body,
    view_submission_payload,
)
from tests.test_processes import (
    OWNERS,
    db_runtime,
    delivery_key,
    kept_env,
    seed_due,
    stored_keys,
)
from tests.test_reminder_buttons import nudged
from tests.test_scheduler import action_ids

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


def catches_sigterm(pid: int) -> bool:
    """Whether the process has its own SIGTERM handler yet (Linux: SigCgt in /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (15 - 1)))


@pytest.mark.parametrize(
    ("command", "moment"),
    [("run", "handler installed"), ("run", "looking at Slack"), ("scheduler", "handler installed")],
)
def test_a_sigterm_during_start_up_exits_0(
    fake_slack: FakeSlack, tmp_path: Path, procs: KeptProcesses, command: str, moment: str
) -> None:
    """SIGTERM while the process is still starting — as soon as Kept catches it (imports,
    settings, migrations under way), or while `kept run` waits on its first look at a slow
    Slack — is a stop like any other: exit 0 and a log line, never death by the signal
    (-15). (Before Kept's first line runs, about 80 ms after exec, the default action
    still applies: nothing is started yet, so nothing can be lost.)"""
    if moment == "looking at Slack":
        fake_slack.set_delay("auth.test", 3.0)
    env = kept_env(fake_slack, f"sqlite:///{tmp_path}/kept.db")
    process = procs.start(env) if command == "run" else procs.start_scheduler(env)
    until = time.monotonic() + 20
    while not catches_sigterm(process.pid) and time.monotonic() < until:
        assert process.popen.poll() is None, process.logs()
        time.sleep(0.005)
    while moment == "looking at Slack" and not fake_slack.open_connections():
        assert process.popen.poll() is None and time.monotonic() < until, process.logs()
        time.sleep(0.005)  # auth.test is on its way, held 3 s by the fake
    assert process.health() is None  # still starting: not serving yet
    process.terminate()
    code = process.wait_exit(timeout=15)
    logs = process.logs()
    print(f"\nkept {command}, SIGTERM when {moment} -> exit {code}")
    assert code == 0, (code, logs[-2000:])
    assert "SIGTERM" in logs, logs[-2000:]


# ---------------------------------------------------------------- 4. every request sent twice


@dataclass(frozen=True)
class Snapshot:
    """What a request can change: promises, their history, handled keys, the outbox, and
    what reached Slack (messages posted per channel, rewrites, Home tabs published)."""

    promises: tuple[tuple[Any, ...], ...]
    history: tuple[tuple[str, int], ...]
    handled: int
    follow_ups: tuple[tuple[str, int], ...]
    posted_to: tuple[tuple[str, int], ...]
    rewrites: int
    publishes: int


def snapshot(bot: BotServer) -> Snapshot:
    with bot.runtime.sessions() as session:
        promises = tuple(
            (p.id, p.status.value, p.owner_id, p.deadline_version, p.deadline, p.closure_note)
            for p in session.scalars(select(Promise).order_by(Promise.id))
        )
        history = Counter(session.scalars(select(PromiseEvent.kind)))
        handled = session.scalar(select(func.count()).select_from(HandledRequest)) or 0
        follow_ups = Counter(
            step.value
            for step in session.scalars(select(Delivery.step).where(Delivery.step.in_(FOLLOW_UPS)))
        )
    fake = bot.fake
    posted = Counter(str(c.params.get("channel")) for c in fake.calls("chat.postMessage") if c.ok)
    return Snapshot(
        promises=promises,
        history=tuple(sorted(history.items())),
        handled=handled,
        follow_ups=tuple(sorted(follow_ups.items())),
        posted_to=tuple(sorted(posted.items())),
        rewrites=sum(c.ok for c in fake.calls("chat.update")),
        publishes=sum(c.ok for c in fake.calls("views.publish")),
    )


def settle(bot: BotServer, timeout: float = 10.0) -> None:
    """Wait until every follow-up in the outbox is delivered and the fake Slack is quiet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with bot.runtime.sessions() as session:
            waiting = session.scalar(
                select(func.count()).where(
                    Delivery.step.in_(FOLLOW_UPS),
                    Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
                )
            )
        if not waiting:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("follow-ups still waiting in the outbox")
    bot.settle(quiet=0.1)


def diff(before: Counter[str] | tuple[tuple[str, int], ...], after: Any) -> dict[str, int]:
    grown = Counter(dict(after))
    grown.subtract(Counter(dict(before)))
    return {k: v for k, v in grown.items() if v}


@dataclass
class Twice:
    """A state-changing request as Slack would send it, and what its change must come to."""

    body: bytes
    content_type: str
    promise_id: int | None
    follow_ups: dict[str, int]  # outbox rows the change writes, by step
    dms: dict[str, int]  # messages posted, by recipient
    check: Any  # (Promise | None) -> None, on the promise after the change


def nudged_promise(bot: BotServer, clock: Clock, *, escalate: bool = False) -> tuple[int, dict]:
    promise, message = nudged(bot, clock, escalate=escalate)
    settle(bot)
    return promise.id, message


def command_twice(bot: BotServer, text: str, user: str = OWNER) -> bytes:
    return slash_command_body(
        text=text,
        user_id=user,
        team_id=TEAM,
        channel_id="C0SALES",
        response_url=bot.fake.response_url(uuid.uuid4().hex),
    )


def button(bot: BotServer, action_id: str, promise_id: int, user: str, message: dict) -> bytes:
    payload = block_action_payload(
        action_id=action_id,
        value=str(promise_id),
        user_id=user,
        team_id=TEAM,
        channel_id=message.get("channel"),
        message_ts=message.get("ts"),
        message=message or None,
        response_url=bot.fake.response_url(uuid.uuid4().hex),
        block_id=f"promise_{promise_id}",
    )
    return interactive_body(payload)


def submission(callback_id: str, promise_id: int | None, user: str, values: dict) -> bytes:
    meta = {"promise_id": promise_id} if promise_id is not None else {"channel_id": "C0SALES"}
    payload = view_submission_payload(
        callback_id=callback_id,
        values=values,
        user_id=user,
        team_id=TEAM,
        private_metadata=json.dumps(meta),
        view_id=f"V{uuid.uuid4().hex[:10].upper()}",
    )
    return interactive_body(payload)


def picked_moment(moment: datetime) -> dict[str, Any]:
    return {"value": {"type": "datetimepicker", "selected_date_time": int(moment.timestamp())}}


def status_is(status: Status) -> Any:
    def check(promise: Promise | None) -> None:
        assert promise is not None and promise.status is status, promise

    return check


def _new(bot: BotServer, clock: Clock) -> Twice:
    def check(promise: Promise | None) -> None:
        assert promise is None  # one new promise: checked by count below

    return Twice(
        command_twice(bot, "call Jane Doe back about the role by Friday 5pm"),
        "application/x-www-form-urlencoded",
        None,
        {},
        {},
        check,
    )


def _done(bot: BotServer, clock: Clock) -> Twice:
    pid, _nudge = nudged_promise(bot, clock)
    return Twice(
        command_twice(bot, f"done {pid} she accepted", user=LEAD),  # the supervisor closes it
        "application/x-www-form-urlencoded",
        pid,
        {"closed_notice": 1, "rewrite": 1},
        {OWNER: 1},
        status_is(Status.KEPT),
    )


def _extend(bot: BotServer, clock: Clock) -> Twice:
    pid, _nudge = nudged_promise(bot, clock)

    def check(promise: Promise | None) -> None:
        assert promise is not None and promise.deadline_version == 2, promise

    return Twice(
        command_twice(bot, f"extend {pid} Monday 5pm waiting for legal"),
        "application/x-www-form-urlencoded",
        pid,
        {"rewrite": 1},
        {},
        check,
    )


def handed_to_india(promise: Promise | None) -> None:
    assert promise is not None and promise.owner_id == INDIA, promise


def _handoff(bot: BotServer, clock: Clock) -> Twice:
    pid, _nudge = nudged_promise(bot, clock)
    return Twice(
        command_twice(bot, f"handoff {pid} <@{INDIA}|indira>"),
        "application/x-www-form-urlencoded",
        pid,
        {"new_owner": 1, "rewrite": 1},
        {INDIA: 1},
        handed_to_india,
    )


def _kept_button(bot: BotServer, clock: Clock) -> Twice:
    pid, escalation = nudged_promise(bot, clock, escalate=True)
    return Twice(
        button(bot, ids.KEPT, pid, LEAD, escalation),  # the supervisor, from the escalation
        "application/x-www-form-urlencoded",
        pid,
        {"closed_notice": 1, "rewrite": 1},
        {OWNER: 1},
        status_is(Status.KEPT),
    )


def _remind_button(bot: BotServer, clock: Clock) -> Twice:
    pid, escalation = nudged_promise(bot, clock, escalate=True)
    return Twice(
        button(bot, ids.REMIND_OWNER, pid, LEAD, escalation),
        "application/x-www-form-urlencoded",
        pid,
        {"owner_reminder": 1},
        {OWNER: 1},
        status_is(Status.OPEN),
    )


def _undo_button(bot: BotServer, clock: Clock) -> Twice:
    answer = bot.command("call Jane Doe back about the role by Friday 5pm")
    found = _DONE_ID.search(message_text(answer))
    assert found is not None, answer
    pid = int(found.group(1))
    settle(bot)
    return Twice(
        button(bot, ids.UNDO, pid, OWNER, {"channel": "C0SALES"}),
        "application/x-www-form-urlencoded",
        pid,
        {"rewrite": 1},
        {},
        status_is(Status.CANCELLED),
    )


def _new_promise_form(bot: BotServer, clock: Clock) -> Twice:
    values = {
        "description": {"value": {"type": "plain_text_input", "value": "send Jane the contract"}},
        "counterpart": {"value": {"type": "plain_text_input", "value": "Jane Doe"}},
        "counterpart_kind": {
            "value": {
                "type": "static_select",
                "selected_option": {
                    "value": "candidate",
                    "text": {"type": "plain_text", "text": "candidate"},
                },
            }
        },
        "deadline": picked_moment(clock() + timedelta(days=2)),
        "owner": {"value": {"type": "users_select", "selected_user": INDIA}},
    }
    return Twice(
        submission(ids.NEW_PROMISE_VIEW, None, OWNER, values),  # saved for someone else
        "application/x-www-form-urlencoded",
        None,
        {"recorded": 1, "saved_for": 1},
        {INDIA: 1, OWNER: 1},
        lambda promise: None,
    )


def _new_date_form(bot: BotServer, clock: Clock) -> Twice:
    pid, _nudge = nudged_promise(bot, clock)
    values = {
        "deadline": picked_moment(clock() + timedelta(days=3)),
        "note": {"value": {"type": "plain_text_input", "value": "waiting for legal"}},
    }

    def check(promise: Promise | None) -> None:
        assert promise is not None and promise.deadline_version == 2, promise

    return Twice(
        submission(ids.NEW_DATE_VIEW, pid, OWNER, values),
        "application/x-www-form-urlencoded",
        pid,
        {"rewrite": 1},
        {},
        check,
    )


def _hand_off_form(bot: BotServer, clock: Clock) -> Twice:
    pid, _nudge = nudged_promise(bot, clock)
    values = {"owner": {"value": {"type": "users_select", "selected_user": INDIA}}}
    return Twice(
        submission(ids.HAND_OFF_VIEW, pid, OWNER, values),
        "application/x-www-form-urlencoded",
        pid,
        {"new_owner": 1, "rewrite": 1},
        {INDIA: 1},
        handed_to_india,
    )


def _couldnt_keep_form(bot: BotServer, clock: Clock) -> Twice:
    pid, _nudge = nudged_promise(bot, clock)
    reason = {"value": {"type": "plain_text_input", "value": "the role was filled internally"}}
    return Twice(
        submission(ids.COULDNT_KEEP_VIEW, pid, OWNER, {"reason": reason}),
        "application/x-www-form-urlencoded",
        pid,
        {"rewrite": 1},
        {},
        status_is(Status.BROKEN),
    )


REQUESTS = {
    "command_new": _new,
    "command_done": _done,
    "command_extend": _extend,
    "command_handoff": _handoff,
    "button_kept": _kept_button,
    "button_remind_them": _remind_button,
    "button_undo": _undo_button,
    "form_new_promise": _new_promise_form,
    "form_new_date": _new_date_form,
    "form_hand_off": _hand_off_form,
    "form_couldnt_keep": _couldnt_keep_form,
}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_every_state_changing_request_sent_twice_changes_once_and_tells_once(
    bot: BotServer, clock: Clock, kind: str
) -> None:
    request = REQUESTS[kind](bot, clock)
    before = snapshot(bot)
    headers = sign(request.body, SECRET)  # the very same signed request, twice (a retry)
    replies = []
    for _ in range(2):
        reply = post(
            bot.url,
            request.body,
            secret=None,
            content_type=request.content_type,
            extra_headers=headers,
        )
        assert reply.status == 200, (reply.status, reply.text)
        replies.append(reply)
        settle(bot)
        if len(replies) == 1:
            once = snapshot(bot)
    twice = snapshot(bot)

    assert replies[1].body == replies[0].body  # the repeat got the first answer back
    assert once != before, "the first request changed nothing"
    assert twice == once, (kind, once, twice)
    assert diff(before.follow_ups, once.follow_ups) == request.follow_ups, once.follow_ups
    assert diff(before.posted_to, once.posted_to) == request.dms, once.posted_to
    assert once.handled == before.handled + 1
    with bot.runtime.sessions() as session:
        count = session.scalar(select(func.count()).select_from(Promise))
        promise = session.get(Promise, request.promise_id) if request.promise_id else None
    assert count == max(1, len(before.promises) + (request.promise_id is None))
    request.check(promise)
    print(
        f"\n{kind}: twice -> {len(once.promises)} promise(s), history "
        f"{diff(before.history, once.history)}, follow-ups {request.follow_ups}, "
        f"DMs {request.dms}, rewrites {once.rewrites - before.rewrites}; repeat changed nothing"
    )


# ---------------------------------------------------------------- 5. rewrites through the outbox


def rewrite_row(bot: BotServer, promise_id: int) -> Delivery:
    """The promise's rewrite row once its attempt under way (if any) is recorded."""
    deadline = time.monotonic() + 5
    while True:
        with bot.runtime.sessions() as session:
            row = session.scalars(
                select(Delivery).where(
                    Delivery.promise_id == promise_id, Delivery.step == Step.REWRITE
                )
            ).one()
            session.expunge(row)
        if row.status is not DeliveryStatus.SENDING or time.monotonic() > deadline:
            return row
        time.sleep(0.01)


def test_a_rewrite_refused_with_500s_for_a_while_arrives_once_slack_recovers(
    bot: BotServer, clock: Clock
) -> None:
    pid, nudge = nudged_promise(bot, clock)
    assert ids.KEPT in action_ids(nudge)
    fake = bot.fake
    fake.fail_next("chat.update", status=500, error="internal_error", times=3)
    body = button(bot, ids.KEPT, pid, OWNER, nudge)
    reply = post(bot.url, body, secret=SECRET)
    assert reply.status == 200 and reply.elapsed < 3.0, (reply.status, reply.elapsed)
    with bot.runtime.sessions() as session:  # stored before the ack, whatever Slack does
        stored = session.get(Promise, pid)
        assert stored is not None and stored.status is Status.KEPT

    def on_the_nudge(call: Any) -> bool:
        return call.params.get("ts") == nudge["ts"]

    refused = fake.wait_for("chat.update", where=lambda c: on_the_nudge(c) and c.status == 500)
    waits = []
    for attempt in (2, 3, 4):  # Slack keeps failing, then recovers; each retry when due
        row = rewrite_row(bot, pid)
        assert row.status is DeliveryStatus.PENDING and row.attempts == attempt - 1, row
        assert action_ids(fake.message(nudge["channel"], nudge["ts"]) or {}) == action_ids(nudge)
        waits.append((row.due_at - clock()).total_seconds())
        clock.set(row.due_at + timedelta(seconds=1))
        run_pass(bot.runtime)
        refused = [c for c in fake.calls("chat.update") if on_the_nudge(c) and not c.ok]
        assert len(refused) == min(attempt, 3), refused
    settled = rewrite_row(bot, pid)
    assert settled.status is DeliveryStatus.SENT and settled.attempts == 4, settled
    after = fake.message(nudge["channel"], nudge["ts"])
    assert after is not None and action_ids(after) == []  # rewritten: nothing left to press
    assert "Kept" in message_text(after)
    clock.advance(hours=1)
    run_pass(bot.runtime)
    updates = [c for c in fake.calls("chat.update") if on_the_nudge(c)]
    assert [c.status for c in updates] == [500, 500, 500, 200], updates
    print(
        f"\nKept pressed: ack {reply.elapsed * 1000:.0f} ms while chat.update failed; "
        f"retries waited {[round(w) for w in waits]} s (Kept's clock); the rewrite arrived on "
        f"attempt {settled.attempts}, once; {len(updates)} chat.update calls in all"
    )
