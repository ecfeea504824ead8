"""The fake Slack's channels (SPEC §2.5, noticing promises): a mixin of tests.fakeslack.FakeSlack,
kept in its own module so the rest of the fake stays as it was.

Channels the fake knows, who is in them, Slack Connect channels shared with another
organisation, and the `message` events Slack sends from them (SPEC §2.5). Slack's behaviour,
from its method and event references (docs.slack.dev):
- conversations.join (channels:join): public channels only; a private one answers
  `method_not_supported_for_channel_type`; an archived one `is_archived`; an unknown one
  `channel_not_found`; joining again is ok with the warning `already_in_channel`. The
  channel object says `is_ext_shared`, `shared_team_ids` and `conversation_host_id`.
- conversations.history in a private channel Kept was not invited to: `channel_not_found`;
  in a public channel it is not in: `not_in_channel`.
- chat.postEphemeral: the user must be in the channel (`user_not_in_channel`); a private
  channel needs Kept in it (`channel_not_found`); archived: `is_archived`. `thread_ts` shows
  it in the thread.
- team.info (team:read) with `team`: that organisation's id, name and domain, for a team
  Kept shares a channel with; unknown: `team_not_found`.
- message events: `channel_type` "channel" (public) or "group" (private); `team` and, in a
  shared channel, `user_team` / `source_team` the author's organisation; a reply carries
  `thread_ts` (and `parent_user_id`); an edit is subtype `message_changed` with `message`
  and `previous_message`; a deletion `message_deleted`; a bot's post `bot_message`.
"""

from __future__ import annotations

import threading
from typing import Any

Params = dict[str, Any]
KEPT = "U0KEPTBOT"  # tests.fakeslack.BOT_USER_ID
DOMAIN = "kept-test"  # tests.fakeslack.TEAM_DOMAIN


