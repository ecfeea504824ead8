"""What `/promise ...` does: sub-commands in, a reply (and any DMs or form to open) out.

Slack-free: the handler passes plain values and carries out the returned Reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import blocks
from bot.counterparts import find_counterpart
from bot.deadlines import DeadlineProblem, parse_deadline
from bot.models import Status
from bot.people import FetchUser, actor_for, get_person, set_supervisor
from bot.promises import (
    Actor,
    InvalidInput,
    NotAllowed,
    can_view_owner,
    close_promise,
    create_promise,
    extend_promise,
    hand_off,
    open_promises,
    parse_promise_id,
    reports_of,
    supervisor_of,
)
from bot.steps import Timing

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
MAX_COMMAND_TEXT = 12000


@dataclass
class Reply:
    message: dict[str, Any] | None = None
    open_view: dict[str, Any] | None = None
    direct_messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changed: tuple[str, int] | None = None  # (team id, promise id) whose reminders to refresh
    home_for: tuple[str, list[str]] | None = None  # (team id, users whose App Home to refresh)


@dataclass(frozen=True)
class CommandInput:
    team_id: str
    user_id: str
    channel_id: str | None
    text: str
    request_key: str | None  # Slack's trigger_id: the same for a retried request


def mention(word: str) -> str | None:
    """`<@U123|jane>` -> `U123`; anything else -> None."""
    match = _MENTION.match(word.strip())
    return match.group(1) if match else None


def _need_id(word: str | None, usage: str) -> int:
    promise_id = parse_promise_id(word or "")
    if promise_id is None:
        if word:
            raise InvalidInput(
                f"`{word[:40]}` isn't a promise id. Usage: `{usage}` — "
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
    ) -> None:
        self.session = session
        self.fetch = fetch
        self.admins = admins
        self.now = now
        self.timing = timing

    def run(self, command: CommandInput) -> Reply:
        text = command.text.strip()
        if len(text) > MAX_COMMAND_TEXT:
            raise InvalidInput(
                f"That's {len(text):,} characters — too long for a promise. "
                "Keep the gist (up to 3,000 characters) and link the details."
            )
        actor, tz = actor_for(
            self.session,
            command.team_id,
            command.user_id,
            fetch=self.fetch,
            admins=self.admins,
            now=self.now,
        )
        word, _, rest = text.partition(" ")
        sub = word.lower()
        rest = rest.strip()
        if not text:
            return Reply(open_view=blocks.promise_form(owner_id=command.user_id))
        if sub == "help" and not rest:
            return Reply(blocks.help_message())
        if sub == "list":
            return self.list(command, actor, tz, rest)
        if sub in {"done", "kept", "broken", "cancel"}:
            return self.close(command, actor, tz, sub, rest)
        if sub == "extend":
            return self.extend(command, actor, tz, rest)
        if sub in {"handoff", "hand-off"}:
            return self.handoff(command, actor, tz, rest)
        if sub == "supervisor":
            return self.supervisor(command, actor, rest)
        if sub in {"channel", "report"} and (
            not rest or rest.split()[0].startswith(("<", "#")) or rest.split()[0].isdigit()
        ):
            return Reply(
                blocks.text_message(
                    f"`/promise {sub}` isn't available in this version of Kept yet. "
                    "`/promise help` lists what is."
                )
            )
        return self.record(command, actor, tz, text)

    def record(self, command: CommandInput, actor: Actor, tz: str, text: str) -> Reply:
        parsed = parse_deadline(text, now=self.now, tz=tz)
        if parsed.problem is not None or parsed.deadline is None:
            problem = parsed.problem.value if parsed.problem else DeadlineProblem.MISSING.value
            return Reply(blocks.deadline_problem(text, problem, parsed.deadline, tz))
        description = parsed.description or text
        counterpart = find_counterpart(description)
        promise, created = create_promise(
            self.session,
            team_id=command.team_id,
            owner_id=actor.user_id,
            created_by=actor.user_id,
            description=description,
            deadline=parsed.deadline,
            now=self.now,
            timing=self.timing,
            counterpart=counterpart.name,
            counterpart_kind=counterpart.kind.value if counterpart.kind else None,
            source_channel_id=command.channel_id,
            request_key=f"command:{command.request_key}" if command.request_key else None,
        )
        return Reply(blocks.promise_recorded(promise, tz, self.now, created=created),
                     home_for=(command.team_id, [promise.owner_id]))

    def list(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        if not rest:
            owners, title = [actor.user_id], "Your promises"
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
        promises = open_promises(self.session, command.team_id, owners, self.now)
        return Reply(blocks.promise_list(title, promises, tz, self.now))

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
        promise_id = _need_id(word, usage)
        promise = close_promise(
            self.session,
            team_id=command.team_id,
            promise_id=promise_id,
            actor=actor,
            outcome=outcome,
            note=note,
            now=self.now,
        )
        reply = Reply(blocks.promise_closed(promise, tz), changed=(promise.team_id, promise.id),
                      home_for=(promise.team_id, [promise.owner_id, actor.user_id]))
        if promise.owner_id != actor.user_id:
            reply.direct_messages.append((promise.owner_id, blocks.promise_closed(promise, tz)))
        return reply

    def extend(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        usage = "/promise extend <id> <when> [note]"
        word, _, when = rest.partition(" ")
        promise_id = _need_id(word, usage)
        if not when.strip():
            raise InvalidInput(
                f"Until when? Usage: `{usage}`, e.g. "
                f"`/promise extend {promise_id} Friday 5pm waiting for legal`."
            )
        parsed = parse_deadline(when, now=self.now, tz=tz)
        if parsed.deadline is None:
            raise InvalidInput(
                f"I couldn't find a new deadline in “{when[:200]}”. Try e.g. "
                f"`/promise extend {promise_id} next Tuesday 3pm`."
            )
        if parsed.problem is DeadlineProblem.PAST:
            raise InvalidInput("That new deadline is already in the past. Pick a moment ahead.")
        promise = extend_promise(
            self.session,
            team_id=command.team_id,
            promise_id=promise_id,
            actor=actor,
            new_deadline=parsed.deadline,
            note=parsed.description or None,
            now=self.now,
            timing=self.timing,
        )
        return Reply(blocks.promise_extended(promise, tz), changed=(promise.team_id, promise.id),
                     home_for=(promise.team_id, [promise.owner_id, actor.user_id]))

    def handoff(self, command: CommandInput, actor: Actor, tz: str, rest: str) -> Reply:
        usage = "/promise handoff <id> @user"
        parts = rest.split()
        promise_id = _need_id(parts[0] if parts else None, usage)
        new_owner = mention(parts[1]) if len(parts) > 1 else None
        if new_owner is None:
            raise InvalidInput(f"To whom? Usage: `{usage}` — pick the person with @.")
        person = get_person(
            self.session, command.team_id, new_owner, fetch=self.fetch, now=self.now
        )
        if person is None or person.is_deleted:
            raise InvalidInput(f"I can't find an active Slack user <@{new_owner}> to hand it to.")
        promise, previous = hand_off(
            self.session,
            team_id=command.team_id,
            promise_id=promise_id,
            actor=actor,
            new_owner_id=new_owner,
            now=self.now,
        )
        reply = Reply(
            blocks.promise_handed_off(promise, previous), changed=(promise.team_id, promise.id),
            home_for=(promise.team_id, [promise.owner_id, previous, actor.user_id]),
        )
        reply.direct_messages.append(
            (new_owner, blocks.handoff_notice(promise, actor.user_id, person.tz or "UTC", self.now))
        )
        return reply

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
        set_supervisor(self.session, command.team_id, rep, lead)
        return Reply(blocks.supervisor_set(rep, lead))
