"""The supervisor directory: importing `user,supervisor` files, listing, and what happens to
the open promises of someone Slack says is deactivated.

`import_rows`, `supervisor_pairs` and `reassign_deactivated` are plain functions of a session and
plain values; `import_supervisors`, `list_supervisors` and `sync_people` are the `kept
supervisors ...` commands, which also talk to Slack.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.csv_cells import SafeWriter
from bot.people.profiles import ensure_person, get_person, not_a_member, recipient_problem
from bot.runtime import Runtime
from bot.store.history import record_event
from bot.store.models import Person, Promise, Status, Step

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "kept"  # PromiseEvent.actor_id for changes Kept makes by itself

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UnknownUser(Exception):
    """A row names someone Slack does not know (the message says who and why)."""


# Resolves a Slack id or e-mail to (user id, users.info-like user object). Raises UnknownUser.
Resolve = Callable[[str], tuple[str, dict[str, Any]]]


@dataclass
class Row:
    line: int
    user: str
    supervisor: str


@dataclass
class ImportResult:
    applied: list[tuple[int, str, str | None]] = field(default_factory=list)  # line, rep, lead
    problems: list[tuple[int, str]] = field(default_factory=list)  # line, reason

    @property
    def ok(self) -> bool:
        return not self.problems


def read_rows(text: str) -> tuple[list[Row], list[tuple[int, str]]]:
    """The rows of a `user,supervisor` CSV (header required, other columns ignored)."""
    problems: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[Row] = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record) or record[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower().lstrip("\ufeff") for cell in record]
            if "user" not in header or "supervisor" not in header:
                problems.append((line, "the first line must be the header `user,supervisor`"))
                return [], problems
            continue
        user_at, lead_at = header.index("user"), header.index("supervisor")
        cells = record + [""] * (len(header) - len(record))
        rows.append(Row(line, cells[user_at].strip(), cells[lead_at].strip()))
    if header is None:
        problems.append((1, "the file is empty: expected the header `user,supervisor`"))
    return rows, problems


def _unmention(ref: str) -> str:
    """`<@U123|jane>` -> `U123`; anything else as it is."""
    mention = _MENTION.match(ref)
    return mention.group(1) if mention else ref


def _reaches(chain: dict[str, str | None], start: str | None, target: str) -> bool:
    """Does following supervisors from `start` lead to `target`?"""
    seen: set[str] = set()
    current = start
    while current is not None and current not in seen:
        if current == target:
            return True
        seen.add(current)
        current = chain.get(current)
    return False


def supervisor_map(session: Session, team_id: str) -> dict[str, str | None]:
    return dict(
        session.execute(
            select(Person.user_id, Person.supervisor_id).where(Person.team_id == team_id)
        ).all()
    )


def import_rows(
    session: Session,
    team_id: str,
    rows: list[Row],
    *,
    resolve: Resolve,
    now: datetime,
    partial: bool = False,
) -> ImportResult:
    """Check every row, then apply them: all of them when none has a problem, or (with
    `partial`) the good ones. Cycles are refused, including cycles the file itself makes.

    The caller commits or rolls back: when `result.problems` is non-empty and not `partial`,
    nothing was written. A blank supervisor removes the row's supervisor.
    """
    result = ImportResult()
    profiles: dict[str, dict[str, Any]] = {}
    wanted: dict[str, tuple[int, str | None]] = {}  # rep -> (line, lead)

    def who(ref: str, line: int, column: str) -> str | None:
        try:
            user_id, user = resolve(_unmention(ref))
        except UnknownUser as error:
            result.problems.append((line, f"{column}: {error}"))
            return None
        profiles[user_id] = user
        return user_id

    for row in rows:
        if not row.user:
            result.problems.append((row.line, "the `user` column is empty"))
            continue
        rep = who(row.user, row.line, "user")
        lead = who(row.supervisor, row.line, "supervisor") if row.supervisor else None
        if rep is None or (row.supervisor and lead is None):
            continue
        if lead is not None and profiles[lead].get("deleted"):
            result.problems.append(
                (row.line, f"supervisor: {row.supervisor} is deactivated in Slack")
            )
            continue
        if lead is not None and not_a_member(profiles[lead], team_id):
            result.problems.append(
                (row.line, f"supervisor: {row.supervisor} isn't a member of workspace {team_id}")
            )
            continue
        if lead is not None and recipient_problem(lead, profiles[lead]) is not None:
            result.problems.append(
                (row.line, f"supervisor: {row.supervisor} is a bot, not a person")
            )
            continue
        if lead == rep:
            result.problems.append((row.line, f"{row.user} can't be their own supervisor"))
            continue
        if rep in wanted:
            result.problems.append(
                (row.line, f"{row.user} already has a supervisor on line {wanted[rep][0]}")
            )
            continue
        wanted[rep] = (row.line, lead)

    # Cycles, judged on the directory as it would be after the import: a row whose new
    # supervisor leads back to its user is refused (every row of a loop made in the file).
    chain = supervisor_map(session, team_id)
    chain.update({rep: lead for rep, (_line, lead) in wanted.items()})
    looping = {rep for rep, (_line, lead) in wanted.items() if _reaches(chain, lead, rep)}
    for rep in sorted(looping, key=lambda r: wanted[r][0]):
        line, lead = wanted.pop(rep)
        result.problems.append(
            (
                line,
                f"{rep} -> {lead} would make a loop ({lead} already reports to {rep}, "
                "directly or through others)",
            )
        )
    if looping:
        # Without the refused rows, a rep keeps their current supervisor: check that again.
        chain = supervisor_map(session, team_id)
        chain.update({rep: lead for rep, (_line, lead) in wanted.items()})
        for rep, (line, lead) in sorted(wanted.items(), key=lambda item: item[1][0]):
            if _reaches(chain, lead, rep):
                wanted.pop(rep)
                chain[rep] = supervisor_map(session, team_id).get(rep)
                result.problems.append((line, f"{rep} -> {lead} would make a loop"))

    result.problems.sort()
    if result.problems and not partial:
        return result
    for rep, (line, lead) in sorted(wanted.items(), key=lambda item: item[1][0]):
        for user_id in (rep, lead):
            if user_id is not None:
                get_person(session, team_id, user_id, fetch=profiles.get, now=now, refresh=True)
        person = ensure_person(session, team_id, rep)
        person.supervisor_id = lead
        result.applied.append((line, rep, lead))
    session.flush()
    return result


def supervisor_pairs(session: Session, team_id: str) -> list[Person]:
    """Everyone with a supervisor, by supervisor then user."""
    return list(
        session.scalars(
            select(Person)
            .where(Person.team_id == team_id, Person.supervisor_id.is_not(None))
            .order_by(Person.supervisor_id, Person.user_id)
        )
    )


def active_supervisor(session: Session, team_id: str, user_id: str) -> str | None:
    """The first supervisor up the chain from `user_id` who is not deactivated."""
    seen = {user_id}
    current = session.scalar(
        select(Person.supervisor_id).where(Person.team_id == team_id, Person.user_id == user_id)
    )
    while current is not None and current not in seen:
        seen.add(current)
        person = session.get(Person, (team_id, current))
        if person is None or not person.is_deleted:
            return current
        current = person.supervisor_id
    return None


def reassign_deactivated(
    session: Session, team_id: str, user_id: str, now: datetime
) -> list[Promise]:
    """Hand the open promises of a deactivated user to their supervisor (the first active one
    up the chain). Each hand-off is in the promise's history, by `kept`. Returns the promises
    moved; none when nobody can take them (they stay where they are, still escalating)."""
    new_owner = active_supervisor(session, team_id, user_id)
    if new_owner is None:
        return []
    promises = list(
        session.scalars(
            select(Promise)
            .where(
                Promise.team_id == team_id,
                Promise.owner_id == user_id,
                Promise.status == Status.OPEN,
            )
            .order_by(Promise.deadline, Promise.id)
            .with_for_update()
        )
    )
    for promise in promises:
        promise.owner_id = new_owner
        promise.updated_at = now
        record_event(
            session,
            promise,
            SYSTEM_ACTOR,
            "handed_off",
            now,
            old_owner=user_id,
            new_owner=new_owner,
            reason="owner deactivated in Slack",
        )
    session.flush()
    return promises


def hand_off_row(team_id: str, gone: str, new_owner: str, now: datetime) -> dict[str, object]:
    """The outbox row of the DM telling `new_owner` they took over `gone`'s open promises."""
    key = f"handover:{gone}:{new_owner}:{now:%Y%m%dT%H%M%S}"
    return outbox.row(team_id, Step.HANDOVER, key, now, recipient_id=new_owner, about_id=gone)


