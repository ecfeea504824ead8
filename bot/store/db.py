"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "kept_read_only"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the admin wrote."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let pysqlite not issue BEGIN itself; we emit BEGIN IMMEDIATE below so that
            # read-then-write transactions never deadlock on lock upgrades.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers take the write lock up front (no deadlock on a read-then-write upgrade);
            # readers (make_reader_factory) start a plain snapshot, which WAL never blocks.
            read_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    if url.startswith("postgresql"):
        # an unreachable server fails in seconds instead of the TCP default of minutes
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE = 10.0  # seconds


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle a while (a database restart
    or a dropped connection then costs nothing but a reconnect), instead of a round trip
    before every use as `pool_pre_ping` does."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["kept_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("kept_idle_since")
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as error:  # noqa: BLE001 - any failure: let the pool reconnect
            raise exc.DisconnectionError(str(error)) from error


# set in a session's info by bot.outbox when the transaction writes outbox rows
OUTBOX_WRITTEN = "kept_outbox_written"

_writing = threading.local()


def write_open() -> bool:
    """The current thread is inside a write transaction (`Sessions.begin`): no network call
    may be made now (bot.slack.client refuses Slack calls then, in strict mode)."""
    return getattr(_writing, "depth", 0) > 0


@contextmanager
def writing() -> Iterator[None]:
    """Mark the current thread as inside a write transaction for the block's duration."""
    _writing.depth = getattr(_writing, "depth", 0) + 1
    try:
        yield
    finally:
        _writing.depth -= 1


GateObserver = Callable[[float, float], None]


class WriterGate:
    """At most `slots` write transactions at once in this process; re-entrant per thread.

    Observers (`watch`) hear, for every outermost pass through the gate, how long the thread
    waited for a slot and how long it then held it (seconds): the gate's critical section is
    what serialises writers on SQLite, so it is measured (GET /metrics, bench_http.py)."""

    def __init__(self, slots: int) -> None:
        # one slot (SQLite): a plain lock, acquired and released in C; a semaphore is Python
        # code around a condition variable, and its release showed as 20% of the GIL's time
        # in the profile under 20 concurrent commands (bench/README.md)
        self._slots: Any = threading.Lock() if slots == 1 else threading.BoundedSemaphore(slots)
        self._held = threading.local()
        self._observers: list[GateObserver] = []

    def watch(self, observer: GateObserver) -> None:
        self._observers.append(observer)

    @contextmanager
    def __call__(self) -> Iterator[None]:
        depth = getattr(self._held, "depth", 0)
        if depth:
            self._held.depth = depth + 1
            try:
                yield
            finally:
                self._held.depth = depth
            return
        asked = time.perf_counter()
        self._slots.acquire()
        got = time.perf_counter()
        self._held.depth = 1
        try:
            yield
        finally:
            self._held.depth = 0
            self._slots.release()
            if self._observers:
                held = time.perf_counter() - got
                for observe in self._observers:
                    observe(got - asked, held)


class Sessions:
    """The session factory for read-write work: `with sessions.begin() as session:`.

    Writers in this process pass a gate first. On SQLite it admits one at a time, in order,
    instead of letting threads poll SQLite's busy handler (which sleeps up to 100 ms at a
    time and collapses throughput when a few threads write at once). On PostgreSQL it admits
    a few at a time: more threads running ORM code at once only fight over the GIL, and slow
    the request threads that must acknowledge Slack within 3 seconds.
    """

    def __init__(self, engine: Engine, *, writers: int = 2) -> None:
        self.factory = sessionmaker(engine, expire_on_commit=False)
        self.gate = WriterGate(1 if is_sqlite(engine) else writers)
        # called after a commit that wrote outbox rows (bot.outbox), to wake the sender
        self.on_outbox: list[Callable[[], None]] = []
        event.listen(self.factory, "after_commit", self._after_commit)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(OUTBOX_WRITTEN, False):
            for wake in self.on_outbox:
                wake()

    def __call__(self, **kwargs: Any) -> Session:
        return self.factory(**kwargs)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self.gate(), writing(), self.factory.begin() as session:
            yield session


