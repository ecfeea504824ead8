"""What every command shares: settings, the one-line stop, the engine and runtime, the
migration, and the argument types (--team, dates)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Engine

    from bot.runtime import Runtime


def read_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        print(f"kept: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def fail(message: str) -> SystemExit:
    """One line on stderr, exit code 2: for start-up problems an operator must fix."""
    print(f"kept: {message}", file=sys.stderr)
    return SystemExit(2)


def open_database(settings: Settings) -> Engine:
    """The database engine, or one line saying why the database can't be used."""
    from bot.store.db import DatabaseUnavailable, open_engine

    try:
        return open_engine(settings.database_url)
    except DatabaseUnavailable as error:
        raise fail(str(error)) from None


def build_runtime(settings: Settings) -> Runtime:
    from bot.runtime import Runtime

    return Runtime.build(settings, engine=open_database(settings))


def migrate_schema(engine: Engine) -> None:
    """Upgrade the schema; a failure is one line, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.migrate import migrate

    try:
        migrate(engine)
    except SQLAlchemyError as error:
        detail = " ".join(str(getattr(error, "orig", None) or error).split())[:200]
        raise fail(f"could not migrate the database ({type(error).__name__}): {detail}") from None


def admin_runtime() -> Runtime:
    runtime = build_runtime(read_settings())
    # admin commands print their own output: keep migration chatter out of it unless -v
    quiet = not logging.getLogger().isEnabledFor(logging.DEBUG)
    alembic_log = logging.getLogger("alembic.runtime.migration")
    level = alembic_log.level
    if quiet:
        alembic_log.setLevel(logging.WARNING)
    try:
        migrate_schema(runtime.engine)
    finally:
        alembic_log.setLevel(level)
    return runtime


def utc_day(value: str) -> datetime:
    from datetime import UTC, datetime

    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None


def slack_team(value: str) -> str:
    """A --team value: a Slack team id, never empty (an empty one would mean "all")."""
    value = value.strip()
    if not value:
        raise argparse.ArgumentTypeError("is empty: give a Slack team id like T0123ABC")
    return value