# ---------------------------------------------------------------------------- CLI commands


def team_of(runtime: Runtime, team_id: str | None, err: TextIO) -> str | None:
    """The team id given, or the bot token's team from auth.test; None (and a line on `err`)
    when neither works."""
    if team_id:
        return team_id
    try:
        found = runtime.client.auth_test().get("team_id")  # single-token mode: its one team
    except SlackApiError as error:
        print(f"kept: auth.test failed ({error.response.get('error')}); pass --team", file=err)
        return None
    except Exception as error:  # noqa: BLE001 - unreachable Slack: say so, one line
        print(f"kept: could not reach Slack ({type(error).__name__}); pass --team", file=err)
        return None
    if not found:
        print("kept: auth.test did not say which team this is; pass --team", file=err)
        return None
    return str(found)


def slack_resolver(runtime: Runtime, team_id: str) -> Resolve:
    """Resolve Slack ids with users.info and e-mails with users.lookupByEmail (cached), with
    the workspace's own token."""
    cache: dict[str, tuple[str, dict[str, Any]] | UnknownUser] = {}
    fetch = runtime.fetcher(team_id)

    def look_up(ref: str) -> tuple[str, dict[str, Any]]:
        if _USER_ID.match(ref):
            user = fetch(ref)
            if user is None:
                raise UnknownUser(f"Slack has no user {ref}")
            return ref, user
        if _EMAIL.match(ref):
            try:
                client = runtime.client_for(team_id)
                response = client.users_lookupByEmail(email=ref)
            except SlackApiError as error:
                if error.response.get("error") == "users_not_found":
                    raise UnknownUser(
                        f"no active Slack user has the e-mail address {ref}"
                    ) from None
                raise
            user = response.get("user") or {}
            return str(user["id"]), user
        raise UnknownUser(f"`{ref[:60]}` is neither a Slack user id (U…) nor an e-mail address")

    def resolve(ref: str) -> tuple[str, dict[str, Any]]:
        key = ref.lower() if "@" in ref else ref
        if key not in cache:
            try:
                cache[key] = look_up(ref)
            except UnknownUser as error:
                cache[key] = error
        found = cache[key]
        if isinstance(found, UnknownUser):
            raise found
        return found

    return resolve


