"""What `/promise ...` does: the command read by the grammar (bot.language.commands), then one
handler per intent, picked from a table by the intent's type; a reply (and any DMs or form to
open) out.

Slack-free: the handler passes plain values and carries out the returned Reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from bot.language import commands as grammar
from bot.language.cadence import find_cadence
from bot.language.commands import MAX_REPORT_DAYS, ChannelAt, ListScope, Problem, ReportScope
from bot.language.deadlines import DeadlineProblem, ParsedDeadline, parse_deadline
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.noticing.service import with_watching
from bot.people.profiles import FetchUser, check_recipient, find_person, get_person, set_supervisor
from bot.promises import cadence_flows, flows
from bot.promises.flows import Acting, Source
from bot.promises.service import (
    InvalidInput,
    NotAllowed,
    can_view_owner,
    count_open,
    not_found,
    open_promises,
    reports_of,
    supervisor_of,
)
from bot.promises.steps import Timing
from bot.promises.views import views_of
from bot.reply import Reply
from bot.reports.chart import EVERYONE, TEAM, send_chart
from bot.reports.service import build_report
from bot.slack import messages as blocks
from bot.slack.messages.charts import with_chart_note
from bot.slack.text import NameOf, from_slack, mrkdwn
from bot.store.models import Status


@dataclass(frozen=True)
class CommandInput:
    team_id: str
    user_id: str
    channel_id: str | None
    text: str
    request_key: str | None  # the request's idempotency key (bot.once.command_key)
    source: Source | None = None  # a promise noticed in a message: its link (SPEC §2.5)


@dataclass(frozen=True)
class Context:
    """One command's world, inside its transaction: everything a handler reads."""

    session: Session
    command: CommandInput
    who: Acting  # the person typing, from their cached profile
    fetch: FetchUser | None  # what Slack said about the people the command names
    timing: Timing  # the workspace default; a channel's own settings override it
    working_day: WorkingDay  # the workspace's working days and holidays (KEPT_HOLIDAYS)

    @property
    def team_id(self) -> str:
        return self.command.team_id

    @property
    def now(self) -> datetime:
        return self.who.now

    def plain(self, text: str) -> str:
        """Slack's text as plain text, people named from Kept's profile cache."""
        return from_slack(text, name_of=_names(self.session, self.team_id))

    def deadline_in(self, text: str) -> ParsedDeadline:
        """The deadline in `text`, read with the typist's zone, locale and working days."""
        return parse_deadline(
            text,
            now=self.now,
            tz=self.who.tz,
            working_day=self.working_day,
            locale=self.who.locale,
        )


def _names(session: Session, team_id: str) -> NameOf:
    def name(user_id: str) -> str | None:
        person = find_person(session, team_id, user_id)
        return person.name if person is not None else None

    return name


