"""What `/promise ...` does: sub-commands in, a reply (and any DMs or form to open) out.

Slack-free: the handler passes plain values and carries out the returned Reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.channels.service import (
    channel_ref,
    clear_values,
    get_setting,
    is_channel_id,
    key_name,
    parse_value,
    set_value,
    team_settings,
    values_of,
)
from bot.language.cadence import find_cadence
from bot.language.deadlines import DeadlineProblem, ParsedDeadline, parse_deadline
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.noticing.service import with_watching
from bot.people.profiles import (
    FetchUser,
    check_recipient,
    find_person,
    get_person,
    locale_of,
    set_supervisor,
)
from bot.promises import cadence_flows, flows
from bot.promises.flows import Acting, Source, acting
from bot.promises.service import (
    Actor,
    InvalidInput,
    NotAllowed,
    can_view_owner,
    count_open,
    not_found,
    open_promises,
    parse_promise_id,
    reports_of,
    supervisor_of,
)
from bot.promises.steps import Timing
from bot.reply import Reply
from bot.reports.chart import EVERYONE, TEAM, send_chart
from bot.reports.service import build_report
from bot.slack import messages as blocks
from bot.slack.messages.charts import with_chart_note
from bot.slack.text import NameOf, from_slack, mrkdwn
from bot.store.models import Status

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
MAX_COMMAND_TEXT = 12000


def _page_of(rest: str) -> tuple[str, int]:
    """`team page 3` -> ("team", 3); no page: page 1."""
    words = rest.split()
    if len(words) >= 2 and words[-2].lower() == "page" and words[-1].isdigit():
        return " ".join(words[:-2]), max(1, int(words[-1]))
    return rest, 1


@dataclass(frozen=True)
class CommandInput:
    team_id: str
    user_id: str
    channel_id: str | None
    text: str
    request_key: str | None  # the request's idempotency key (bot.once.command_key)
    source: Source | None = None  # a promise noticed in a message: its link (SPEC §2.5)


def mention(word: str) -> str | None:
    """`<@U123|jane>` -> `U123`; anything else -> None."""
    match = _MENTION.match(word.strip())
    return match.group(1) if match else None


_ANY_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# the sub-commands that make someone a new owner, supervisor or cover (or report on someone):
# Slack is asked about the people they name before the transaction (profiles.Looked)
_NAMING = frozenset({"handoff", "hand-off", "supervisor", "away", "report"})


def named_people(text: str) -> list[str]:
    """The people a command would make an owner, supervisor or cover, or report on: Slack is
    asked about them before the command's transaction opens."""
    word, _, rest = text.strip().partition(" ")
    if word.lower() not in _NAMING:
        return []
    return list(dict.fromkeys(_ANY_MENTION.findall(rest)))


_DAYS = re.compile(r"^(\d{1,4})\s*(?:d|days?)?$", re.I)
CHANNEL_ACTIONS = ("show", "set", "clear", "help", "list")
REPORT_SCOPES = ("team", "everyone", "all")
MAX_REPORT_DAYS = 366


def _is_channel_command(rest: str) -> bool:
    """`/promise channel ...` is a sub-command, not a promise that starts with "channel"."""
    first = rest.split()[0] if rest.split() else ""
    return not first or first.lower() in CHANNEL_ACTIONS or first.startswith(("<#", "#"))


def _is_report_command(rest: str) -> bool:
    words = rest.split()
    if not words:
        return True
    if len(words) > 2:
        return False
    return all(
        w.lower() in REPORT_SCOPES or mention(w) is not None or _DAYS.match(w) for w in words
    )


def _is_away_command(rest: str) -> bool:
    """`/promise away Dec 18 @sam` is a sub-command: "away" followed by anything."""
    return bool(rest.strip())


def _need_id(word: str | None, usage: str) -> int:
    promise_id = parse_promise_id(word or "")
    if promise_id is None:
        if word:
            raise InvalidInput(
                f"`{mrkdwn(word, 40)}` isn't a promise id. Usage: `{usage}` — "
                "`/promise list` shows the ids."
            )
        raise InvalidInput(f"Which promise? Usage: `{usage}` — `/promise list` shows the ids.")
    return promise_id


