"""manifest.yml and the code agree, and the manifest keeps to Slack's manifest structure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.app import create_app
from bot.channels.views import ChannelView
from bot.noticing.suggest import SuggestionView
from bot.promises.views import PromiseView
from bot.reports.home import HomeData
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack import messages as blocks
from bot.slack.messages import noticing as notice_blocks
from bot.store.models import Promise

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"

# The keys Slack's manifest importer accepts in the parts Kept uses
# (api.slack.com/reference/manifests)
ALLOWED: dict[str, Any] = {
    "_metadata": {"major_version": None, "minor_version": None},
    "display_information": {
        "name": None,
        "description": None,
        "background_color": None,
        "long_description": None,
    },
    "features": {
        "app_home": {
            "home_tab_enabled": None,
            "messages_tab_enabled": None,
            "messages_tab_read_only_enabled": None,
        },
        "bot_user": {"display_name": None, "always_online": None},
        "shortcuts": [{"name": None, "type": None, "callback_id": None, "description": None}],
        "slash_commands": [
            {
                "command": None,
                "url": None,
                "description": None,
                "usage_hint": None,
                "should_escape": None,
            }
        ],
        "unfurl_domains": None,
    },
    "oauth_config": {
        "redirect_urls": None,
        "scopes": {"bot": None, "user": None},
        "token_management_enabled": None,
    },
    "settings": {
        "allowed_ip_address_ranges": None,
        "event_subscriptions": {
            "request_url": None,
            "bot_events": None,
            "user_events": None,
            "metadata_subscriptions": None,
        },
        "interactivity": {
            "is_enabled": None,
            "request_url": None,
            "message_menu_options_url": None,
        },
        "org_deploy_enabled": None,
        "socket_mode_enabled": None,
        "token_rotation_enabled": None,
        "incoming_webhooks": None,
    },
    # Workflow Builder steps: keyed by callback id, checked by test_workflow_steps_definition
    "functions": None,
}
# bot events Kept may subscribe to, with the scope each needs (None: no scope needed)
EVENT_SCOPES = {
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_mention": "app_mentions:read",
    "user_change": "users:read",
    "function_executed": None,  # sent for the app's own functions (workflow steps)
}
KNOWN_SCOPES = {
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "users:read.email",
    "users.profile:read",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "channels:read",
    "channels:join",
    "team:read",
    "app_mentions:read",
    "files:write",
}


def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def check_structure(node: Any, allowed: Any, path: str, problems: list[str]) -> None:
    if isinstance(node, list):
        if not node:
            problems.append(f"{path}: empty list (Slack rejects it)")
        for i, item in enumerate(node):
            check_structure(
                item, allowed[0] if isinstance(allowed, list) else None, f"{path}[{i}]", problems
            )
        return
    if isinstance(node, dict):
        if not isinstance(allowed, dict):
            if allowed is not None:
                problems.append(f"{path}: should not be a mapping")
            return
        for key, value in node.items():
            if key not in allowed:
                problems.append(f"{path}.{key}: unknown key (Slack rejects it)")
            else:
                check_structure(value, allowed[key], f"{path}.{key}", problems)
        return
    if node is None or node == "":
        problems.append(f"{path}: empty value")


def registered() -> dict[str, set[str]]:
    """What the Bolt app listens to, read from its listeners' matchers."""
    settings = Settings(
        slack_bot_token="xoxb-1", slack_signing_secret="x", database_url="sqlite://"
    )
    app = create_app(Runtime.build(settings))
    found: dict[str, set[str]] = {}
    for listener in app._listeners:  # noqa: SLF001 - Bolt offers no public listing
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None:
                continue
            kind = func.__qualname__.split(".")[0]
            names = [
                c.cell_contents for c in func.__closure__ or [] if isinstance(c.cell_contents, str)
            ]
            found.setdefault(kind, set()).update(names)
    return found


def action_ids(node: Any) -> set[str]:
    """action_ids of interactive elements (buttons) in a message or view."""
    ids: set[str] = set()
    if isinstance(node, dict):
        if node.get("type") == "button" and "action_id" in node:
            ids.add(node["action_id"])
        for value in node.values():
            ids |= action_ids(value)
    elif isinstance(node, list):
        for item in node:
            ids |= action_ids(item)
    return ids


def sample_messages() -> list[Any]:
    now = datetime(2026, 11, 25, 18, tzinfo=UTC)
    row = Promise(
        id=7,
        team_id="T",
        owner_id="U1",
        created_by="U1",
        description="call Sam",
        counterpart="Sam",
        counterpart_kind="candidate",
        deadline=now - timedelta(hours=2),
        deadline_version=1,
        status="open",
        created_at=now,
        updated_at=now,
    )
    promise = PromiseView.of(row)
    home = HomeData(
        user_id="U1",
        tz="UTC",
        now=now,
        mine=[promise],
        mine_total=30,
        is_admin=True,
        channels=[ChannelView(channel_id="C1", escalation_channel_id="C2")],
        away=(now + timedelta(days=3), "U2"),
    )
    return [
        blocks.promise_recorded(promise, "UTC", now),
        blocks.deadline_problem("x", "missing", None, "UTC"),
        blocks.far_deadline_question("x", now + timedelta(days=800), "UTC", now, "C1"),
        blocks.heads_up(promise, "UTC", now),
        blocks.nudge(promise, "UTC", now),
        blocks.escalation(promise, "UTC", now, nudged_at=now),
        blocks.nobody_to_escalate_to(promise),
        blocks.owner_reminder(promise, "U2", "UTC", now),
        blocks.home_view(home),
        blocks.promise_form(owner_id="U1"),
        blocks.edit_form(promise),
        blocks.new_date_form(promise),
        blocks.hand_off_form(promise),
        blocks.couldnt_keep_form(promise),
        blocks.check_in_nudge(promise, "UTC", now),
        blocks.updated_form(promise, "UTC", now=now),
        blocks.new_rhythm_form(promise),
        blocks.promise_list("Yours", [promise], "UTC", now, total=45, page=2),
        notice_blocks.with_post_update(blocks.nudge(promise, "UTC", now), promise.id),
        notice_blocks.post_update_form(promise.id, "call Sam", "A quick update", "C1"),
        notice_blocks.suggestion_message(
            SuggestionView(
                key="k",
                channel_id="C1",
                message_ts="1.2",
                thread_ts=None,
                what="send Acme the quote",
                counterpart="Acme",
                counterpart_kind="customer",
                deadline=now + timedelta(days=1),
                date_said=True,
                answer_days=2,
                rhythm=None,
                promise_text="send Acme the quote by 2026-11-26T17:00:00Z",
                confidence=0.9,
            ),
            "UTC",
            now,
        ),
    ]


