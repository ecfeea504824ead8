"""A channel's settings as the Block Kit builders see them: a small frozen value read from the
row by its caller (the `/promise channel list` command, the Home tab's data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store.models import ChannelSetting


@dataclass(frozen=True, slots=True)
class ChannelView:
    """What a channel overrides (None: the workspace default)."""

    channel_id: str
    escalation_channel_id: str | None = None
    counterpart_kind: str | None = None
    remind_before_seconds: int | None = None
    escalate_after_seconds: int | None = None

    @classmethod
    def of(cls, setting: ChannelSetting) -> ChannelView:
        """The view of a loaded row."""
        return cls(
            channel_id=setting.channel_id,
            escalation_channel_id=setting.escalation_channel_id,
            counterpart_kind=setting.counterpart_kind,
            remind_before_seconds=setting.remind_before_seconds,
            escalate_after_seconds=setting.escalate_after_seconds,
        )


def channel_views(settings: Iterable[ChannelSetting]) -> list[ChannelView]:
    """The views of loaded rows, in order."""
    return [ChannelView.of(s) for s in settings]