class CommandRunner:
    """Runs one `/promise` command inside one database transaction."""

    def __init__(
        self,
        session: Session,
        *,
        fetch: FetchUser | None,
        admins: frozenset[str],
        now: datetime,
        timing: Timing,
        working_day: WorkingDay = DEFAULT_WORKING_DAY,
    ) -> None:
        """`timing` is the workspace default; a channel's own settings override it.
        `working_day` carries the workspace's holidays (KEPT_HOLIDAYS) for deadlines."""
        self.session = session
        self.fetch = fetch
        self.admins = admins
        self.now = now
        self.timing = timing
        self.working_day = working_day

    def _acting(self, command: CommandInput) -> Acting:
        return acting(
            self.session,
            command.team_id,
            command.user_id,
            fetch=self.fetch,
            admins=self.admins,
            now=self.now,
        )

    def run(self, command: CommandInput, who: Acting | None = None) -> Reply:
        """Run one command; `who` is the person acting when the caller has looked them up."""
        text = command.text.strip()
        self.who = who or self._acting(command)
        if len(text) > MAX_COMMAND_TEXT:
            return flows.too_long(self.who, text, command.channel_id)
        actor, tz = self.who.actor, self.who.tz
        word, _, rest = text.partition(" ")
        sub = word.lower()
        rest = rest.strip()
        if not text:
            return Reply(open_view=blocks.promise_form(owner_id=command.user_id))
        if sub == "help" and not rest:
            return Reply(blocks.help_message())
        if sub == "list":
            return self.list(command, actor, tz, rest)
        if sub in {"done", "kept", "broken", "cancel", "extend", "handoff", "hand-off"}:
            try:
                if sub == "extend":
                    return self.extend(command, actor, tz, rest)
                if sub in {"handoff", "hand-off"}:
                    return self.handoff(command, actor, tz, rest)
                return self.close(command, actor, tz, sub, rest)
            except NotAllowed:
                # a stranger typing an id learns no more than from an id that doesn't exist
                raise not_found(_need_id(rest.split()[0], sub)) from None
        if sub == "supervisor":
            return self.supervisor(command, actor, rest)
        if sub == "channel" and _is_channel_command(rest):
            return self.channel(command, actor, rest)
        if sub == "report" and _is_report_command(rest):
            return self.report(command, actor, tz, rest)
        if sub == "updated" and parse_promise_id(rest.split()[0] if rest else "") is not None:
            return self.updated(command, rest)
        if sub == "away" and _is_away_command(rest):
            return self.away(command, actor, tz, rest)
        if sub == "watch":  # a DM to Kept ("/promise watch" in a channel never gets here)
            return Reply(
                blocks.text_message(
                    "Kept watches channels: type `/promise watch` in the channel itself."
                )
            )
        if sub == "back" and (not rest or mention(rest.split()[0]) is not None):
            return cadence_flows.back(
                self.session, self.who, user_id=mention(rest.split()[0]) if rest else None
            )
        return self.record(command, actor, tz, text)

    def name_of(self, team_id: str) -> NameOf:
        """Names of people mentioned in a command, from Kept's profile cache."""

        def name(user_id: str) -> str | None:
            person = find_person(self.session, team_id, user_id)
            return person.name if person is not None else None

        return name

    def parse(self, team_id: str, user_id: str, tz: str, text: str) -> ParsedDeadline:
        """The deadline in `text`, read with the owner's zone, locale and working days."""
        locale = (
            self.who.locale
            if self.who.user_id == user_id
            else locale_of(self.session, team_id, user_id)
        )
        return parse_deadline(
            text, now=self.now, tz=tz, working_day=self.working_day, locale=locale
        )

    def confirm(self, command: CommandInput, deadline: datetime) -> Reply:
        """The owner confirmed a deadline more than a year away: record the promise."""
        self.who = self._acting(command)
        return self.record(
            command, self.who.actor, self.who.tz, command.text.strip(), confirmed=deadline
        )

    def record(
        self,
        command: CommandInput,
        actor: Actor,
        tz: str,
        text: str,
        *,
        confirmed: datetime | None = None,
    ) -> Reply:
        if confirmed is None:  # Slack's text; a confirmed one comes back from Kept's own button
            text = from_slack(text, name_of=self.name_of(command.team_id))
            cadence = find_cadence(text, now=self.now, tz=tz, working_day=self.working_day)
            if cadence is not None:
                return cadence_flows.record(
                    self.session,
                    self.who,
                    text=text,
                    cadence=cadence,
                    channel_id=command.channel_id,
                    default_timing=self.timing,
                    request_key=command.request_key,
                    working_day=self.working_day,
                    source=command.source,
                )
        return flows.record(
            self.session,
            self.who,
            text=text,
            parsed=self.parse(command.team_id, actor.user_id, tz, text),
            confirmed=confirmed,
            channel_id=command.channel_id,
            default_timing=self.timing,
            request_key=command.request_key,
            source=command.source,
        )

    def updated(self, command: CommandInput, rest: str) -> Reply:
        """`/promise updated <id> [note]`: an update for the current check-in."""
        word, _, note = rest.partition(" ")
        promise_id = _need_id(word, "/promise updated <id> [note]")
        try:
            return cadence_flows.updated_reply(
                self.session,
                self.who,
                promise_id=promise_id,
                note=from_slack(note, name_of=self.name_of(command.team_id)),
                default_timing=self.timing,
                working_day=self.working_day,
            )
        except NotAllowed:
            # a stranger typing an id learns no more than from an id that doesn't exist
            raise not_found(promise_id) from None

    def away(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        """`/promise away [@rep] <until> [@cover]`."""
        words = rest.split()
        user_id = mention(words[0]) if words else None
        if user_id is not None:
            words = words[1:]
        cover = mention(words[-1]) if words else None
        if cover is not None:
            words = words[:-1]
        when = " ".join(words)
        if not when:
            raise InvalidInput(
                "Until when? Usage: `/promise away <until> [@cover]`, e.g. "
                "`/promise away Dec 18 @sam`."
            )
        parsed = self.parse(command.team_id, actor.user_id, tz, f"until {when}")
        if parsed.problem is DeadlineProblem.PAST:
            raise InvalidInput("That's already in the past. Until when?")
        until = parsed.deadline
        if parsed.problem is not None or len(parsed.description.strip()) > 2:
            until = None  # not a plain date: asked again, never guessed
        return cadence_flows.away(
            self.session,
            self.who,
            user_id=user_id,
            until_text=from_slack(when, name_of=self.name_of(command.team_id)),
            until=until,
            cover_id=cover,
            fetch=self.fetch,
        )

    def list(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        owners: list[str] | None
        rest, page = _page_of(rest)
        if not rest:
            owners, title = [actor.user_id], "Your promises"
        elif rest.lower() in ("everyone", "all"):
            if not actor.is_admin:
                raise NotAllowed(
                    "Only admins can list everyone's promises; `/promise list team` "
                    "shows your team's."
                )
            owners, title = None, "Everyone's open promises"
        elif rest.lower() == "team":
            owners = reports_of(self.session, command.team_id, actor.user_id)
            if not owners:
                return Reply(
                    blocks.text_message(
                        "Nobody reports to you in Kept yet, so there's no team to list. An admin "
                        "can set it with `/promise supervisor @rep @you`."
                    )
                )
            title = "Your team's promises"
        else:
            owner = mention(rest.split()[0])
            if owner is None:
                raise InvalidInput(
                    "Usage: `/promise list`, `/promise list @user` or `/promise list team`."
                )
            if not can_view_owner(self.session, command.team_id, owner, actor):
                raise NotAllowed(
                    f"Only <@{owner}>, their supervisor or an admin can see their promises."
                )
            owners, title = [owner], f"<@{owner}>'s promises"
        total, overdue = count_open(self.session, command.team_id, owners, self.now)
        pages = max(1, -(-total // blocks.LIST_PAGE_SIZE))
        page = min(page, pages)
        promises = open_promises(
            self.session,
            command.team_id,
            owners,
            self.now,
            limit=blocks.LIST_PAGE_SIZE,
            offset=(page - 1) * blocks.LIST_PAGE_SIZE,
        )
        scope = rest.split()[0] if rest else ""
        return Reply(
            blocks.promise_list(
                title, promises, tz, self.now, total=total, overdue=overdue, page=page, scope=scope
            )
        )

    def close(self, command: CommandInput, actor: Actor, tz: str, sub: str, rest: str) -> Reply:
        outcome = {
            "done": Status.KEPT,
            "kept": Status.KEPT,
            "broken": Status.BROKEN,
            "cancel": Status.CANCELLED,
        }[sub]
        usage = {
            Status.KEPT: "/promise done <id> [note]",
            Status.BROKEN: "/promise broken <id> <reason>",
            Status.CANCELLED: "/promise cancel <id> [reason]",
        }[outcome]
        word, _, note = rest.partition(" ")
        note = from_slack(note, name_of=self.name_of(command.team_id))
        promise_id = _need_id(word, usage)
        return flows.close(
            self.session, self.who, promise_id=promise_id, outcome=outcome, note=note
        )

    def extend(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        usage = "/promise extend <id> <when> [note]"
        word, _, when = rest.partition(" ")
        when = from_slack(when, name_of=self.name_of(command.team_id))
        promise_id = _need_id(word, usage)
        if not when.strip():
            raise InvalidInput(
                f"Until when? Usage: `{usage}`, e.g. "
                f"`/promise extend {promise_id} Friday 5pm waiting for legal`."
            )
        parsed = self.parse(command.team_id, actor.user_id, tz, when)
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
            self.session,
            self.who,
            promise_id=promise_id,
            new_deadline=parsed.deadline,
            note=parsed.description or None,
            default_timing=self.timing,
        )

    def handoff(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        usage = "/promise handoff <id> @user"
        parts = rest.split()
        promise_id = _need_id(parts[0] if parts else None, usage)
        new_owner = mention(parts[1]) if len(parts) > 1 else None
        if new_owner is None:
            raise InvalidInput(f"To whom? Usage: `{usage}` — pick the person with @.")
        problem = check_recipient(
            self.session, command.team_id, new_owner, fetch=self.fetch, now=self.now
        )
        if problem is not None:
            raise InvalidInput(f"{problem} Nothing was handed off.")
        person = get_person(
            self.session, command.team_id, new_owner, fetch=self.fetch, now=self.now
        )
        if person is None:
            raise InvalidInput(f"I can't find an active Slack user <@{new_owner}> to hand it to.")
        return flows.hand_off(self.session, self.who, promise_id=promise_id, new_owner_id=new_owner)

    def supervisor(self, command: CommandInput, actor: Actor, rest: str) -> Reply:
        parts = rest.split()
        rep = mention(parts[0]) if parts else None
        if rep is None:
            raise InvalidInput(
                "Usage: `/promise supervisor @rep` shows who they report to; "
                "`/promise supervisor @rep @lead` sets it (admins)."
            )
        if len(parts) == 1:
            return Reply(
                blocks.supervisor_shown(rep, supervisor_of(self.session, command.team_id, rep))
            )
        if not actor.is_admin:
            raise NotAllowed(
                "Only workspace admins (or people in KEPT_ADMINS) can set supervisors."
            )
        lead = mention(parts[1])
        if lead is None:
            raise InvalidInput(
                f"Pick the supervisor with @, e.g. `/promise supervisor <@{rep}> @lead`."
            )
        for who in (rep, lead):
            problem = check_recipient(
                self.session, command.team_id, who, fetch=self.fetch, now=self.now
            )
            if problem is not None:
                raise InvalidInput(f"{problem} The supervisor wasn't changed.")
        set_supervisor(self.session, command.team_id, rep, lead)
        return Reply(blocks.supervisor_set(rep, lead))

    def channel(self, command: CommandInput, actor: Actor, rest: str) -> Reply:
        """`/promise channel [#channel] show | set <key> <value> | clear [key]` (admins)."""
        if not actor.is_admin:
            raise NotAllowed(
                "Only workspace admins (or people in KEPT_ADMINS) can see or change channel "
                "settings. Ask one of them if this channel needs different reminders."
            )
        words = rest.split()
        target = command.channel_id
        if words and channel_ref(words[0]) is not None:
            target = channel_ref(words[0])
            words = words[1:]
        elif words and words[0].startswith(("#", "<#")):
            raise InvalidInput(
                f"I can't tell which channel `{mrkdwn(words[0], 60)}` is. Pick it from the list "
                "Slack shows as you type `#`."
            )
        action = words[0].lower() if words else "show"
        if action == "help" or action not in CHANNEL_ACTIONS:
            return Reply(blocks.channel_help())
        if action == "list":  # every channel's settings, a page at a time
            _rest, page = _page_of(" ".join(words[1:]))
            settings = team_settings(self.session, command.team_id)
            return Reply(blocks.channel_settings_list(settings, page))
        if not target or not is_channel_id(target):
            raise InvalidInput(
                "This conversation isn't a channel. Name one, e.g. `/promise channel #sales show`."
            )
        if action == "show":
            values = values_of(get_setting(self.session, command.team_id, target))
            shown = blocks.channel_settings_shown(target, values)
            return Reply(with_watching(self.session, command.team_id, target, shown))
        if action == "set":
            if len(words) < 3:
                raise InvalidInput(
                    "Usage: `/promise channel set <key> <value>`, e.g. "
                    "`/promise channel set remind_before 30m`. Keys: escalation, kind, "
                    "remind_before, escalate_after."
                )
            key = key_name(words[1])
            value = parse_value(key, " ".join(words[2:]))
            setting = set_value(
                self.session,
                command.team_id,
                target,
                key,
                value,
                actor_id=actor.user_id,
                now=self.now,
            )
            return Reply(
                blocks.channel_settings_shown(
                    target,
                    values_of(setting),
                    headline=f":white_check_mark: Saved for <#{target}>.",
                )
            )
        cleared = key_name(words[1]) if len(words) > 1 else None
        remaining = clear_values(
            self.session, command.team_id, target, cleared, actor_id=actor.user_id, now=self.now
        )
        what = (
            f"`{cleared}` is back to the default"
            if cleared
            else "Every setting is back to the default"
        )
        return Reply(
            blocks.channel_settings_shown(
                target, values_of(remaining), headline=f":white_check_mark: {what} for <#{target}>."
            )
        )

    def report(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        """`/promise report [@user|team|everyone] [days]`: supervisors for their reports,
        admins for anyone; by default a supervisor's team, or everyone for an admin; 7 days."""
        days, scope = 7, None
        for word in rest.split():
            days_match = _DAYS.match(word)
            if days_match:
                days = int(days_match.group(1))
            else:
                scope = word
        if not 1 <= days <= MAX_REPORT_DAYS:
            raise InvalidInput(f"Pick a number of days from 1 to {MAX_REPORT_DAYS}.")
        team = reports_of(self.session, command.team_id, actor.user_id)
        if scope is None:
            if actor.is_admin:
                scope = "everyone"
            elif team:
                scope = "team"
            else:
                raise NotAllowed(
                    "Reports are for supervisors and admins, and nobody reports to you in Kept "
                    "yet. `/promise report @you` shows your own record."
                )
        owners: list[str] | None
        if scope.lower() in {"everyone", "all"}:
            if not actor.is_admin:
                raise NotAllowed(
                    "Only admins can see everyone's report. `/promise report team` shows yours."
                )
            owners, title = None, "Everyone"
        elif scope.lower() == "team":
            if not team:
                raise InvalidInput(
                    "Nobody reports to you in Kept yet, so there's no team to report on. An admin "
                    "can set it with `/promise supervisor @rep @you`."
                )
            owners, title = sorted(team), "Your team"
        else:
            owner = mention(scope)
            if owner is None:
                raise InvalidInput(
                    "Usage: `/promise report [@user|team|everyone] [days]`, e.g. "
                    "`/promise report team 30`."
                )
            if not (actor.is_admin or owner == actor.user_id or owner in team):
                raise NotAllowed(f"Only <@{owner}>'s supervisor or an admin can see their report.")
            person = get_person(
                self.session, command.team_id, owner, fetch=self.fetch, now=self.now
            )
            owners = [owner]
            title = (
                "Your record"
                if owner == actor.user_id
                else (person.name if person is not None and person.name else owner)
            )
        report = build_report(
            self.session,
            command.team_id,
            since=self.now - timedelta(days=days),
            until=self.now,
            owners=owners,
        )
        about = EVERYONE if owners is None else (TEAM if scope.lower() == "team" else owners[0])
        coming = send_chart(self.session, command.team_id, actor.user_id, about, self.now)
        return Reply(
            with_chart_note(blocks.report_message(report, title, tz, now=self.now), coming)
        )
