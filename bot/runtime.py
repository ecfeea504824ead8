"""What handlers and the scheduler share: settings, database, Slack client and clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.ops.metrics import Metrics
from bot.ops.oauth import Installations
from bot.people.acting import Actor
from bot.people.profiles import CACHE_FOR, FetchUser, Looked, actor_for, warm_person
from bot.promises.steps import Timing, timing_for_channel
from bot.settings import Settings
from bot.slack.client import Guard, client_like, fetch_user, make_client
from bot.slack.pacing import Pacer
from bot.store.db import Sessions, make_engine, make_reader_factory, make_session_factory

# users.info answers that came too late for their request (a form Slack gives 3 s): kept
# this long for the person's next try
LATE_ANSWERS_FOR = 60.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: Sessions  # read-write transactions
    readers: sessionmaker[Session]  # read-only: never wait behind a writer on SQLite
    client: WebClient  # retries 429/5xx/connection errors itself: for handlers
    sender: WebClient  # no retries: the scheduler records failures and retries them itself
    clock: Callable[[], datetime] = field(default=utc_now)
    metrics: Metrics = field(default_factory=Metrics)
    # OAuth mode (SLACK_CLIENT_ID/SECRET): each workspace's own bot token; None: one token
    installations: Installations | None = None
    # (team, user) -> when their profile was fetched, as last seen fresh by this process
    _fresh: dict[tuple[str, str], datetime] = field(default_factory=dict, repr=False)
    # (team, user) -> when this process last read their Slack status (away detection)
    status_checked: dict[tuple[str, str], datetime] = field(default_factory=dict, repr=False)
    # strict mode (tests): Slack calls refused inside a write transaction are listed here
    guard: Guard = field(default_factory=Guard)
    # (team, user) -> (monotonic, users.info answer) that arrived after its request gave up
    _late: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = field(
        default_factory=dict, repr=False
    )
    _late_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # paces the scheduler's Slack calls per workspace and method (shared by its threads)
    pacer: Pacer = field(default_factory=Pacer, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        engine: Engine | None = None,
    ) -> Runtime:
        engine = engine or make_engine(settings.database_url)
        metrics = Metrics()
        readers = make_reader_factory(engine)
        sessions = make_session_factory(engine, writers=settings.db_writers)
        sessions.gate.watch(metrics.observe_gate)
        metrics.watch_database(readers, clock, settings.metrics_cache_seconds)
        counter = [metrics.slack_handler()]
        guard = Guard(strict=settings.strict_transactions)
        client = make_client(settings, extra_handlers=counter, guard=guard)
        installations = None
        if settings.oauth:
            installations = Installations(settings, sessions, readers, client, clock=clock)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            readers=readers,
            client=client,
            sender=make_client(settings, retries=False, extra_handlers=counter, guard=guard),
            clock=clock,
            metrics=metrics,
            installations=installations,
            guard=guard,
            pacer=Pacer(
                enabled=settings.slack_pacing,
                posts_per_minute=settings.slack_posts_per_minute,
                scale=settings.slack_rate_scale,
                clock=lambda: clock().timestamp(),
            ),
        )

    def now(self) -> datetime:
        return self.clock()

    def fetch_user(self, user_id: str) -> dict[str, Any] | None:
        """users.info with the configured token (single-token mode); see fetcher()."""
        return fetch_user(self.client, user_id)

    def client_for(self, team_id: str, *, retries: bool = True) -> WebClient:
        """The WebClient for one workspace: its installation's bot token in OAuth mode (raises
        bot.ops.oauth.NotInstalled when it has none), the configured token otherwise.
        `retries=False` gives the scheduler's client, which records failures itself."""
        if self.installations is None:
            return self.client if retries else self.sender
        bot = self.installations.bot_for(team_id)
        return client_like(
            self.client if retries else self.sender, token=bot.bot_token, team_id=team_id
        )

    def fetcher(self, team_id: str) -> FetchUser:
        """users.info for people of one workspace, with that workspace's token."""
        if self.installations is None:
            return self.fetch_user
        return lambda user_id: fetch_user(self.client_for(team_id), user_id)

    def look_up(self, team_id: str, looked: Looked) -> None:
        """Ask Slack (users.info) about the people a request names, at once, before its
        transaction opens; an answer that came too late for this person's previous try is
        used once."""
        fetch = self.fetcher(team_id)
        asking: list[str] = []
        for user_id in looked.wanted:
            with self._late_lock:
                late = self._late.pop((team_id, user_id), None)
            if late is not None and time.monotonic() - late[0] < LATE_ANSWERS_FOR:
                looked.users[user_id] = late[1]
            else:
                asking.append(user_id)
        if len(asking) == 1:
            looked.fill_one(asking[0], fetch)
        elif asking:
            with ThreadPoolExecutor(len(asking), thread_name_prefix="kept-lookup") as pool:
                list(pool.map(lambda user_id: looked.fill_one(user_id, fetch), asking))

    def keep_late(self, team_id: str, looked: Looked) -> None:
        """The request gave up waiting for these answers: keep them for its next try."""
        now = time.monotonic()
        with self._late_lock:
            if len(self._late) > 10_000:
                self._late.clear()
            for user_id, user in looked.users.items():
                self._late[(team_id, user_id)] = (now, user)

    def actor(self, session: Session, team_id: str, user_id: str) -> tuple[Actor, str]:
        """(Actor, time zone) for someone acting in Slack, with this workspace's admins."""
        return actor_for(
            session,
            team_id,
            user_id,
            fetch=self.fetcher(team_id),
            admins=self.settings.admins,
            now=self.now(),
        )

    def knows_fresh(self, team_id: str, user_id: str) -> bool:
        """This process saw this person's profile fresh recently (no look-up needed)."""
        known = self._fresh.get((team_id, user_id))
        return known is not None and self.now() - known < CACHE_FOR / 2

    def warm_person(self, team_id: str, user_id: str) -> None:
        """Make sure this person's cached Slack profile is fresh (see bot.people.profiles)."""
        if self.knows_fresh(team_id, user_id):
            return  # checked recently in this process: skip the database round trip
        fetched_at = warm_person(
            self.sessions,
            team_id,
            user_id,
            fetch=self.fetcher(team_id),
            now=self.now(),
            readers=self.readers,
        )
        if fetched_at is not None:
            if len(self._fresh) > 50_000:
                self._fresh.clear()
            self._fresh[(team_id, user_id)] = fetched_at

    def default_timing(self) -> Timing:
        """The workspace's reminder timing (channels may override it)."""
        return Timing(
            remind_before=self.settings.remind_before, escalate_after=self.settings.escalate_after
        )

    def timing(self, session: Session, team_id: str, channel_id: str | None) -> Timing:
        """Reminder timing for a promise made in `channel_id`: channel override or default."""
        return timing_for_channel(session, team_id, channel_id, self.default_timing())
