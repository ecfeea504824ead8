"""What each text column of the database can hold of a person, in one place.

`kept forget` (bot/ops/forget.py) walks this map, and a test fails when a text or JSON column
of the models is not in it: a new column that can hold a name or a Slack user id is erased by
`kept forget` from the day it is added, or someone decided (and wrote here why) that it holds
nothing of a person.

- PERSON: exactly a Slack user id (or nothing). Forgetting that user replaces it (`ON_FORGET`:
  a pseudonym, nothing, or the whole row goes).
- TEXT / JSON: words people typed or Kept wrote (descriptions, notes, replies, keys with ids
  in them): a forgotten name or user id is replaced wherever it stands as a whole word.
- NOTHING: holds nothing of a person (channel ids, enum values, Kept's own tokens), with why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Holds(StrEnum):
    PERSON = "person"
    TEXT = "text"
    JSON = "json"
    NOTHING = "nothing"


class OnForget(StrEnum):
    """What forgetting a user does to a PERSON column that holds their id."""

    PSEUDONYM = "pseudonym"  # the same stand-in everywhere ("gone-xxxxxxxx")
    EMPTY = "empty"  # set to NULL (e.g. a cover: the supervisor covers instead)
    DELETE_ROW = "delete_row"  # the row is theirs alone (their profile, their away)


@dataclass(frozen=True)
class Column:
    holds: Holds
    on_forget: OnForget = OnForget.PSEUDONYM
    why: str = ""


def person(on_forget: OnForget = OnForget.PSEUDONYM) -> Column:
    return Column(Holds.PERSON, on_forget)


TEXT = Column(Holds.TEXT)
JSON = Column(Holds.JSON)


def nothing(why: str) -> Column:
    return Column(Holds.NOTHING, why=why)


WORKSPACE = nothing("a Slack workspace or org id")
CHANNEL = nothing("a Slack channel id")
ENUM = nothing("one of Kept's fixed values")
SLACK_APP = nothing("Kept's own app, bot or token (no person's)")

PERSONAL_DATA: dict[str, dict[str, Column]] = {
    "people": {
        "team_id": WORKSPACE,
        "user_id": person(OnForget.DELETE_ROW),
        "name": TEXT,
        "email": TEXT,
        "tz": nothing("a time zone name"),
        "locale": nothing("a locale code"),
        "supervisor_id": person(OnForget.EMPTY),
    },
    "promises": {
        "team_id": WORKSPACE,
        "owner_id": person(),
        "created_by": person(),
        "closed_by": person(),
        "description": TEXT,
        "counterpart": TEXT,
        "counterpart_kind": ENUM,
        "closure_note": TEXT,
        "series_end_event": TEXT,
        "status": ENUM,
        "rhythm_kind": ENUM,
        "source_channel_id": CHANNEL,
        "source_message_ts": nothing("a Slack message timestamp"),
        "permalink": TEXT,
        "request_key": TEXT,
    },
    "promise_events": {
        "team_id": WORKSPACE,
        "actor_id": person(),
        "kind": ENUM,
        "detail": JSON,
    },
    "deliveries": {
        "team_id": WORKSPACE,
        "key": TEXT,
        "step": ENUM,
        "status": ENUM,
        "recipient_id": person(),
        "actor_id": person(),
        "about_id": person(),
        "claimed_by": nothing("a scheduler process name (host and pid)"),
        "channel_id": TEXT,  # a DM's channel, or a user id for a DM not yet opened
        "message_ts": nothing("a Slack message timestamp"),
        "last_error": TEXT,
    },
    "channel_settings": {
        "team_id": WORKSPACE,
        "channel_id": CHANNEL,
        "escalation_channel_id": CHANNEL,
        "counterpart_kind": ENUM,
        "updated_by": person(),
    },
    "away_periods": {
        "team_id": WORKSPACE,
        "user_id": person(OnForget.DELETE_ROW),
        "cover_id": person(OnForget.EMPTY),
        "set_by": person(),
        "source": ENUM,
    },
    # noticing promises where they are made (SPEC §2.5): nothing of a message is kept
    "watched_channels": {
        "team_id": WORKSPACE,
        "channel_id": CHANNEL,
        "changed_by": person(),
        "other_team_id": WORKSPACE,
        "other_org": TEXT,  # the other organisation's name: a counterpart's name
    },
    "watch_changes": {
        "team_id": WORKSPACE,
        "channel_id": CHANNEL,
        "changed_by": person(),
    },
    "suggestions": {
        "team_id": WORKSPACE,
        "fingerprint": nothing("a one-way hash of a message's workspace, channel and ts"),
        "user_id": person(OnForget.DELETE_ROW),
        "outcome": ENUM,
    },
    "suggestion_opt_outs": {
        "team_id": WORKSPACE,
        "user_id": person(OnForget.DELETE_ROW),
    },
    "workspaces": {
        "team_id": WORKSPACE,
        "state": ENUM,
        "reason": nothing("why Slack paused it (an event type)"),
        "enterprise_id": WORKSPACE,
    },
    "handled_requests": {
        "team_id": WORKSPACE,
        "key": TEXT,
        "reply": JSON,
    },
    "slack_installations": {
        "client_id": SLACK_APP,
        "app_id": SLACK_APP,
        "enterprise_id": WORKSPACE,
        "enterprise_name": nothing("the org's name in Slack"),
        "enterprise_url": nothing("the org's Slack address"),
        "team_id": WORKSPACE,
        "team_name": nothing("the workspace's name in Slack"),
        "bot_token": SLACK_APP,
        "bot_id": SLACK_APP,
        "bot_user_id": SLACK_APP,
        "bot_scopes": SLACK_APP,
        "bot_refresh_token": SLACK_APP,
        # who installed Kept; Kept asks for no user scopes, so no user token comes with it
        "user_id": person(),
        "user_token": nothing("empty: Kept asks for no user scopes"),
        "user_scopes": nothing("empty: Kept asks for no user scopes"),
        "user_refresh_token": nothing("empty: Kept asks for no user scopes"),
        "incoming_webhook_url": nothing("empty: Kept asks for no incoming webhook"),
        "incoming_webhook_channel": nothing("empty: Kept asks for no incoming webhook"),
        "incoming_webhook_channel_id": nothing("empty: Kept asks for no incoming webhook"),
        "incoming_webhook_configuration_url": nothing("empty: Kept asks for no webhook"),
        "token_type": ENUM,
    },
    "slack_bots": {
        "client_id": SLACK_APP,
        "app_id": SLACK_APP,
        "enterprise_id": WORKSPACE,
        "enterprise_name": nothing("the org's name in Slack"),
        "team_id": WORKSPACE,
        "team_name": nothing("the workspace's name in Slack"),
        "bot_token": SLACK_APP,
        "bot_id": SLACK_APP,
        "bot_user_id": SLACK_APP,
        "bot_scopes": SLACK_APP,
        "bot_refresh_token": SLACK_APP,
    },
    "slack_oauth_states": {
        "state": nothing("a random one-time OAuth state"),
    },
}


def columns_holding(table: str, *kinds: Holds) -> list[str]:
    return [name for name, column in PERSONAL_DATA.get(table, {}).items() if column.holds in kinds]
