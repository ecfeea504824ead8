"""SQLAlchemy models. Every row belongs to one Slack workspace (`team_id`)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.language.cadence import RhythmKind
from bot.promises.states import CheckInOutcome as CheckInOutcome
from bot.promises.states import Status as Status


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A StrEnum stored as its text value (VARCHAR), read back as the enum member. Plain
    strings are accepted on the way in, and checked: an unknown value fails loudly."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


# Status and CheckInOutcome are plain values (bot.promises.states), still importable from here


class Step(StrEnum):
    HEADS_UP = "heads_up"
    NUDGE = "nudge"
    ESCALATION = "escalation"
    # created when an escalation fans out to more than the supervisor
    ESCALATION_CHANNEL = "escalation_channel"
    ESCALATION_ADMIN = "escalation_admin"
    NOBODY_REACHED = "nobody_reached"
    # to the owner: a step could not reach its recipient (a bot, deactivated, deleted channel)
    # and went elsewhere (SPEC §3)
    UNDELIVERABLE = "undeliverable"
    # the weekly digest for a supervisor (no promise)
    DIGEST = "digest"
    # to the supervisor who took over a deactivated owner's promises (no promise)
    HANDOVER = "handover"
    # follow-ups a change causes, written in the change's own transaction (the outbox)
    RECORDED = "recorded"  # the owner of a promise saved from a form is told
    SAVED_FOR = "saved_for"  # whoever saved it for someone else is told it was saved
    NEW_OWNER = "new_owner"  # the new owner after a hand-off
    CLOSED_NOTICE = "closed_notice"  # the owner, when someone else closed their promise
    OWNER_REMINDER = "owner_reminder"  # the owner, when their supervisor presses Remind them
    REWRITE = "rewrite"  # earlier reminders of a promise rewritten with chat.update
    HOME = "home"  # a person's App Home tab republished
    # a cadence promise's check-in passed with no update: count it missed, plan the next
    # (sends nothing; each check-in's nudge and escalation are NUDGE and ESCALATION rows)
    NEXT_CHECK_IN = "next_check_in"
    # to someone whose away period ended: what happened meanwhile (no promise; away_id)
    RETURN_SUMMARY = "return_summary"
    # a chart of the kept rate, uploaded as a PNG to a reader's DM (no promise; about_id says
    # whose: bot.reports.chart)
    CHART = "chart"
    # Kept's answer to a DM (read like /promise): the reply kept with the request
    # (handled_requests, same team and key), posted in the DM, in its thread if it had one
    DM_ANSWER = "dm_answer"
    # posted in a channel when noticing promises there starts or stops (watch_change_id)
    WATCH_NOTICE = "watch_notice"
    # the owner's update posted in the shared channel's thread a promise was made in
    # (promise_event_id: the history entry holding the text)
    CHANNEL_UPDATE = "channel_update"


# steps that belong to a person rather than to one promise
PERSONAL_STEPS = frozenset(
    {Step.DIGEST, Step.HANDOVER, Step.HOME, Step.RETURN_SUMMARY, Step.CHART, Step.DM_ANSWER}
)
# follow-ups of a change: sent whatever the promise's state is now, and not in quiet hours
# (they answer something a person just did)
FOLLOW_UPS = frozenset(
    {
        Step.RECORDED,
        Step.SAVED_FOR,
        Step.NEW_OWNER,
        Step.CLOSED_NOTICE,
        Step.OWNER_REMINDER,
        Step.REWRITE,
        Step.HOME,
    }
)


class AwaySource(StrEnum):
    COMMAND = "command"  # /promise away
    SLACK_STATUS = "slack_status"  # an out-of-office Slack status


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"  # no longer needed (closed, extended) before it was sent
    FAILED = "failed"  # Slack refused it for good (e.g. the channel is gone); see last_error


class Person(Base):
    """A Slack user as Kept knows them: time zone and admin flag cached from users.info."""

    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str | None] = mapped_column(String(64))
    # Slack locale ("en-US", "en-GB"): how the person writes numeric dates like 4/11
    locale: Mapped[str | None] = mapped_column(String(16))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_deleted: Mapped[bool] = mapped_column(default=False)
    supervisor_id: Mapped[str | None] = mapped_column(String(32))
    fetched_at: Mapped[datetime | None]
    # when they last opened Kept's Home tab: only then is a published tab worth refreshing
    home_seen_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_people_supervisor", "team_id", "supervisor_id"),)


class Promise(Base):
    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    counterpart: Mapped[str | None] = mapped_column(String(255))
    counterpart_kind: Mapped[str | None] = mapped_column(String(16))
    deadline: Mapped[datetime]
    deadline_version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[Status] = mapped_column(EnumText(Status, 16), default=Status.OPEN)
    closure_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(32))
    source_channel_id: Mapped[str | None] = mapped_column(String(32))
    source_message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(Text)
    request_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # a cadence promise (SPEC §2.4): `deadline` is the current check-in, `deadline_version`
    # its number; the rhythm (bot.language.cadence.RhythmKind and its interval or weekday)
    rhythm_kind: Mapped[RhythmKind | None] = mapped_column(EnumText(RhythmKind, 16))
    rhythm_every: Mapped[int | None] = mapped_column(Integer)
    # the series ends with the last check-in before this; None (with or without an event such
    # as "the outage is fixed") is an open end, closed by hand
    series_ends_at: Mapped[datetime | None]
    series_end_event: Mapped[str | None] = mapped_column(String(255))

    events: Mapped[list[PromiseEvent]] = relationship(
        back_populates="promise", order_by="PromiseEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("team_id", "request_key", name="uq_promises_request_key"),
        Index("ix_promises_owner_open", "team_id", "owner_id", "status", "deadline"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def is_cadence(self) -> bool:
        return self.rhythm_kind is not None


class PromiseEvent(Base):
    """The history of a promise: who changed what, when."""

    __tablename__ = "promise_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    promise_id: Mapped[int] = mapped_column(ForeignKey("promises.id", ondelete="CASCADE"))
    team_id: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]

    promise: Mapped[Promise] = relationship(back_populates="events")

    __table_args__ = (Index("ix_promise_events_promise", "promise_id", "id"),)


class Delivery(Base):
    """One message Kept owes someone: claimed before sending, marked sent after Slack said ok."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255))
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id", ondelete="CASCADE"))
    step: Mapped[Step] = mapped_column(EnumText(Step, 32))
    deadline_version: Mapped[int] = mapped_column(Integer, default=1)
    recipient_id: Mapped[str | None] = mapped_column(String(32))
    # who caused the message (the supervisor who pressed Remind them, the closer, ...)
    actor_id: Mapped[str | None] = mapped_column(String(32))
    # the person the message is about when that is not the promise's owner (a deactivated
    # owner whose promises were handed over)
    about_id: Mapped[str | None] = mapped_column(String(32))
    # the away period a RETURN_SUMMARY is about
    away_id: Mapped[int | None] = mapped_column(Integer)
    # the change of a channel's watching a WATCH_NOTICE announces
    watch_change_id: Mapped[int | None] = mapped_column(Integer)
    # the history entry a CHANNEL_UPDATE posts
    promise_event_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime]
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumText(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # True when an earlier attempt may have reached Slack without us hearing back (a crash
    # mid-send, a timeout): the next attempt first looks for the message in the channel.
    uncertain: Mapped[bool] = mapped_column(default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("team_id", "key", name="uq_deliveries_key"),
        # only rows still to deliver, in due order: the scheduler's claim reads it in order
        Index(
            "ix_deliveries_due",
            "due_at",
            "id",
            postgresql_where=text("status IN ('pending', 'sending')"),
            sqlite_where=text("status IN ('pending', 'sending')"),
        ),
        Index("ix_deliveries_promise", "promise_id"),
    )


class ChannelSetting(Base):
    """Per-channel overrides set by admins (SPEC §5)."""

    __tablename__ = "channel_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    escalation_channel_id: Mapped[str | None] = mapped_column(String(32))
    counterpart_kind: Mapped[str | None] = mapped_column(String(16))
    remind_before_seconds: Mapped[int | None] = mapped_column(Integer)
    escalate_after_seconds: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime | None]


