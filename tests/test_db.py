"""Connection handling: a connection dropped while idle in the pool is replaced unseen."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine

import bot.store.db as db


def test_a_dropped_idle_connection_is_replaced(
    pg_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.05)  # a setting, not behaviour under test
    engine = db.make_engine(pg_schema_url, pool_size=1, max_overflow=0)
    with engine.connect() as connection:
        old_pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    killer = create_engine(db.normalise_url(pg_schema_url))
    with killer.connect() as connection:  # the database drops it (a restart, a proxy timeout)
        connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(old_pid)})")
    killer.dispose()
    time.sleep(0.2)
    with engine.connect() as connection:
        new_pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    assert new_pid != old_pid
    engine.dispose()