def test_manifest_keeps_to_slacks_structure() -> None:
    data = manifest()
    problems: list[str] = []
    check_structure(data, ALLOWED, "manifest", problems)
    assert problems == []
    info = data["display_information"]
    assert len(info["name"]) <= 35 and len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    for shortcut in data["features"]["shortcuts"]:
        assert len(shortcut["name"]) <= 24 and len(shortcut["description"]) <= 80
        assert shortcut["type"] in {"message", "global"}


def test_every_subscribed_event_has_its_scope() -> None:
    data = manifest()
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert scopes <= KNOWN_SCOPES, scopes - KNOWN_SCOPES
    for event in data["settings"]["event_subscriptions"]["bot_events"]:
        assert event in EVENT_SCOPES, f"unknown event {event}"
        needed = EVENT_SCOPES[event]
        assert needed is None or needed in scopes, f"{event} needs {needed}"
    assert "commands" in scopes  # slash commands and shortcuts need it
    assert data["features"]["bot_user"]  # app_home_opened needs a bot user


def test_manifest_and_code_register_the_same_things() -> None:
    data = manifest()
    code = registered()
    assert {c["command"] for c in data["features"]["slash_commands"]} == code["command"]
    assert {s["callback_id"] for s in data["features"]["shortcuts"]} == code["shortcut"]
    # `message.im` is the `message` event in a DM: Bolt listens to `message`
    subscribed = {e.split(".")[0] for e in data["settings"]["event_subscriptions"]["bot_events"]}
    # function_executed reaches the app.function listeners (checked below)
    assert subscribed - {"function_executed"} == code["event"]
    assert ("function_executed" in subscribed) == bool(data.get("functions"))
    assert set(data.get("functions") or {}) == code.get("function_executed", set())
    # interactivity is on because there are buttons and forms to serve
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert code["action"] and code["view_submission"]
    # every button Kept renders has a listener, and every action listener has a button
    rendered = set().union(*(action_ids(m) for m in sample_messages()))
    assert rendered == code["action"]
    # every form Kept opens has a submission listener
    callbacks = {m.get("callback_id") for m in sample_messages() if m.get("type") == "modal"}
    assert callbacks == code["view_submission"]
    # the home tab is on because the code publishes one
    assert data["features"]["app_home"]["home_tab_enabled"] is True


# What Slack's importer takes for a custom step (docs.slack.dev/reference/app-manifest,
# "functions"; the custom steps guide for Bolt) and the parameter types Kept uses
FUNCTION_KEYS = {"title", "description", "input_parameters", "output_parameters"}
PARAMETER_KEYS = {"type", "title", "description", "is_required", "hint", "default", "name"}
PARAMETER_TYPES = {
    "string",
    "integer",
    "number",
    "boolean",
    "slack#/types/user_id",
    "slack#/types/channel_id",
    "slack#/types/timestamp",
}


def test_workflow_steps_definition() -> None:
    """Each step keeps to Slack's function definition; the app is org-ready (custom steps
    need it); the steps' inputs and outputs are the ones the code reads and writes."""
    data = manifest()
    functions = data["functions"]
    assert data["settings"]["org_deploy_enabled"] is True
    assert set(functions) == {"record_promise", "close_promise"}
    for callback_id, definition in functions.items():
        assert set(definition) <= FUNCTION_KEYS, callback_id
        assert definition["title"] and len(definition["title"]) <= 50
        for kind in ("input_parameters", "output_parameters"):
            parameters = definition[kind]
            assert parameters, f"{callback_id}.{kind}: empty (Slack rejects it)"
            for name, spec in parameters.items():
                where = f"{callback_id}.{kind}.{name}"
                assert set(spec) <= PARAMETER_KEYS, where
                assert spec["type"] in PARAMETER_TYPES, where
                assert spec["title"] and isinstance(spec["is_required"], bool), where
    record = functions["record_promise"]
    assert {n: p["type"] for n, p in record["input_parameters"].items()} == {
        "owner": "slack#/types/user_id",
        "promise": "string",
        "counterpart": "string",
        "deadline": "string",
        "channel": "slack#/types/channel_id",
    }
    required = {n for n, p in record["input_parameters"].items() if p["is_required"]}
    assert required == {"owner", "promise", "deadline"}
    assert set(record["output_parameters"]) == {"promise_id", "deadline"}
