"""Channel settings (SPEC §5): per channel, the escalation channel, the default counterpart
kind, and `remind_before` / `escalate_after` overrides for promises made there.

Plain functions of a database session and plain values. New promises read these when they are
made (`Runtime.timing`, `kind_in_channel`); promises already made keep their reminders.

The settings file (`kept channels load` / `kept channels dump`) is YAML:

    team: T0123ABC
    channels:
      C0SALES:
        escalation: C0ESCALATE
        kind: customer
        remind_before: 30m     # 0 turns the heads-up off
        escalate_after: 4h

A channel listed in the file gets exactly the keys it lists (a key left out goes back to the
default); channels not listed are left alone unless the load is told to prune them. Slack's
`conversations.info` is not consulted (it needs the `channels:read` scope for every kind of
channel): a channel id is checked by its shape only — `C…` or `G…`, capital letters and digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.language.commands import channel_ref as channel_ref
from bot.language.commands import is_channel_id as is_channel_id
from bot.language.counterparts import CounterpartKind
from bot.promises.service import InvalidInput
from bot.settings import SettingsError, parse_duration
from bot.slack.text import mrkdwn, unescape
from bot.store.db import core
from bot.store.models import ChannelSetting

KEYS = ("escalation", "kind", "remind_before", "escalate_after")
KINDS = tuple(kind.value for kind in CounterpartKind)
MAX_SPAN = timedelta(days=30)

_COLUMN = {
    "escalation": "escalation_channel_id",
    "kind": "counterpart_kind",
    "remind_before": "remind_before_seconds",
    "escalate_after": "escalate_after_seconds",
}
_KEY_ALIASES = {
    "escalation": "escalation",
    "escalation_channel": "escalation",
    "kind": "kind",
    "counterpart_kind": "kind",
    "remind_before": "remind_before",
    "heads_up": "remind_before",
    "escalate_after": "escalate_after",
}


def key_name(word: str) -> str:
    key = _KEY_ALIASES.get(word.strip().lower().replace("-", "_"))
    if key is None:
        raise InvalidInput(
            f"`{mrkdwn(word, 40)}` isn't a channel setting. Settings: {', '.join(KEYS)}."
        )
    return key


def format_span(seconds: int) -> str:
    """Seconds as the shortest duration the settings accept: `0`, `90s`, `30m`, `4h`, `2d`."""
    if seconds == 0:
        return "0"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_value(key: str, raw: Any) -> str | int:
    """A setting's value as stored: a channel id, a kind, or a number of seconds."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise InvalidInput(f"`{key}` needs a value.")
    if key == "escalation":
        channel = channel_ref(text)
        if channel is None:
            raise InvalidInput(
                f"`{mrkdwn(text, 60)}` isn't a channel I can use. Pick it from the list Slack "
                "shows when you type `#`, e.g. "
                "`/promise channel set escalation #sales-escalations`."
            )
        return channel
    if key == "kind":
        kind = text.lower()
        if kind not in KINDS:
            raise InvalidInput(
                f"The counterpart kind is one of {', '.join(KINDS)}, not `{mrkdwn(text, 40)}`."
            )
        return kind
    if key == "remind_before" and text.lower() in {"off", "none", "no"}:
        return 0
    try:
        span = parse_duration(text, key)
    except SettingsError:
        raise InvalidInput(
            f"`{mrkdwn(text, 40)}` isn't a duration for `{key}`: use e.g. 30m, 4h or 2d"
            + (" (0 turns the heads-up off)." if key == "remind_before" else ".")
        ) from None
    if span > MAX_SPAN:
        raise InvalidInput(f"`{key}` can be at most 30 days.")
    if key == "escalate_after" and span <= timedelta(0):
        raise InvalidInput(
            "`escalate_after` must be more than 0: the owner gets the nudge first. "
            "`/promise channel clear escalate_after` goes back to the default."
        )
    return int(span.total_seconds())


def get_setting(session: Session, team_id: str, channel_id: str) -> ChannelSetting | None:
    return session.get(ChannelSetting, (team_id, channel_id))