def import_supervisors(
    runtime: Runtime,
    path: str | Path,
    *,
    team_id: str | None = None,
    partial: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`kept supervisors import FILE`: 0 when every row was applied, 1 when some row has a
    problem (nothing applied, or only the good rows with `partial`), 2 when it could not run."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"kept: can't read {path}: {error}", file=err)
        return 2
    team = team_of(runtime, team_id, err)
    if team is None:
        return 2
    rows, problems = read_rows(text)
    name = Path(path).name
    # Ask Slack about everyone first, with no transaction open (SQLite: one writer at a time).
    resolve = slack_resolver(runtime, team)
    try:
        for row in rows:
            for ref in (row.user, row.supervisor):
                if ref:
                    with contextlib.suppress(UnknownUser):
                        resolve(_unmention(ref))
    except SlackApiError as error:
        print(
            f"kept: Slack refused a look-up ({error.response.get('error')}); nothing imported",
            file=err,
        )
        return 2
    except Exception as error:  # noqa: BLE001 - Slack unreachable: one clear line
        print(f"kept: could not reach Slack ({type(error).__name__}); nothing imported", file=err)
        return 2
    with runtime.sessions.begin() as session:
        result = import_rows(
            session, team, rows, resolve=resolve, now=runtime.now(), partial=partial
        )
        result.problems = sorted(problems + result.problems)
        if result.problems and not partial:
            session.rollback()
    for line, reason in result.problems:
        print(f"{name}:{line}: {reason}", file=err)
    if result.problems and not partial:
        good = len(rows) - len({line for line, _ in result.problems})
        print(
            f"kept: {len(result.problems)} problem(s) in {name}; nothing was imported. Fix them, "
            f"or use --partial to import the {max(good, 0)} good row(s).",
            file=out,
        )
        return 1
    print(
        f"kept: {len(result.applied)} supervisor(s) set for team {team}"
        + (f"; {len(result.problems)} row(s) refused" if result.problems else ""),
        file=out,
    )
    return 1 if result.problems else 0


def list_supervisors(
    runtime: Runtime,
    *,
    team_id: str | None = None,
    as_csv: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`kept supervisors list`: who reports to whom (CSV output imports back as it is)."""
    out = out or sys.stdout
    err = err or sys.stderr
    team = team_of(runtime, team_id, err)
    if team is None:
        return 2
    with runtime.readers() as session:
        people = supervisor_pairs(session, team)
        names = dict(
            session.execute(select(Person.user_id, Person.name).where(Person.team_id == team)).all()
        )
    if as_csv:
        writer = SafeWriter(out)
        writer.writerow(["user", "supervisor"])
        for person in people:
            writer.writerow([person.user_id, person.supervisor_id])
        return 0
    if not people:
        print(f"kept: no supervisors set for team {team} yet", file=out)
        return 0

    def label(user_id: str | None) -> str:
        name = names.get(user_id or "")
        return f"{user_id} ({name})" if name else str(user_id)

    width = max(len(label(p.user_id)) for p in people)
    for person in people:
        print(f"{label(person.user_id).ljust(width)}  ->  {label(person.supervisor_id)}", file=out)
    return 0


def sync_people(
    runtime: Runtime,
    *,
    team_id: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`kept supervisors sync`: re-read everyone Kept knows (and every owner of an open promise)
    with users.info; hand the open promises of deactivated people to their supervisor, who is
    told by DM."""
    out = out or sys.stdout
    err = err or sys.stderr
    team = team_of(runtime, team_id, err)
    if team is None:
        return 2
    with runtime.readers() as session:
        user_ids = set(session.scalars(select(Person.user_id).where(Person.team_id == team)))
        user_ids |= set(
            session.scalars(
                select(Promise.owner_id).where(
                    Promise.team_id == team, Promise.status == Status.OPEN
                )
            )
        )
    checked = failed = 0
    handed: list[str] = []  # lines to print
    stranded: list[str] = []
    fetch = runtime.fetcher(team)
    for user_id in sorted(user_ids):
        try:  # ask Slack with no transaction open (SQLite: one writer at a time)
            user = fetch(user_id)
        except Exception as error:  # noqa: BLE001 - count it, go on with the others
            log.warning("users.info %s failed: %s", user_id, error)
            user = None
        if user is None:
            failed += 1
            continue
        now = runtime.now()
        with runtime.sessions.begin() as session:
            person = get_person(
                session, team, user_id, fetch=lambda _uid, u=user: u, now=now, refresh=True
            )
            assert person is not None
            checked += 1
            if not person.is_deleted:
                continue
            promises = reassign_deactivated(session, team, user_id, now)
            if promises:
                new_owner = promises[0].owner_id
                # the new owner is told through the outbox, like every message a change causes
                outbox.write(session, [hand_off_row(team, user_id, new_owner, now)])
                handed.append(
                    f"kept: {user_id} is deactivated; {len(promises)} open promise(s) handed "
                    f"to {new_owner} (told by DM with the next scheduler pass)"
                )
            elif session.scalar(
                select(Promise.id)
                .where(
                    Promise.team_id == team,
                    Promise.owner_id == user_id,
                    Promise.status == Status.OPEN,
                )
                .limit(1)
            ):
                stranded.append(user_id)
    for line in handed:
        print(line, file=out)
    for user_id in stranded:
        print(
            f"kept: {user_id} is deactivated and has open promises, but no active supervisor "
            "to take them; set one with `/promise supervisor`",
            file=err,
        )
    print(
        f"kept: checked {checked} people with Slack"
        + (f"; {failed} could not be checked" if failed else ""),
        file=out,
    )
    return 1 if stranded else 0