def core(session: Session) -> Connection:
    """The session's own connection, for Core statements on the hot path of a request.
    Session.execute wraps every statement in the ORM's layer (events, autoflush, result
    wrapping): about a third of a statement's CPU in the /promise profile (bench/README.md).
    Pending ORM changes are flushed first, so what the statement reads or references is
    there; the statement runs in the session's transaction."""
    session.flush()
    return session.connection()


def make_session_factory(engine: Engine, *, writers: int = 2) -> Sessions:
    return Sessions(engine, writers=writers)


def make_reader_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for reading only: on SQLite they never wait for the writer's lock."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - health check reports any failure as "down"
        return False


SUPPORTED = "sqlite:////absolute/path/kept.db or postgresql://user:password@host:5432/kept"


class DatabaseUnavailable(Exception):
    """The database named by DATABASE_URL can't be used; the message is one line saying why
    and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The absolute path of a SQLite database file (None: not SQLite, or in memory)."""
    try:
        parsed = make_url(normalise_url(url))
    except exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().absolute()


def describe(url: str) -> str:
    """Where the database is, for people: the SQLite file's absolute path, or the server and
    database name (never the password)."""
    path = sqlite_path(url)
    if path is not None:
        return f"SQLite file {path}"
    try:
        parsed: URL = make_url(normalise_url(url))
    except exc.ArgumentError:
        return "an unreadable DATABASE_URL"
    if parsed.get_backend_name() == "sqlite":
        return "SQLite in memory"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"{parsed.get_backend_name()} database {parsed.database!r} on {where}"


def open_engine(url: str, **kwargs: Any) -> Engine:
    """make_engine(url), then one connection to prove the database is there. Raises
    DatabaseUnavailable with one line for a bad scheme, a SQLite folder that does not exist,
    a missing database, an unreachable server or refused credentials."""
    try:
        parsed = make_url(normalise_url(url))
    except exc.ArgumentError:
        raise DatabaseUnavailable("DATABASE_URL is not a database URL: use " + SUPPORTED) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"DATABASE_URL uses {backend}://, which Kept does not support: use " + SUPPORTED
        )
    path = sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise DatabaseUnavailable(
            f"DATABASE_URL: the folder {path.parent} for the SQLite file does not exist; "
            "create it or give an absolute path to an existing folder"
        )
    try:
        engine = make_engine(url, **kwargs)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
        raise DatabaseUnavailable(
            f"DATABASE_URL can't be used ({type(error).__name__}): use " + SUPPORTED
        ) from None
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except exc.DBAPIError as error:
        engine.dispose()
        raise DatabaseUnavailable(_why(url, error)) from None
    return engine


def _why(url: str, error: exc.DBAPIError) -> str:
    where = describe(url)
    detail = " ".join(str(error.orig or error).split())
    lowered = detail.lower()
    if "does not exist" in lowered and "database" in lowered:
        name = make_url(normalise_url(url)).database
        return (
            f"DATABASE_URL names {where}, which does not exist: "
            f"create it (createdb {name}) or fix the name"
        )
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"the database refused the user or password in DATABASE_URL ({where})"
    reasons = {
        "connection refused": "connection refused",
        "could not translate": "unknown host",
        "failed to resolve": "unknown host",
        "name or service not known": "unknown host",
        "timeout": "timed out",
        "timed out": "timed out",
        "no route to host": "no route to host",
        "network is unreachable": "network unreachable",
    }
    for needle, reason in reasons.items():
        if needle in lowered:
            parsed = make_url(normalise_url(url))
            server = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
            return (
                f"can't reach the database server at {server} named by DATABASE_URL "
                f"({reason}): is it running, and is the address right?"
            )
    if "unable to open database file" in lowered:
        return f"can't open {where}: check the folder exists and Kept may write to it"
    return f"can't use {where}: {_first(detail)}"


def _first(detail: str, limit: int = 160) -> str:
    return detail if len(detail) <= limit else detail[: limit - 1] + "…"
