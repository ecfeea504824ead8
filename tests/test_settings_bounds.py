"""KEPT_HOLIDAYS and bounded durations: clear one-line errors instead of tracebacks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.language.holidays import Holidays
from bot.settings import Settings, SettingsError

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}


def load(**env: str) -> Settings:
    return Settings.from_env({**BASE, **env}, env_file=None)


def test_holidays_setting() -> None:
    assert load().holidays == ()
    settings = load(KEPT_HOLIDAYS="US, gb-eng")
    assert settings.holidays == ("US", "GB-ENG")
    assert settings.working_day.holidays == Holidays(("US", "GB-ENG"))
    with pytest.raises(SettingsError, match="KEPT_HOLIDAYS: 'Narnia'"):
        load(KEPT_HOLIDAYS="Narnia")


@pytest.mark.parametrize("name", ["KEPT_REMIND_BEFORE", "KEPT_ESCALATE_AFTER"])
@pytest.mark.parametrize("value", ["99999999999d", "366d", "8785h"])
def test_durations_are_bounded(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}=.* is too long: use at most 365d"):
        load(**{name: value})


def test_a_year_is_still_fine() -> None:
    assert load(KEPT_ESCALATE_AFTER="365d").escalate_after == timedelta(days=365)
