"""Every Slack Web API method Kept calls, with the bot scopes Slack requires for it.

manifest.yml asks for exactly these scopes plus the ones Kept's features need without a Web
API call (FEATURE_SCOPES); tests/test_scopes.py checks both directions and that every
`client.<method>(...)` call in bot/, handlers/ and scheduler/ is listed here. Sources: each
method's "Required scopes" on docs.slack.dev/reference/methods/<method>.
"""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    COMMANDS = "commands"
    CHAT_WRITE = "chat:write"
    CHAT_WRITE_PUBLIC = "chat:write.public"
    USERS_READ = "users:read"
    USERS_READ_EMAIL = "users:read.email"
    USERS_PROFILE_READ = "users.profile:read"
    IM_WRITE = "im:write"
    IM_HISTORY = "im:history"
    FILES_WRITE = "files:write"
    CHANNELS_HISTORY = "channels:history"
    GROUPS_HISTORY = "groups:history"
    CHANNELS_JOIN = "channels:join"
    TEAM_READ = "team:read"


# Web API method -> the scopes Kept's token needs for Kept's use of it
METHOD_SCOPES: dict[str, frozenset[Scope]] = {
    "auth.test": frozenset(),
    # tz, locale and admin flag; the e-mail field only with users:read.email as well
    "users.info": frozenset({Scope.USERS_READ}),
    # KEPT_ADMINS and supervisor CSVs given as e-mail addresses
    "users.lookupByEmail": frozenset({Scope.USERS_READ_EMAIL}),
    # the custom status (text, emoji, expiration): an out-of-office status makes someone away
    "users.profile.get": frozenset({Scope.USERS_PROFILE_READ}),
    # open the DM with a user before reading it back (Slack accepts im:write for 1:1 DMs)
    "conversations.open": frozenset({Scope.IM_WRITE}),
    # its own DMs (did a reminder already land?): im:history; `/promise watch` in a private
    # channel: is Kept a member there? (groups:history)
    "conversations.history": frozenset({Scope.IM_HISTORY, Scope.GROUPS_HISTORY}),
    # a DM's thread (a DM answered in its thread: im:history), and an update posted in a
    # shared channel's thread (after an uncertain send, was it posted?)
    "conversations.replies": frozenset(
        {Scope.IM_HISTORY, Scope.CHANNELS_HISTORY, Scope.GROUPS_HISTORY}
    ),
    # `/promise watch` in a public channel: Kept joins it to receive its messages
    "conversations.join": frozenset({Scope.CHANNELS_JOIN}),
    # a watched Slack Connect channel: the other organisation's name (the counterpart)
    "team.info": frozenset({Scope.TEAM_READ}),
    "chat.postMessage": frozenset({Scope.CHAT_WRITE}),
    # a promise noticed in a watched channel, suggested to its author alone
    "chat.postEphemeral": frozenset({Scope.CHAT_WRITE}),
    "chat.update": frozenset({Scope.CHAT_WRITE}),
    "chat.getPermalink": frozenset(),
    "views.open": frozenset(),
    "views.publish": frozenset(),
    "views.update": frozenset(),  # the Show all view pages in place
    # Workflow Builder steps end with these (no scope; the execution's own token)
    "functions.completeSuccess": frozenset(),
    "functions.completeError": frozenset(),
    # the kept-rate chart (a PNG) uploaded to a reader's DM: Slack's external upload flow
    "files.getUploadURLExternal": frozenset({Scope.FILES_WRITE}),
    "files.completeUploadExternal": frozenset({Scope.FILES_WRITE}),
}

# Scopes the manifest needs for something other than a Web API call, and why
FEATURE_SCOPES: dict[Scope, str] = {
    Scope.COMMANDS: "the /promise command and the Track as a promise shortcut",
    Scope.CHAT_WRITE_PUBLIC: "escalations posted to a channel Kept was not invited to",
    Scope.USERS_READ_EMAIL: "profile.email in users.info (admins listed by e-mail)",
    Scope.IM_HISTORY: "the message.im event: DMs to Kept",
    Scope.CHANNELS_HISTORY: "the message.channels event: promises noticed in watched channels",
    Scope.GROUPS_HISTORY: "the message.groups event: the same in private channels",
}


def required_scopes() -> frozenset[Scope]:
    """Every bot scope Kept needs: the manifest asks for exactly these."""
    needed: set[Scope] = set(FEATURE_SCOPES)
    for scopes in METHOD_SCOPES.values():
        needed |= scopes
    return frozenset(needed)


def method_name(python_name: str) -> str:
    """slack_sdk's method name -> the Web API's: `users_lookupByEmail` -> `users.lookupByEmail`,
    `users_profile_get` -> `users.profile.get`."""
    return python_name.replace("_", ".")


def missing_scopes(granted: set[str]) -> list[str]:
    """The scopes Kept needs that a token lacks (from auth.test's x-oauth-scopes header)."""
    return sorted(s.value for s in required_scopes() if s.value not in granted)