def run_promise_command(
    session: Session,
    command: CommandInput,
    who: Acting,
    *,
    fetch: FetchUser | None,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """Run one `/promise` command inside the caller's transaction. `who` is the person
    typing; `fetch` answers for the people the command names (asked before the transaction)."""
    context = Context(session, command, who, fetch, timing, working_day)
    intent = grammar.parse_command(command.text)
    handler: Callable[[Context, Any], Reply] = HANDLERS[type(intent)]
    return handler(context, intent)


def confirm_promise(
    session: Session,
    command: CommandInput,
    who: Acting,
    deadline: datetime,
    *,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """The owner confirmed a deadline more than a year away: record the promise as typed
    (Kept's own button carries the text back, already plain)."""
    context = Context(session, command, who, None, timing, working_day)
    text = command.text.strip()
    return _record(context, text, context.deadline_in(text), confirmed=deadline)


# ------------------------------------------------------------------------ the handlers


def _unclear(_context: Context, intent: grammar.Unclear) -> Reply:
    raise InvalidInput(unclear_message(intent))


def unclear_message(intent: grammar.Unclear) -> str:
    """The answer to a sub-command that can't run as typed: what's missing, and the usage."""
    usage = intent.usage
    match intent.problem:
        case Problem.BAD_ID:
            return (
                f"`{mrkdwn(intent.word, 40)}` isn't a promise id. Usage: `{usage}` — "
                "`/promise list` shows the ids."
            )
        case Problem.NO_ID:
            return f"Which promise? Usage: `{usage}` — `/promise list` shows the ids."
        case Problem.NO_WHEN:
            return (
                f"Until when? Usage: `{usage}`, e.g. "
                f"`/promise extend {intent.promise_id} Friday 5pm waiting for legal`."
            )
        case Problem.NO_NEW_OWNER:
            return f"To whom? Usage: `{usage}` — pick the person with @."
        case Problem.NO_REP:
            return (
                "Usage: `/promise supervisor @rep` shows who they report to; "
                "`/promise supervisor @rep @lead` sets it (admins)."
            )
        case Problem.LIST_SCOPE:
            return "Usage: `/promise list`, `/promise list @user` or `/promise list team`."
        case Problem.AWAY_UNTIL:
            return (
                "Until when? Usage: `/promise away <until> [@cover]`, e.g. "
                "`/promise away Dec 18 @sam`."
            )
        case Problem.REPORT_DAYS:
            return f"Pick a number of days from 1 to {MAX_REPORT_DAYS}."


def _open_form(context: Context, _intent: grammar.OpenForm) -> Reply:
    return Reply(open_view=blocks.promise_form(owner_id=context.command.user_id))


def _too_long(context: Context, intent: grammar.TooLong) -> Reply:
    return flows.too_long(context.who, intent.text, context.command.channel_id)


def _help(_context: Context, _intent: grammar.Help) -> Reply:
    return Reply(blocks.help_message())


def _watch_elsewhere(_context: Context, _intent: grammar.WatchElsewhere) -> Reply:
    # a DM to Kept ("/promise watch" in a channel never gets here)
    return Reply(
        blocks.text_message("Kept watches channels: type `/promise watch` in the channel itself.")
    )


def _new_promise(context: Context, intent: grammar.NewPromise) -> Reply:
    text = context.plain(intent.text)
    cadence = find_cadence(
        text, now=context.now, tz=context.who.tz, working_day=context.working_day
    )
    if cadence is not None:
        return cadence_flows.record(
            context.session,
            context.who,
            text=text,
            cadence=cadence,
            channel_id=context.command.channel_id,
            default_timing=context.timing,
            request_key=context.command.request_key,
            working_day=context.working_day,
            source=context.command.source,
        )
    return _record(context, text, context.deadline_in(text))


def _record(
    context: Context, text: str, parsed: ParsedDeadline, *, confirmed: datetime | None = None
) -> Reply:
    return flows.record(
        context.session,
        context.who,
        text=text,
        parsed=parsed,
        confirmed=confirmed,
        channel_id=context.command.channel_id,
        default_timing=context.timing,
        request_key=context.command.request_key,
        source=context.command.source,
    )


def _hidden_from_strangers(
    handler: Callable[[Context, Any], Reply],
) -> Callable[[Context, Any], Reply]:
    """A stranger typing an id learns no more than from an id that doesn't exist."""

    def guarded(context: Context, intent: Any) -> Reply:
        try:
            return handler(context, intent)
        except NotAllowed:
            raise not_found(intent.promise_id) from None

    return guarded


_STATUS = {
    grammar.Outcome.KEPT: Status.KEPT,
    grammar.Outcome.BROKEN: Status.BROKEN,
    grammar.Outcome.CANCELLED: Status.CANCELLED,
}


def _close(context: Context, intent: grammar.Close) -> Reply:
    return flows.close(
        context.session,
        context.who,
        promise_id=intent.promise_id,
        outcome=_STATUS[intent.outcome],
        note=context.plain(intent.note),
    )


def _extend(context: Context, intent: grammar.Extend) -> Reply:
    when = context.plain(intent.when)
    promise_id = intent.promise_id
    parsed = context.deadline_in(when)
    if parsed.problem is DeadlineProblem.PAST:
        raise InvalidInput("That new deadline is already in the past. Pick a moment ahead.")
    if parsed.problem is not None and parsed.detail:
        raise InvalidInput(
            f"I can't use that new deadline: {mrkdwn(parsed.detail, 300)}. Try e.g. "
            f"`/promise extend {promise_id} next Tuesday 3pm`."
        )
    if parsed.deadline is None:
        raise InvalidInput(
            f"I couldn't find a new deadline in “{mrkdwn(when, 200)}”. Try e.g. "
            f"`/promise extend {promise_id} next Tuesday 3pm`."
        )
    return flows.extend(
        context.session,
        context.who,
        promise_id=promise_id,
        new_deadline=parsed.deadline,
        note=parsed.description or None,
        default_timing=context.timing,
    )


def _hand_off(context: Context, intent: grammar.HandOff) -> Reply:
    new_owner = intent.new_owner_id
    problem = check_recipient(
        context.session, context.team_id, new_owner, fetch=context.fetch, now=context.now
    )
    if problem is not None:
        raise InvalidInput(f"{problem} Nothing was handed off.")
    person = get_person(
        context.session, context.team_id, new_owner, fetch=context.fetch, now=context.now
    )
    if person is None:
        raise InvalidInput(f"I can't find an active Slack user <@{new_owner}> to hand it to.")
    return flows.hand_off(
        context.session, context.who, promise_id=intent.promise_id, new_owner_id=new_owner
    )


def _updated(context: Context, intent: grammar.Updated) -> Reply:
    """`/promise updated <id> [note]`: an update for the current check-in."""
    return cadence_flows.updated_reply(
        context.session,
        context.who,
        promise_id=intent.promise_id,
        note=context.plain(intent.note),
        default_timing=context.timing,
        working_day=context.working_day,
    )


def _list(context: Context, intent: grammar.ListPromises) -> Reply:
    actor, team_id = context.who.actor, context.team_id
    owners: list[str] | None
    match intent.scope:
        case ListScope.MINE:
            owners, title = [actor.user_id], "Your promises"
        case ListScope.EVERYONE:
            if not actor.is_admin:
                raise NotAllowed(
                    "Only admins can list everyone's promises; `/promise list team` "
                    "shows your team's."
                )
            owners, title = None, "Everyone's open promises"
        case ListScope.TEAM:
            owners = reports_of(context.session, team_id, actor.user_id)
            if not owners:
                return Reply(
                    blocks.text_message(
                        "Nobody reports to you in Kept yet, so there's no team to list. An admin "
                        "can set it with `/promise supervisor @rep @you`."
                    )
                )
            title = "Your team's promises"
        case ListScope.PERSON:
            owner = intent.owner or ""
            if not can_view_owner(context.session, team_id, owner, actor):
                raise NotAllowed(
                    f"Only <@{owner}>, their supervisor or an admin can see their promises."
                )
            owners, title = [owner], f"<@{owner}>'s promises"
    total, overdue = count_open(context.session, team_id, owners, context.now)
    pages = max(1, -(-total // blocks.LIST_PAGE_SIZE))
    page = min(intent.page, pages)
    promises = open_promises(
        context.session,
        team_id,
        owners,
        context.now,
        limit=blocks.LIST_PAGE_SIZE,
        offset=(page - 1) * blocks.LIST_PAGE_SIZE,
    )
    return Reply(
        blocks.promise_list(
            title,
            views_of(promises),
            context.who.tz,
            context.now,
            total=total,
            overdue=overdue,
            page=page,
            scope=intent.scope_word,
        )
    )


def _show_supervisor(context: Context, intent: grammar.ShowSupervisor) -> Reply:
    lead = supervisor_of(context.session, context.team_id, intent.rep_id)
    return Reply(blocks.supervisor_shown(intent.rep_id, lead))


def _set_supervisor(context: Context, intent: grammar.SetSupervisor) -> Reply:
    if not context.who.actor.is_admin:
        raise NotAllowed("Only workspace admins (or people in KEPT_ADMINS) can set supervisors.")
    rep, lead = intent.rep_id, intent.lead_id
    if lead is None:
        raise InvalidInput(
            f"Pick the supervisor with @, e.g. `/promise supervisor <@{rep}> @lead`."
        )
    for person in (rep, lead):
        problem = check_recipient(
            context.session, context.team_id, person, fetch=context.fetch, now=context.now
        )
        if problem is not None:
            raise InvalidInput(f"{problem} The supervisor wasn't changed.")
    set_supervisor(context.session, context.team_id, rep, lead)
    return Reply(blocks.supervisor_set(rep, lead))


def _away(context: Context, intent: grammar.Away) -> Reply:
    """`/promise away [@rep] <until> [@cover]`."""
    parsed = context.deadline_in(f"until {intent.until_text}")
    if parsed.problem is DeadlineProblem.PAST:
        raise InvalidInput("That's already in the past. Until when?")
    until = parsed.deadline
    if parsed.problem is not None or len(parsed.description.strip()) > 2:
        until = None  # not a plain date: asked again, never guessed
    return cadence_flows.away(
        context.session,
        context.who,
        user_id=intent.user_id,
        until_text=context.plain(intent.until_text),
        until=until,
        cover_id=intent.cover_id,
        fetch=context.fetch,
    )


def _back(context: Context, intent: grammar.Back) -> Reply:
    return cadence_flows.back(context.session, context.who, user_id=intent.user_id)


# ---------------------------------------------------- `/promise channel ...` (admins)


def _channel_allowed(context: Context, at: ChannelAt) -> None:
    """Channel settings are for admins; a `#word` that names no channel is asked about."""
    if not context.who.actor.is_admin:
        raise NotAllowed(
            "Only workspace admins (or people in KEPT_ADMINS) can see or change channel "
            "settings. Ask one of them if this channel needs different reminders."
        )
    if at.unreadable is not None:
        raise InvalidInput(
            f"I can't tell which channel `{mrkdwn(at.unreadable, 60)}` is. Pick it from the list "
            "Slack shows as you type `#`."
        )


def _channel_target(context: Context, at: ChannelAt) -> str:
    """The channel named, or the one the command was typed in; admins only."""
    _channel_allowed(context, at)
    target = at.channel_id or context.command.channel_id
    if not target or not grammar.is_channel_id(target):
        raise InvalidInput(
            "This conversation isn't a channel. Name one, e.g. `/promise channel #sales show`."
        )
    return target


def _channel_help(context: Context, intent: grammar.ChannelHelp) -> Reply:
    _channel_allowed(context, intent.at)
    return Reply(blocks.channel_help())


def _channel_list(context: Context, intent: grammar.ChannelList) -> Reply:
    """Every channel's settings, a page at a time."""
    _channel_allowed(context, intent.at)
    settings = channel_views(team_settings(context.session, context.team_id))
    return Reply(blocks.channel_settings_list(settings, intent.page))


def _channel_show(context: Context, intent: grammar.ChannelShow) -> Reply:
    target = _channel_target(context, intent.at)
    values = values_of(get_setting(context.session, context.team_id, target))
    shown = blocks.channel_settings_shown(target, values)
    return Reply(with_watching(context.session, context.team_id, target, shown))


def _channel_set(context: Context, intent: grammar.ChannelSet) -> Reply:
    target = _channel_target(context, intent.at)
    if not intent.key:
        raise InvalidInput(
            "Usage: `/promise channel set <key> <value>`, e.g. "
            "`/promise channel set remind_before 30m`. Keys: escalation, kind, "
            "remind_before, escalate_after."
        )
    key = key_name(intent.key)
    setting = set_value(
        context.session,
        context.team_id,
        target,
        key,
        parse_value(key, intent.value),
        actor_id=context.who.user_id,
        now=context.now,
    )
    return Reply(
        blocks.channel_settings_shown(
            target, values_of(setting), headline=f":white_check_mark: Saved for <#{target}>."
        )
    )


def _channel_clear(context: Context, intent: grammar.ChannelClear) -> Reply:
    target = _channel_target(context, intent.at)
    cleared = key_name(intent.key) if intent.key is not None else None
    remaining = clear_values(
        context.session,
        context.team_id,
        target,
        cleared,
        actor_id=context.who.user_id,
        now=context.now,
    )
    what = (
        f"`{cleared}` is back to the default" if cleared else "Every setting is back to the default"
    )
    return Reply(
        blocks.channel_settings_shown(
            target, values_of(remaining), headline=f":white_check_mark: {what} for <#{target}>."
        )
    )


# ------------------------------------------------------------------- `/promise report`


def _report(context: Context, intent: grammar.Report) -> Reply:
    """`/promise report [@user|team|everyone] [days]`: supervisors for their reports,
    admins for anyone; by default a supervisor's team, or everyone for an admin; 7 days."""
    actor, team_id, now = context.who.actor, context.team_id, context.now
    team = reports_of(context.session, team_id, actor.user_id)
    scope = intent.scope
    if scope is None:
        if actor.is_admin:
            scope = ReportScope.EVERYONE
        elif team:
            scope = ReportScope.TEAM
        else:
            raise NotAllowed(
                "Reports are for supervisors and admins, and nobody reports to you in Kept "
                "yet. `/promise report @you` shows your own record."
            )
    owners: list[str] | None
    match scope:
        case ReportScope.EVERYONE:
            if not actor.is_admin:
                raise NotAllowed(
                    "Only admins can see everyone's report. `/promise report team` shows yours."
                )
            owners, title, about = None, "Everyone", EVERYONE
        case ReportScope.TEAM:
            if not team:
                raise InvalidInput(
                    "Nobody reports to you in Kept yet, so there's no team to report on. An "
                    "admin can set it with `/promise supervisor @rep @you`."
                )
            owners, title, about = sorted(team), "Your team", TEAM
        case ReportScope.PERSON:
            owner = intent.owner
            if owner is None:
                raise InvalidInput(
                    "Usage: `/promise report [@user|team|everyone] [days]`, e.g. "
                    "`/promise report team 30`."
                )
            if not (actor.is_admin or owner == actor.user_id or owner in team):
                raise NotAllowed(f"Only <@{owner}>'s supervisor or an admin can see their report.")
            person = get_person(context.session, team_id, owner, fetch=context.fetch, now=now)
            owners, about = [owner], owner
            title = (
                "Your record"
                if owner == actor.user_id
                else (person.name if person is not None and person.name else owner)
            )
    report = build_report(
        context.session, team_id, since=now - timedelta(days=intent.days), until=now, owners=owners
    )
    coming = send_chart(context.session, team_id, actor.user_id, about, now)
    return Reply(
        with_chart_note(blocks.report_message(report, title, context.who.tz, now=now), coming)
    )


HANDLERS: dict[type, Callable[[Context, Any], Reply]] = {
    grammar.Unclear: _unclear,
    grammar.OpenForm: _open_form,
    grammar.TooLong: _too_long,
    grammar.Help: _help,
    grammar.WatchElsewhere: _watch_elsewhere,
    grammar.NewPromise: _new_promise,
    grammar.ListPromises: _list,
    grammar.Close: _hidden_from_strangers(_close),
    grammar.Extend: _hidden_from_strangers(_extend),
    grammar.HandOff: _hidden_from_strangers(_hand_off),
    grammar.Updated: _hidden_from_strangers(_updated),
    grammar.ShowSupervisor: _show_supervisor,
    grammar.SetSupervisor: _set_supervisor,
    grammar.Away: _away,
    grammar.Back: _back,
    grammar.ChannelHelp: _channel_help,
    grammar.ChannelList: _channel_list,
    grammar.ChannelShow: _channel_show,
    grammar.ChannelSet: _channel_set,
    grammar.ChannelClear: _channel_clear,
    grammar.Report: _report,
}