class Channels:
    """Channels, their members and the events they send. FakeSlack provides the state used
    here: _lock, _users, _messages, _channel_ts, _gone_channels, _handlers, team_id, _next_ts,
    ephemerals."""

    _lock: threading.Lock
    _users: dict[str, dict[str, Any]]
    _messages: dict[tuple[str, str], dict[str, Any]]
    _channel_ts: dict[str, list[str]]
    _gone_channels: set[str]
    _handlers: dict[str, Any]
    team_id: str

    def _next_ts(self) -> str:
        raise NotImplementedError

    def ephemerals(self, user_id: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _init_channels(self) -> None:
        self._channels: dict[str, dict[str, Any]] = {}
        self._teams: dict[str, dict[str, Any]] = {}
        self._handlers["conversations.join"] = self._conversations_join
        self._handlers["team.info"] = self._team_info
        plain_history = self._handlers["conversations.history"]
        plain_ephemeral = self._handlers["chat.postEphemeral"]
        self._handlers["conversations.history"] = lambda p: (
            self._channel_refusal(p, reading=True) or plain_history(p)
        )
        self._handlers["chat.postEphemeral"] = lambda p: (
            self._channel_refusal(p, reading=False) or plain_ephemeral(p)
        )

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        private: bool = False,
        members: tuple[str, ...] | list[str] = (),
        kept_member: bool = False,
        shared_with: str | None = None,
        archived: bool = False,
    ) -> None:
        """A channel with these members (Kept among them only with ``kept_member``, or once it
        joins). ``shared_with``: a team id (added with add_team) sharing it (Slack Connect)."""
        with self._lock:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name or channel_id.lower(),
                "is_private": private,
                "is_archived": archived,
                "members": set(members) | ({KEPT} if kept_member else set()),
                "shared_with": shared_with,
            }

    def add_team(self, team_id: str, name: str, *, domain: str | None = None) -> None:
        """Another organisation (for Slack Connect channels)."""
        with self._lock:
            self._teams[team_id] = {
                "id": team_id,
                "name": name,
                "domain": domain or name.lower().replace(" ", "-"),
            }

    def channel_members(self, channel_id: str) -> set[str]:
        with self._lock:
            return set(self._channels[channel_id]["members"])

    def _channel_view(self, channel: dict[str, Any]) -> dict[str, Any]:
        shared = channel["shared_with"]
        view = {
            "id": channel["id"],
            "name": channel["name"],
            "is_channel": not channel["is_private"],
            "is_group": channel["is_private"],
            "is_im": False,
            "is_mpim": False,
            "is_private": channel["is_private"],
            "is_archived": channel["is_archived"],
            "is_general": False,
            "is_shared": bool(shared),
            "is_ext_shared": bool(shared),
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "is_member": KEPT in channel["members"],
            "context_team_id": self.team_id,
            "conversation_host_id": self.team_id,
            "created": 1449252889,
        }
        if shared:
            view["shared_team_ids"] = [self.team_id, shared]
        return view

    def _conversations_join(self, params: Params) -> dict[str, Any]:
        channel_id = str(params.get("channel") or "")
        with self._lock:
            channel = self._channels.get(channel_id)
            if channel is None or channel_id in self._gone_channels:
                return {"ok": False, "error": "channel_not_found"}
            if channel["is_private"]:
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            if channel["is_archived"]:
                return {"ok": False, "error": "is_archived"}
            already = KEPT in channel["members"]
            channel["members"].add(KEPT)
            view = self._channel_view(channel)
        answer: dict[str, Any] = {"ok": True, "channel": view}
        if already:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _team_info(self, params: Params) -> dict[str, Any]:
        team_id = str(params.get("team") or self.team_id)
        with self._lock:
            if team_id == self.team_id:
                return {"ok": True, "team": {"id": team_id, "name": "Kept Test", "domain": DOMAIN}}
            team = self._teams.get(team_id)
            shares = any(c["shared_with"] == team_id for c in self._channels.values())
        if team is None or not shares:
            return {"ok": False, "error": "team_not_found"}
        return {"ok": True, "team": dict(team)}

    def _channel_refusal(self, params: Params, *, reading: bool) -> dict[str, Any] | None:
        """Slack's refusal for a known channel (None: carry on as the plain fake does)."""
        channel_id = str(params.get("channel") or "")
        with self._lock:
            channel = self._channels.get(channel_id)
            if channel is None:
                return None
            kept_in = KEPT in channel["members"]
            if channel["is_private"] and not kept_in:
                return {"ok": False, "error": "channel_not_found"}
            if reading:
                return None if kept_in else {"ok": False, "error": "not_in_channel"}
            if channel["is_archived"]:
                return {"ok": False, "error": "is_archived"}
            if str(params.get("user") or "") not in channel["members"]:
                return {"ok": False, "error": "user_not_in_channel"}
        return None

    def _channel_event(self, channel: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
        event = dict(message)
        event["channel"] = channel["id"]
        event["channel_type"] = "group" if channel["is_private"] else "channel"
        event["event_ts"] = message["ts"]
        return event

    def post_as(
        self,
        channel_id: str,
        user_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A person posts in a channel: the message is stored (history, permalinks) and the
        `message` event Slack sends to a member app is returned (text escaped as Slack does)."""
        with self._lock:
            channel = self._channels[channel_id]
            user = self._users[user_id]
            ts = self._next_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": user_id,
                "text": _slack_escaped(text),
                "ts": ts,
                "client_msg_id": f"{ts}-{user_id}",
                "team": user["team_id"],
            }
            if channel["shared_with"]:
                message["user_team"] = user["team_id"]
                message["source_team"] = user["team_id"]
            if thread_ts:
                message["thread_ts"] = thread_ts
                parent = self._messages.get((channel_id, thread_ts))
                message["parent_user_id"] = (parent or {}).get("user", user_id)
            self._messages[(channel_id, ts)] = {**message, "channel": channel_id}
            self._channel_ts.setdefault(channel_id, []).append(ts)
            return self._channel_event(channel, message)

    def edit_as(self, channel_id: str, ts: str, text: str) -> dict[str, Any]:
        """The author edits a message: Slack's `message_changed` event."""
        with self._lock:
            channel = self._channels[channel_id]
            before = dict(self._messages[(channel_id, ts)])
            before.pop("channel", None)
            edit_ts = self._next_ts()
            after = {
                **before,
                "text": _slack_escaped(text),
                "edited": {"user": before["user"], "ts": edit_ts},
            }
            self._messages[(channel_id, ts)] = {**after, "channel": channel_id}
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel_id,
            "channel_type": "group" if channel["is_private"] else "channel",
            "message": after,
            "previous_message": before,
            "ts": edit_ts,
            "event_ts": edit_ts,
        }

    def delete_as(self, channel_id: str, ts: str) -> dict[str, Any]:
        """The author deletes a message: Slack's `message_deleted` event."""
        with self._lock:
            channel = self._channels[channel_id]
            before = dict(self._messages.pop((channel_id, ts)))
            before.pop("channel", None)
            event_ts = self._next_ts()
        return {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel_id,
            "channel_type": "group" if channel["is_private"] else "channel",
            "deleted_ts": ts,
            "previous_message": before,
            "ts": event_ts,
            "event_ts": event_ts,
        }

    def bot_post(self, channel_id: str, text: str, *, bot_id: str = "B0OTHER") -> dict[str, Any]:
        """Another app posts in the channel: Slack's `bot_message` event."""
        with self._lock:
            channel = self._channels[channel_id]
            ts = self._next_ts()
        return self._channel_event(
            channel,
            {
                "type": "message",
                "subtype": "bot_message",
                "text": _slack_escaped(text),
                "ts": ts,
                "bot_id": bot_id,
                "username": "Reminder bot",
            },
        )

    def ephemerals_in(self, channel_id: str, user_id: str) -> list[dict[str, Any]]:
        """The ephemeral messages shown to a user in a channel (with their thread_ts)."""
        return [e for e in self.ephemerals(user_id) if e["channel"] == channel_id]


def _slack_escaped(text: str) -> str:
    """As Slack escapes message text: `&`, `<`, `>` escaped, its own references kept."""
    from tests.slackreq import slack_escaped

    return slack_escaped(text)