_SETTING = select(ChannelSetting.__table__).where(
    ChannelSetting.__table__.c.team_id == bindparam("team_id"),
    ChannelSetting.__table__.c.channel_id == bindparam("channel_id"),
)


def setting_row(session: Session, team_id: str, channel_id: str) -> Any:
    """A channel's settings as a plain row (attributes as on ChannelSetting), or None: one
    Core SELECT built once, for the hot path of recording a promise."""
    return core(session).execute(_SETTING, {"team_id": team_id, "channel_id": channel_id}).first()


def kind_in_channel(setting: Any, guessed: str | None) -> str | None:
    """What the text says (candidate or customer), else the channel's default kind, else
    the guess."""
    if guessed in (CounterpartKind.CANDIDATE, CounterpartKind.CUSTOMER):
        return guessed
    return (setting.counterpart_kind if setting is not None else None) or guessed


def values_of(setting: ChannelSetting | None) -> dict[str, str | int]:
    """The keys this channel sets, as stored (unset keys are left out)."""
    if setting is None:
        return {}
    values = {key: getattr(setting, column) for key, column in _COLUMN.items()}
    return {key: value for key, value in values.items() if value is not None}


def set_value(
    session: Session,
    team_id: str,
    channel_id: str,
    key: str,
    value: str | int,
    *,
    actor_id: str,
    now: datetime,
) -> ChannelSetting:
    setting = get_setting(session, team_id, channel_id)
    if setting is None:
        setting = ChannelSetting(team_id=team_id, channel_id=channel_id)
        session.add(setting)
    setattr(setting, _COLUMN[key], value)
    setting.updated_by = actor_id
    setting.updated_at = now
    session.flush()
    return setting


def clear_values(
    session: Session,
    team_id: str,
    channel_id: str,
    key: str | None,
    *,
    actor_id: str,
    now: datetime,
) -> ChannelSetting | None:
    """Back to the default for one key, or for all of them (the row is then removed)."""
    setting = get_setting(session, team_id, channel_id)
    if setting is None:
        return None
    if key is None:
        session.delete(setting)
        session.flush()
        return None
    setattr(setting, _COLUMN[key], None)
    setting.updated_by = actor_id
    setting.updated_at = now
    if not values_of(setting):
        session.delete(setting)
        session.flush()
        return None
    session.flush()
    return setting


def team_settings(session: Session, team_id: str) -> list[ChannelSetting]:
    return list(
        session.scalars(
            select(ChannelSetting)
            .where(ChannelSetting.team_id == team_id)
            .order_by(ChannelSetting.channel_id)
        )
    )


# ---------------------------------------------------------------------------- the settings file


def dump_settings(session: Session, team_id: str) -> str:
    """The team's channel settings as the YAML `load_settings` reads."""
    channels: dict[str, dict[str, str | int]] = {}
    for setting in team_settings(session, team_id):
        values = values_of(setting)
        if not values:
            continue
        out: dict[str, str | int] = {}
        for key in KEYS:
            if key not in values:
                continue
            value = values[key]
            if key in ("remind_before", "escalate_after"):
                out[key] = format_span(int(value)) if value else 0  # 0, not the string '0'
            else:
                out[key] = str(value)
        channels[setting.channel_id] = out
    return yaml.safe_dump({"team": team_id, "channels": channels}, sort_keys=False)


