"""Fixtures: a fake Slack on a real loopback port, signed requests, and a database fixture
parametrised over SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import waitress
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from bot.app import create_app
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.web import KeptWSGI
from bot.store.db import normalise_url
from bot.store.migrate import migrate
from handlers.answer import WORKING_ON_IT
from scheduler.loop import SchedulerLoop
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.fakeslack import FakeSlack
from tests.slackreq import Reply, post, slash_command_body

SECRET = "test-signing-secret"
TEAM = "T0001"
OTHER_TEAM = "T0002"
PG_URL = os.environ.get("KEPT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# CI explores the same examples every run, so a red build is reproducible; developers' runs
# keep exploring new ones (and record failures in .hypothesis/).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if IN_CI:
    hypothesis_settings.load_profile("ci")

# Wednesday 25 Nov 2026, 18:00 UTC = 10:00 in Los Angeles: inside working hours
DEFAULT_NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)

OWNER = "U0OWNER"  # America/Los_Angeles
LEAD = "U0LEAD"  # Europe/Berlin, the owner's supervisor in many tests
ADMIN = "U0ADMIN"  # a Slack workspace admin
OTHER = "U0OTHER"  # nobody special
INDIA = "U0INDIA"  # Asia/Kolkata


def _pg_problem() -> str | None:
    try:
        engine = create_engine(normalise_url(PG_URL))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


_PG_PROBLEM: str | None | bool = False


def pg_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_problem()
    return _PG_PROBLEM  # type: ignore[return-value]


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = pg_problem()
    if problem is not None:
        message = f"PostgreSQL not reachable at KEPT_TEST_DATABASE_URL ({problem})"
        if IN_CI:
            pytest.fail(message + " — CI must run the PostgreSQL tests")
        pytest.skip(message)


@pytest.fixture
def pg_schema_url(postgres_available: None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    schema = f"kept_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/kept.db"
    return str(request.getfixturevalue("pg_schema_url"))


@dataclass
class Clock:
    """A clock the test moves by hand."""

    current: datetime = DEFAULT_NOW
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> datetime:
        with self.lock:
            return self.current

    def set(self, moment: datetime) -> None:
        with self.lock:
            self.current = moment

    def advance(self, **delta: float) -> datetime:
        with self.lock:
            self.current = self.current + timedelta(**delta)
            return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    # on the real clock, like the `kept` processes some tests start; a test with a runtime
    # moves it to the test clock (below)
    fake = FakeSlack(bot_token="xoxb-test", team_id=TEAM).start()
    fake.add_user(OWNER, name="Olivia Owner", tz="America/Los_Angeles")
    fake.add_user(LEAD, name="Lena Lead", tz="Europe/Berlin")
    fake.add_user(ADMIN, name="Ada Admin", tz="America/New_York", is_admin=True)
    fake.add_user(OTHER, name="Otto Other", tz="America/Chicago")
    fake.add_user(INDIA, name="Indira India", tz="Asia/Kolkata")
    yield fake
    fake.stop()


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack) -> Settings:
    return Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SECRET,
        database_url=database_url,
        slack_api_url=fake_slack.api_url,
        respect_working_hours=False,
        slack_timeout=3.0,
        claim_lease=timedelta(seconds=10),
        # a Slack call while a write transaction is open is refused, and fails the test
        strict_transactions=True,
        # the fake enforces no rate limits unless a test switches them on (test_pacing.py);
        # Kept's pacing is off with them, so a frozen clock can still send a wave at once
        slack_pacing=False,
    )


@pytest.fixture
def runtime(settings: Settings, clock: Clock, fake_slack: FakeSlack) -> Iterator[Runtime]:
    # Kept in this process lives at the test clock's moment, and so does the Slack it talks
    # to (statuses expire, messages are stamped by it): fixed dates never meet today's
    fake_slack.now = lambda: clock().timestamp()
    rt = Runtime.build(settings, clock=clock)
    migrate(rt.engine)
    yield rt
    rt.engine.dispose()
    assert not rt.guard.refused, f"Slack called inside a write transaction: {rt.guard.refused}"


def make_runtime(runtime: Runtime, **changes: Any) -> Runtime:
    """The same database and clock with other settings."""
    settings = replace(runtime.settings, **changes)
    return replace(runtime, settings=settings)


@dataclass
class BotServer:
    url: str
    fake: FakeSlack
    runtime: Runtime

    def post(self, body: bytes, **kwargs: Any) -> Reply:
        kwargs.setdefault("secret", SECRET)
        return post(self.url, body, **kwargs)

    def command(
        self,
        text: str,
        *,
        user: str = OWNER,
        team: str = TEAM,
        channel: str = "C0SALES",
        trigger_id: str | None = None,
        headers: dict[str, str] | None = None,
        wait: bool = True,
    ) -> dict[str, Any]:
        """Send `/promise text` like Slack; return the bot's answer: the message in the
        acknowledgement, or (when it acknowledged "working on it") what it posted to the
        response URL."""
        key = uuid.uuid4().hex
        body = slash_command_body(
            text=text,
            user_id=user,
            team_id=team,
            channel_id=channel,
            response_url=self.fake.response_url(key),
            trigger_id=trigger_id,
        )
        reply = self.post(body, extra_headers=headers)
        assert reply.status == 200, (reply.status, reply.body[:500])
        assert reply.elapsed < 3.0, f"ack took {reply.elapsed:.2f}s"
        answer = reply.json() if reply.body else {}
        if answer:  # the answer in the ack is a message Slack checks like any other
            assert_valid_message(answer)
        if answer and WORKING_ON_IT not in str(answer.get("text")):
            return dict(answer)
        if not wait:
            return dict(answer)
        calls = self.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == key)
        return calls[-1].params

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the bot's work after ack() has stopped calling the fake Slack."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            count = len(self.fake.calls())
            if count == seen:
                return
            seen = count
            time.sleep(quiet)

    def interact(self, payload: dict[str, Any]) -> Reply:
        from tests.slackreq import interactive_body

        reply = self.post(interactive_body(payload))
        assert reply.elapsed < 3.0, f"ack took {reply.elapsed:.2f}s"
        answer = reply.json() if reply.body and reply.body[:1] == b"{" else None
        if isinstance(answer, dict) and isinstance(answer.get("view"), dict):
            assert_valid_view(answer["view"])  # response_action update/push
        return reply


@pytest.fixture
def bot(runtime: Runtime, fake_slack: FakeSlack) -> Iterator[BotServer]:
    app = create_app(runtime)
    server = waitress.create_server(
        KeptWSGI(app, runtime), host="127.0.0.1", port=0, threads=4, ident="kept-test"
    )

    def serve() -> None:
        with contextlib.suppress(OSError):  # the socket closes under select() at teardown
            server.run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # the sender, as in `kept run`: woken by every change that writes to the outbox; it looks
    # on its own only rarely, so tests that move the clock run their passes by hand (and
    # plan digests themselves)
    loop = SchedulerLoop(make_runtime(runtime, digest=None), poll=3600)
    loop.start()
    until = time.monotonic() + 5
    while loop.health.last_pass_at is None and time.monotonic() < until:
        time.sleep(0.01)  # its first look is done before the test moves the clock
    port = server.effective_port  # type: ignore[union-attr]
    yield BotServer(url=f"http://127.0.0.1:{port}/slack/events", fake=fake_slack, runtime=runtime)
    server.close()
    thread.join(timeout=5)
    # let work still running after ack() finish while the fake Slack is up
    app.listener_runner.listener_executor.shutdown(wait=True)
    loop.stop()


def message_text(params: dict[str, Any]) -> str:
    """All the text of a message: its fallback text and every block's text, joined."""
    parts = [str(params.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(params.get("blocks") or [])
    return "\n".join(parts)