class WatchedChannel(Base):
    """A channel where Kept notices promises as they are made (SPEC §2.5). `watching` False:
    it was watched and was turned off (the row keeps who did it). A shared channel (Slack
    Connect) names the other organisation, read from Slack when watching started."""

    __tablename__ = "watched_channels"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    watching: Mapped[bool] = mapped_column(default=True)
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime]
    shared: Mapped[bool] = mapped_column(default=False)
    other_team_id: Mapped[str | None] = mapped_column(String(32))
    other_org: Mapped[str | None] = mapped_column(String(255))
    # "no date said": a noticed promise is due this many working days on (None: 2)
    answer_days: Mapped[int | None] = mapped_column(Integer)


class WatchChange(Base):
    """Watching a channel turned on or off: who, when (announced in the channel once)."""

    __tablename__ = "watch_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    watching: Mapped[bool]
    changed_by: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class SuggestionOutcome(StrEnum):
    SHOWN = "shown"
    TRACKED = "tracked"
    DISMISSED = "dismissed"  # Not a promise


class Suggestion(Base):
    """A suggestion shown to a message's author: at most one per message, a few per person per
    hour. Nothing of the message is kept: `fingerprint` is a one-way hash of the workspace,
    channel and message ts (to recognise the same message again), and rows are deleted after
    a day (SUGGESTION_MEMORY)."""

    __tablename__ = "suggestions"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    shown_at: Mapped[datetime]
    outcome: Mapped[SuggestionOutcome] = mapped_column(
        EnumText(SuggestionOutcome, 16), default=SuggestionOutcome.SHOWN
    )

    __table_args__ = (Index("ix_suggestions_user", "team_id", "user_id", "shown_at"),)


