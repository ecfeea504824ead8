"""Settings parsing (no database, no Slack)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.settings import DigestSchedule, Settings, SettingsError, parse_duration

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def load(**extra: str) -> Settings:
    return Settings.from_env({**BASE, **extra}, env_file=None)


def test_defaults() -> None:
    settings = load()
    assert settings.database_url == "sqlite:///kept.db"
    assert settings.port == 3000
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.remind_before == timedelta(hours=1)
    assert settings.escalate_after == timedelta(hours=24)
    assert settings.respect_working_hours is True
    assert settings.digest == DigestSchedule(0, time(9, 0))
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("0", timedelta(0)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text, "X") == expected


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("PORT", "http", "PORT"),
        ("KEPT_REMIND_BEFORE", "an hour", "KEPT_REMIND_BEFORE"),
        ("KEPT_RESPECT_WORKING_HOURS", "maybe", "KEPT_RESPECT_WORKING_HOURS"),
        ("KEPT_DIGEST", "someday", "KEPT_DIGEST"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "xapp-"),
        ("KEPT_TICK_SECONDS", "0", "KEPT_TICK_SECONDS"),
    ],
)
def test_wrong_values_name_the_setting(name: str, value: str, words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        load(**{name: value})


def test_overrides_and_admins() -> None:
    settings = load(
        SLACK_API_URL="http://127.0.0.1:9/api",
        KEPT_ADMINS="U1, lead@x.com;U2",
        KEPT_DIGEST="off",
        KEPT_RESPECT_WORKING_HOURS="false",
        SLACK_APP_TOKEN="xapp-1",
    )
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.admins == frozenset({"U1", "U2", "lead@x.com"})
    assert settings.digest is None and not settings.respect_working_hours
    assert settings.socket_mode


def test_repr_hides_secrets() -> None:
    settings = load(DATABASE_URL="postgresql://kept:hunter2@db/kept")
    text = repr(settings)
    assert "xoxb-1" not in text and "hunter2" not in text and "kept:***@db" in text
