"""One function per thing an admin does with channel settings (`/promise channel ...`, SPEC
§5): show them, list them, set or clear a key. Each takes a session, who is acting and plain
values (the channel the words name, read by bot.language.commands), and returns the reply.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.channels.service import (
    clear_values,
    get_setting,
    key_name,
    parse_value,
    set_value,
    team_settings,
    values_of,
)
from bot.channels.views import channel_views
from bot.language.commands import ChannelAt, is_channel_id
from bot.noticing.service import with_watching
from bot.people.acting import Acting
from bot.promises.service import InvalidInput, NotAllowed
from bot.reply import Reply
from bot.slack import messages
from bot.slack.text import mrkdwn


def _allowed(who: Acting, at: ChannelAt) -> None:
    """Channel settings are for admins; a `#word` that names no channel is asked about."""
    if not who.actor.is_admin:
        raise NotAllowed(
            "Only workspace admins (or people in KEPT_ADMINS) can see or change channel "
            "settings. Ask one of them if this channel needs different reminders."
        )
    if at.unreadable is not None:
        raise InvalidInput(
            f"I can't tell which channel `{mrkdwn(at.unreadable, 60)}` is. Pick it from the list "
            "Slack shows as you type `#`."
        )


def _target(who: Acting, at: ChannelAt, here: str | None) -> str:
    """The channel named, or the one the command was typed in (`here`); admins only."""
    _allowed(who, at)
    target = at.channel_id or here
    if not target or not is_channel_id(target):
        raise InvalidInput(
            "This conversation isn't a channel. Name one, e.g. `/promise channel #sales show`."
        )
    return target


def usage(who: Acting, *, at: ChannelAt) -> Reply:
    """`/promise channel` (or `help`): what the settings are and how to change them."""
    _allowed(who, at)
    return Reply(messages.channel_help())


def listed(session: Session, who: Acting, *, at: ChannelAt, page: int) -> Reply:
    """`/promise channel list`: every channel's settings, a page at a time."""
    _allowed(who, at)
    settings = channel_views(team_settings(session, who.team_id))
    return Reply(messages.channel_settings_list(settings, page))


def show(session: Session, who: Acting, *, at: ChannelAt, here: str | None) -> Reply:
    """`/promise channel [#c] show`: the channel's settings, and whether Kept watches it."""
    target = _target(who, at, here)
    values = values_of(get_setting(session, who.team_id, target))
    shown = messages.channel_settings_shown(target, values)
    return Reply(with_watching(session, who.team_id, target, shown))


def set_key(
    session: Session, who: Acting, *, at: ChannelAt, here: str | None, key: str, value: str
) -> Reply:
    """`/promise channel [#c] set <key> <value>`."""
    target = _target(who, at, here)
    if not key:
        raise InvalidInput(
            "Usage: `/promise channel set <key> <value>`, e.g. "
            "`/promise channel set remind_before 30m`. Keys: escalation, kind, "
            "remind_before, escalate_after."
        )
    name = key_name(key)
    setting = set_value(
        session,
        who.team_id,
        target,
        name,
        parse_value(name, value),
        actor_id=who.user_id,
        now=who.now,
    )
    return Reply(
        messages.channel_settings_shown(
            target, values_of(setting), headline=f":white_check_mark: Saved for <#{target}>."
        )
    )


def clear(
    session: Session, who: Acting, *, at: ChannelAt, here: str | None, key: str | None
) -> Reply:
    """`/promise channel [#c] clear [key]`: one key, or every setting, back to the default."""
    target = _target(who, at, here)
    cleared = key_name(key) if key is not None else None
    remaining = clear_values(
        session, who.team_id, target, cleared, actor_id=who.user_id, now=who.now
    )
    what = (
        f"`{cleared}` is back to the default" if cleared else "Every setting is back to the default"
    )
    return Reply(
        messages.channel_settings_shown(
            target, values_of(remaining), headline=f":white_check_mark: {what} for <#{target}>."
        )
    )
