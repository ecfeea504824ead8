"""The scope table (bot/slack/scopes.py), manifest.yml and the code agree (issue 9, finding 1)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.slack.scopes import METHOD_SCOPES, method_name, required_scopes
from tests.fakeslack import METHOD_SCOPES as SLACKS_TABLE

ROOT = Path(__file__).resolve().parent.parent
# `client.chat_postMessage(`, `runtime.sender.users_info(`, `self.client.views_open(` ...
CALL = re.compile(r"\b(?:client|sender)\s*\.\s*([a-z]+(?:_[A-Za-z]+)+)\s*\(")
API_CALL = re.compile(r"\.api_call\(\s*[\"']([a-z]+\.[A-Za-z.]+)[\"']")


def manifest_scopes() -> set[str]:
    data = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return set(data["oauth_config"]["scopes"]["bot"])


def methods_called() -> dict[str, list[str]]:
    """Web API method -> where Kept calls it (file:line), from the source of bot/, handlers/
    and scheduler/."""
    found: dict[str, list[str]] = {}
    for folder in ("bot", "handlers", "scheduler"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                names = [method_name(m) for m in CALL.findall(line)] + API_CALL.findall(line)
                for name in names:
                    where = f"{path.relative_to(ROOT)}:{number}"
                    found.setdefault(name, []).append(where)
    return found


def test_the_manifest_asks_for_exactly_the_scopes_the_table_needs() -> None:
    needed = {s.value for s in required_scopes()}
    granted = manifest_scopes()
    assert needed - granted == set(), "missing from manifest.yml"
    assert granted - needed == set(), "asked for but never used"
    assert "users:read.email" in granted  # users.lookupByEmail, profile.email


def test_every_web_api_call_in_the_code_is_in_the_table() -> None:
    called = methods_called()
    assert called, "the scan found no Web API calls at all"
    unlisted = {m: where for m, where in called.items() if m not in METHOD_SCOPES}
    assert unlisted == {}
    # and nothing is listed that Kept no longer calls
    assert set(METHOD_SCOPES) - set(called) == set()


def test_the_table_agrees_with_slacks_per_method_scopes() -> None:
    """Each method's scopes in Kept's table satisfy Slack's requirement as the fake Slack
    (written from Slack's method reference) states it."""
    for method, scopes in METHOD_SCOPES.items():
        if method == "conversations.history":
            # its own DMs, and whether it is in a private channel someone asks it to watch
            assert {s.value for s in scopes} == {"im:history", "groups:history"}
            continue
        assert method in SLACKS_TABLE, method
        alternatives = set(SLACKS_TABLE[method])
        assert not alternatives or alternatives & {s.value for s in scopes}, method
