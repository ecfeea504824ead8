"""What `/promise ...` does: the command read by the grammar (bot.language.commands), then one
handler per intent, picked from a table by the intent's type; each hands the intent's values
to its domain's flow (promises, channels, people, reports) and returns its reply (and any DMs
or form to open).

Slack-free: the handler passes plain values and carries out the returned Reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.channels import flows as channels
from bot.language import commands as grammar
from bot.language.cadence import ParsedCadence, find_cadence
from bot.language.commands import MAX_REPORT_DAYS, Problem
from bot.language.deadlines import DeadlineProblem, ParsedDeadline
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.people import flows as people
from bot.people.acting import Acting
from bot.people.profiles import FetchUser, find_person
from bot.promises import cadence_flows, flows
from bot.promises.flows import Source
from bot.promises.service import (
    InvalidInput,
    NotAllowed,
    not_found,
)
from bot.promises.steps import Timing
from bot.reply import Reply
from bot.reports import flows as reports
from bot.slack import messages as blocks
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
    decided: Decided | None = None  # the command as read before the transaction, if it was

    @property
    def team_id(self) -> str:
        return self.command.team_id

    @property
    def now(self) -> datetime:
        return self.who.now

    @property
    def here(self) -> str | None:
        """The conversation the command was typed in (None: a DM to Kept)."""
        return self.command.channel_id

    def plain(self, text: str) -> str:
        """Slack's text as plain text, people named from Kept's profile cache."""
        return from_slack(text, name_of=_names(self.session, self.team_id))

    def deadline_in(self, text: str) -> ParsedDeadline:
        """The deadline in `text`, read with the typist's zone, locale and working days."""
        return flows.deadline_in(self.who, text, self.working_day)


def _names(session: Session, team_id: str) -> NameOf:
    def name(user_id: str) -> str | None:
        person = find_person(session, team_id, user_id)
        return person.name if person is not None else None

    return name


@dataclass(frozen=True)
class Decided:
    """A command read and decided before its transaction: its intent and, for a new promise,
    its plain text and its cadence or deadline (the reading is pure; names come from Kept's
    profile cache). The transaction is left with the writes (SPEC §4, issue 20)."""

    intent: grammar.Command
    text: str = ""
    cadence: ParsedCadence | None = None
    parsed: ParsedDeadline | None = None


def decide_command(
    session: Session,
    command: CommandInput,
    who: Acting,
    *,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Decided:
    """Read `/promise ...` before the transaction (`session` may be a reader's)."""
    intent = grammar.parse_command(command.text)
    if not isinstance(intent, grammar.NewPromise):
        return Decided(intent)
    return _read_new(session, command.team_id, who, working_day, intent)


def _read_new(
    session: Session,
    team_id: str,
    who: Acting,
    working_day: WorkingDay,
    intent: grammar.NewPromise,
) -> Decided:
    """A new promise's plain text, and its cadence or else its deadline."""
    text = from_slack(intent.text, name_of=_names(session, team_id))
    cadence = find_cadence(text, now=who.now, tz=who.tz, working_day=working_day)
    if cadence is not None:
        return Decided(intent, text, cadence=cadence)
    return Decided(intent, text, parsed=flows.deadline_in(who, text, working_day))


def run_promise_command(
    session: Session,
    command: CommandInput,
    who: Acting,
    *,
    fetch: FetchUser | None,
    timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    decided: Decided | None = None,
) -> Reply:
    """Run one `/promise` command inside the caller's transaction. `who` is the person
    typing; `fetch` answers for the people the command names (asked before the transaction);
    `decided`, the command as read before the transaction (else it is read here)."""
    context = Context(session, command, who, fetch, timing, working_day, decided)
    intent = decided.intent if decided is not None else grammar.parse_command(command.text)
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
    """A new promise (or a rhythm), as read before the transaction when it was."""
    decided = context.decided or _read_new(
        context.session, context.team_id, context.who, context.working_day, intent
    )
    if decided.cadence is not None:
        return cadence_flows.record(
            context.session,
            context.who,
            text=decided.text,
            cadence=decided.cadence,
            channel_id=context.command.channel_id,
            default_timing=context.timing,
            request_key=context.command.request_key,
            working_day=context.working_day,
            source=context.command.source,
        )
    assert decided.parsed is not None  # _read_new reads a deadline when there is no cadence
    return _record(context, decided.text, decided.parsed)


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
    return flows.hand_off_to(
        context.session,
        context.who,
        promise_id=intent.promise_id,
        new_owner_id=intent.new_owner_id,
        fetch=context.fetch,
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
    return flows.list_promises(
        context.session,
        context.who,
        scope=intent.scope,
        owner=intent.owner,
        page=intent.page,
        scope_word=intent.scope_word,
    )


def _show_supervisor(context: Context, intent: grammar.ShowSupervisor) -> Reply:
    return people.show_supervisor(context.session, context.who, rep_id=intent.rep_id)


def _set_supervisor(context: Context, intent: grammar.SetSupervisor) -> Reply:
    return people.supervisor(
        context.session,
        context.who,
        rep_id=intent.rep_id,
        lead_id=intent.lead_id,
        fetch=context.fetch,
    )


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


def _channel_help(context: Context, intent: grammar.ChannelHelp) -> Reply:
    return channels.usage(context.who, at=intent.at)


def _channel_list(context: Context, intent: grammar.ChannelList) -> Reply:
    return channels.listed(context.session, context.who, at=intent.at, page=intent.page)


def _channel_show(context: Context, intent: grammar.ChannelShow) -> Reply:
    return channels.show(context.session, context.who, at=intent.at, here=context.here)


def _channel_set(context: Context, intent: grammar.ChannelSet) -> Reply:
    return channels.set_key(
        context.session,
        context.who,
        at=intent.at,
        here=context.here,
        key=intent.key,
        value=intent.value,
    )


def _channel_clear(context: Context, intent: grammar.ChannelClear) -> Reply:
    return channels.clear(
        context.session, context.who, at=intent.at, here=context.here, key=intent.key
    )


# ------------------------------------------------------------------- `/promise report`


def _report(context: Context, intent: grammar.Report) -> Reply:
    return reports.report(
        context.session,
        context.who,
        days=intent.days,
        scope=intent.scope,
        owner=intent.owner,
        fetch=context.fetch,
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