class SuggestionOptOut(Base):
    """Someone who turned suggestions off for themselves (`/promise watch me off`)."""

    __tablename__ = "suggestion_opt_outs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]


class AwayPeriod(Base):
    """Someone out (vacation, leave): reminders for their promises go to the cover meanwhile.

    Ends at `ends_at` (None: until they are back), or earlier at `ended_at` (/promise back,
    a cleared Slack status). No cover: their supervisor covers.
    """

    __tablename__ = "away_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    cover_id: Mapped[str | None] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(32))
    source: Mapped[AwaySource] = mapped_column(EnumText(AwaySource, 16), default=AwaySource.COMMAND)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_away_periods_user", "team_id", "user_id", "starts_at"),)


class WorkspaceState(StrEnum):
    ACTIVE = "active"
    # Slack uninstalled Kept or revoked its bot token: deliveries wait (kept, not dropped)
    # until Slack sends a request from the workspace again (Kept was installed again)
    PAUSED = "paused"


class Workspace(Base):
    """A Slack workspace as Kept knows it (no row: an active workspace, single-token mode):
    whether its deliveries are paused (Kept uninstalled there, or its bot token revoked), and
    in OAuth mode the Enterprise Grid org it belongs to (an org-wide install is stored under
    the org, so sending to a workspace needs the org)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[WorkspaceState] = mapped_column(
        EnumText(WorkspaceState, 16), default=WorkspaceState.ACTIVE
    )
    reason: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime | None]  # when the state last changed
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    seen_at: Mapped[datetime | None]  # last request from it in OAuth mode


class HandledRequest(Base):
    """A state-changing Slack request already carried out, by its idempotency key (trigger id;
    action id + action_ts + user; view id + hash), with the reply it got. A repeat of the
    request (Slack's retry, a double click, a replayed body) gets the same reply and changes
    nothing."""

    __tablename__ = "handled_requests"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    reply: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_handled_requests_created", "created_at"),)


# OAuth installations and install states: the tables slack_sdk's SQLAlchemy stores read and
# write (bot/ops/oauth.py), declared here by Kept so that the schema check knows them and the
# store needs nothing of Slack's SDK. Migration 0006 creates them; tests/test_oauth.py checks
# they are column for column what slack_sdk builds, so an SDK upgrade that changes them fails.


def _token_columns() -> list[Column[Any]]:
    """The columns of a bot install, common to both tables."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _bot_columns() -> list[Column[Any]]:
    return [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


SLACK_BOTS = Table(
    "slack_bots",
    Base.metadata,
    *_token_columns(),
    *_bot_columns(),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("installed_at", DateTime, nullable=False),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
SLACK_INSTALLATIONS = Table(
    "slack_installations",
    Base.metadata,
    *_token_columns(),
    Column("enterprise_url", String(200)),
    *_bot_columns(),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)
SLACK_OAUTH_STATES = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