@dataclass
class LoadResult:
    team_id: str | None = None
    problems: list[str] = field(default_factory=list)  # "line N: what is wrong"
    channels: dict[str, dict[str, str | int]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def parse_settings_file(text: str) -> LoadResult:
    """Read and check a settings file without touching the database."""
    result = LoadResult()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "the file"
        problem = getattr(error, "problem", None) or "not valid YAML"
        result.problems.append(f"{where}: {problem}")
        return result
    if not isinstance(root, yaml.MappingNode):
        result.problems.append("line 1: expected `team:` and `channels:` at the top of the file")
        return result
    channels_node: yaml.Node | None = None
    for key_node, value_node in root.value:
        key = key_node.value
        if key == "team":
            if not isinstance(value_node, yaml.ScalarNode) or not re.match(
                r"^[TE][A-Z0-9]{2,31}$", str(value_node.value)
            ):
                result.problems.append(
                    f"line {_line(value_node)}: `team` must be a team id like T0123ABC"
                )
            else:
                result.team_id = str(value_node.value)
        elif key == "channels":
            channels_node = value_node
        else:
            result.problems.append(
                f"line {_line(key_node)}: unknown key `{key}` (expected `team` and `channels`)"
            )
    if channels_node is None:
        result.problems.append("line 1: no `channels:` section")
        return result
    if isinstance(channels_node, yaml.ScalarNode) and channels_node.value in ("", "~", "null"):
        return result  # `channels:` with nothing under it: no channel settings
    if not isinstance(channels_node, yaml.MappingNode):
        result.problems.append(
            f"line {_line(channels_node)}: `channels` must map channel ids to their settings"
        )
        return result
    for channel_node, keys_node in channels_node.value:
        channel = str(channel_node.value)
        line = _line(channel_node)
        if not isinstance(channel_node, yaml.ScalarNode) or not is_channel_id(channel):
            result.problems.append(
                f"line {line}: `{channel[:60]}` isn't a channel id (C… or G…; channels are "
                "checked by the shape of their id, not with Slack)"
            )
            continue
        if channel in result.channels:
            result.problems.append(f"line {line}: channel {channel} is listed twice")
            continue
        values: dict[str, str | int] = {}
        result.channels[channel] = values
        if isinstance(keys_node, yaml.ScalarNode) and keys_node.value in ("", "~", "null"):
            continue
        if not isinstance(keys_node, yaml.MappingNode):
            result.problems.append(
                f"line {_line(keys_node)}: settings of {channel} must be `key: value` lines"
            )
            continue
        for setting_key, setting_value in keys_node.value:
            where = f"line {_line(setting_key)}"
            name = str(setting_key.value)
            if name not in KEYS:
                result.problems.append(
                    f"{where}: unknown setting `{name[:40]}` for {channel} "
                    f"(settings: {', '.join(KEYS)})"
                )
                continue
            if name in values:
                result.problems.append(f"{where}: `{name}` is set twice for {channel}")
                continue
            if not isinstance(setting_value, yaml.ScalarNode):
                result.problems.append(f"{where}: `{name}` needs a single value")
                continue
            try:
                values[name] = parse_value(name, setting_value.value)
            except InvalidInput as error:
                result.problems.append(f"{where}: {channel} {name}: {_plain(str(error))}")
    return result


def _line_number(problem: str) -> int:
    match = re.match(r"line (\d+):", problem)
    return int(match.group(1)) if match else 0


def _plain(text: str) -> str:
    """Slack mrkdwn of a user-facing message, for a terminal."""
    return unescape(text.replace("`", ""))


def load_settings(
    session: Session,
    text: str,
    *,
    team_id: str | None,
    actor_id: str,
    now: datetime,
    prune: bool = False,
) -> LoadResult:
    """Check a settings file and, only if every line is right, apply all of it.

    The caller owns the transaction: nothing is written when `result.problems` is not empty.
    `team_id` (e.g. from `--team` or auth.test) must match the file's `team:` when both are set.
    """
    result = parse_settings_file(text)
    if team_id and result.team_id and team_id != result.team_id:
        result.problems.append(
            f"line 1: the file is for team {result.team_id}, but this is team {team_id}"
        )
    result.team_id = result.team_id or team_id
    if result.team_id is None and not result.problems:
        result.problems.append("line 1: no `team:` in the file and no team given")
    if result.problems:
        result.problems.sort(key=_line_number)
        return result
    team = result.team_id
    assert team is not None
    for channel, values in result.channels.items():
        setting = get_setting(session, team, channel)
        if not values:  # listed with no keys: back to the defaults
            if setting is not None:
                session.delete(setting)
            continue
        if setting is None:
            setting = ChannelSetting(team_id=team, channel_id=channel)
            session.add(setting)
        for key, column in _COLUMN.items():
            setattr(setting, column, values.get(key))
        setting.updated_by = actor_id
        setting.updated_at = now
    if prune:
        for setting in team_settings(session, team):
            if setting.channel_id not in result.channels:
                result.removed.append(setting.channel_id)
                session.delete(setting)
    session.flush()
    return result
