"""Real `kept run` processes against the fake Slack (SPEC §4, §6): timing, crashes, two copies.

Slow-ish (seconds each) but part of the default run. Every process is SIGKILLed in teardown.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.people.profiles import set_supervisor
from bot.promises.service import NewPromise, create_promise
from bot.promises.steps import Timing
from bot.runtime import Runtime
from bot.settings import Settings
from bot.store.migrate import migrate
from bot.store.models import Delivery
from handlers.answer import WORKING_ON_IT
from scheduler.send import METADATA_EVENT
from tests.conftest import ADMIN, INDIA, LEAD, OTHER, OWNER, SECRET, TEAM, message_text
from tests.fakeslack import Call, FakeSlack
from tests.procs import KeptProcess, KeptProcesses, base_env
from tests.slackreq import post, slash_command_body

pytestmark = pytest.mark.slow

NUDGE_ONLY = Timing(remind_before=timedelta(0), escalate_after=timedelta(days=30))
OWNERS = [OWNER, LEAD, ADMIN, OTHER, INDIA]


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[KeptProcesses]:
    with KeptProcesses(tmp_path) as started:
        yield started


def kept_env(fake: FakeSlack, database_url: str, **overrides: str) -> dict[str, str]:
    settings = {
        "SLACK_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "DATABASE_URL": database_url,
        "KEPT_TICK_SECONDS": "0.5",
        "KEPT_REMIND_BEFORE": "0",
        "KEPT_ESCALATE_AFTER": "3s",
        "KEPT_RESPECT_WORKING_HOURS": "false",
        "KEPT_SLACK_TIMEOUT": "2",
        "KEPT_CLAIM_LEASE": "5s",
        "KEPT_DIGEST": "off",
    }
    settings.update(overrides)
    return base_env(**settings)


def db_runtime(database_url: str, fake: FakeSlack) -> Runtime:
    """A runtime in the test process, for seeding and inspecting the database."""
    settings = Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        database_url=database_url,
        slack_api_url=fake.api_url,
        respect_working_hours=False,
    )
    runtime = Runtime.build(settings)
    migrate(runtime.engine)
    return runtime


def delivery_key(params: dict[str, Any]) -> str | None:
    metadata = params.get("metadata") or {}
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return None
    return (metadata.get("event_payload") or {}).get("key")


def stored_keys(fake: FakeSlack) -> Counter[str]:
    return Counter(k for m in fake.messages if (k := delivery_key(m)) is not None)


def command(fake: FakeSlack, proc: KeptProcess, text: str, user: str = OWNER) -> str:
    key = uuid.uuid4().hex
    body = slash_command_body(
        text=text,
        user_id=user,
        team_id=TEAM,
        channel_id="C0SALES",
        response_url=fake.response_url(key),
    )
    reply = post(f"{proc.url}/slack/events", body, secret=SECRET)
    assert reply.status == 200, (reply.status, reply.text, proc.logs())
    assert reply.elapsed < 3.0, reply.elapsed
    answer = reply.json()
    if WORKING_ON_IT not in str(answer.get("text")):
        return message_text(answer)  # answered in the acknowledgement
    calls = fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key, timeout=10)
    return message_text(calls[-1].params)


def seed_due(runtime: Runtime, count: int, deadline: datetime) -> None:
    """`count` promises falling due at `deadline` (nudges only), spread over five owners."""
    now = min(datetime.now(UTC), deadline) - timedelta(seconds=10)
    with runtime.sessions.begin() as session:
        for i in range(count):
            create_promise(
                session,
                NewPromise(
                    team_id=TEAM,
                    owner_id=OWNERS[i % len(OWNERS)],
                    created_by=OWNER,
                    description=f"call candidate {i} back",
                    now=now,
                    timing=NUDGE_ONLY,
                ),
                deadline=deadline,
            )


def wait_for_keys(
    fake: FakeSlack, count: int, timeout: float, procs: list[KeptProcess]
) -> Counter[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        keys = stored_keys(fake)
        if len(keys) >= count:
            return keys
        time.sleep(0.1)
    logs = "\n---\n".join(p.logs(2000) for p in procs)
    raise AssertionError(f"only {len(stored_keys(fake))} of {count} delivered:\n{logs}")


def test_kept_run_nudges_then_escalates_once_each_on_time(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses
) -> None:
    proc = procs.start(kept_env(fake_slack, database_url))
    health = proc.wait_healthy()
    assert health["database"] == "reachable" and health["scheduler"]["enabled"]
    assert "now reports to" in command(
        fake_slack, proc, f"supervisor <@{OWNER}|olivia> <@{LEAD}|lena>", user=ADMIN
    )

    deadline = (datetime.now(UTC) + timedelta(seconds=4)).replace(microsecond=0)
    wall_minus_mono = time.time() - time.monotonic()
    reply = command(
        fake_slack, proc, f"call Jane back by {deadline.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )
    assert "hold you to this" in reply, reply

    def step(name: str) -> Any:
        return lambda c: c.ok and (delivery_key(c.params) or "").endswith(f":{name}")

    nudge: Call = fake_slack.wait_for("chat.postMessage", where=step("nudge"), timeout=15)[0]
    escalation: Call = fake_slack.wait_for(
        "chat.postMessage", where=step("escalation"), timeout=15
    )[0]
    nudge_lag = nudge.at + wall_minus_mono - deadline.timestamp()
    escalation_lag = escalation.at + wall_minus_mono - (deadline.timestamp() + 3)
    print(
        f"\nkept run: deadline -> nudge {nudge_lag:.3f}s, "
        f"deadline+3s -> escalation {escalation_lag:.3f}s"
    )
    assert -0.05 <= nudge_lag < 2.0, nudge_lag  # tick 0.5 s: never early, not much late
    assert -0.05 <= escalation_lag < 2.0, escalation_lag
    assert nudge.params["channel"] == OWNER
    assert escalation.params["channel"] == LEAD
    assert "call Jane back" in message_text(nudge.params)

    time.sleep(2.0)  # four more ticks: nothing is sent twice
    keys = stored_keys(fake_slack)
    assert sorted(keys.values()) == [1, 1], keys
    assert {k.rsplit(":", 1)[1] for k in keys} == {"nudge", "escalation"}
    after = proc.health()
    assert after is not None and after["scheduler"]["last_pass_at"]
    assert after["scheduler"]["last_error"] is None
    logs = proc.logs(tail=1_000_000)
    assert "Kept is listening" in logs
    assert "xoxb-test" not in logs and SECRET not in logs  # secrets are never logged


def test_sigkill_mid_pass_then_restart_delivers_everything_exactly_once(
    fake_slack: FakeSlack, database_url: str, procs: KeptProcesses
) -> None:
    runtime = db_runtime(database_url, fake_slack)
    seed_due(runtime, 60, datetime.now(UTC) - timedelta(seconds=2))
    fake_slack.set_delay("chat.postMessage", 0.2)
    env = kept_env(fake_slack, database_url)

    first = procs.start(env)
    fake_slack.wait_for("chat.postMessage", count=12, timeout=30)
    first.kill()  # SIGKILL in the middle of the pass
    time.sleep(0.5)  # requests that were in flight land in Slack all the same
    before_restart = stored_keys(fake_slack)
    assert 0 < len(before_restart) < 60, len(before_restart)
    with runtime.sessions() as session:
        left_sending = session.scalars(
            select(Delivery.key).where(Delivery.status == "sending")
        ).all()
    assert left_sending, "the kill should have left claimed, unrecorded deliveries behind"

    second = procs.start(env)
    keys = wait_for_keys(fake_slack, 60, timeout=40, procs=[first, second])
    time.sleep(1.5)
    keys = stored_keys(fake_slack)
    assert len(keys) == 60 and set(keys.values()) == {1}, keys.most_common(3)
    with runtime.sessions() as session:
        statuses = Counter(session.scalars(select(Delivery.status).where(Delivery.step == "nudge")))
    assert statuses == Counter({"sent": 60}), statuses
    # some of what was claimed when the first process died had reached Slack: found, not resent
    lookups = [c for c in fake_slack.calls("conversations.history")]
    print(
        f"\nkilled after {len(before_restart)} delivered, {len(left_sending)} left claimed; "
        f"{len(lookups)} history look-ups after restart"
    )
    runtime.engine.dispose()


def test_two_processes_on_one_postgresql_database_send_each_nudge_once(
    fake_slack: FakeSlack, pg_schema_url: str, procs: KeptProcesses
) -> None:
    runtime = db_runtime(pg_schema_url, fake_slack)  # schema created before both start
    fake_slack.set_delay("chat.postMessage", 0.05)
    env = kept_env(fake_slack, pg_schema_url)
    both = [procs.start(env), procs.start(env)]
    for proc in both:
        proc.wait_healthy()

    seed_due(runtime, 300, datetime.now(UTC) + timedelta(seconds=1))
    wait_for_keys(fake_slack, 300, timeout=45, procs=both)
    time.sleep(1.5)
    keys = stored_keys(fake_slack)
    assert len(keys) == 300 and set(keys.values()) == {1}, keys.most_common(3)
    assert len(fake_slack.calls("chat.postMessage")) == 300
    with runtime.sessions() as session:
        claimed_by = Counter(
            session.scalars(
                select(Delivery.claimed_by).where(
                    Delivery.step == "nudge", Delivery.status == "sent"
                )
            )
        )
    pids = Counter()
    for worker, count in claimed_by.items():
        pids[int(str(worker).split(":")[1])] += count
    assert sum(pids.values()) == 300
    assert set(pids) <= {p.pid for p in both}
    print(f"\ntwo processes: nudges sent per process {dict(pids)}")
    if len(pids) < 2:
        print("note: one process did all the work this time")
    runtime.engine.dispose()


def test_two_processes_send_each_weekly_digest_once_across_a_restart(
    fake_slack: FakeSlack, pg_schema_url: str, procs: KeptProcesses
) -> None:
    """Issue 5: the digest rides the delivery machinery, so two bot processes on one
    database, and a restart of one of them, still send one digest per supervisor per week."""
    runtime = db_runtime(pg_schema_url, fake_slack)
    leads = [f"U0LEAD{i:02d}" for i in range(20)]
    with runtime.sessions.begin() as session:
        for i, lead in enumerate(leads):
            fake_slack.add_user(lead, name=f"Lead {i}", tz="UTC")
            set_supervisor(session, TEAM, f"U0REP{i:02d}", lead)
        # Kept has been in use since last week (no digest before that)
        long_ago = datetime.now(UTC) - timedelta(days=8)
        create_promise(
            session,
            NewPromise(
                team_id=TEAM,
                owner_id="U0REP00",
                created_by="U0REP00",
                description="send Acme the quote",
                now=long_ago,
                timing=Timing(),
            ),
            deadline=long_ago + timedelta(days=1),
        )
    # due today at 00:00 UTC: already passed, so the first pass of either process sends it
    today = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[datetime.now(UTC).weekday()]
    env = kept_env(fake_slack, pg_schema_url, KEPT_DIGEST=f"{today} 00:00")
    both = [procs.start(env), procs.start(env)]
    for proc in both:
        proc.wait_healthy()

    def digests() -> Counter[str]:
        return Counter(k for k in stored_keys(fake_slack) if k.startswith("digest:"))

    deadline = time.monotonic() + 30
    while len(digests()) < len(leads) and time.monotonic() < deadline:
        time.sleep(0.1)
    both[0].kill()
    procs.start(env).wait_healthy()  # a restart plans the week's digests again
    time.sleep(2.0)
    sent = digests()
    assert len(sent) == len(leads) and set(sent.values()) == {1}, sent
    per_lead = Counter(
        m["channel"] for m in fake_slack.messages if (delivery_key(m) or "").startswith("digest:")
    )
    assert set(per_lead.values()) == {1} and len(per_lead) == len(leads)
    runtime.engine.dispose()
