"""People: time zones and admin flags cached from Slack's users.info, and supervisors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import InvalidInput
from bot.people.acting import Actor
from bot.store.db import Sessions, core
from bot.store.models import Person

log = logging.getLogger("kept.people")

CACHE_FOR = timedelta(hours=12)

# A function that returns Slack's users.info `user` object, or None when Slack has no such user.
FetchUser = Callable[[str], dict[str, Any] | None]


class NotLookedUp(LookupError):
    """Slack was not asked about this person before the transaction (or could not answer)."""


class Looked:
    """What Slack said (users.info) about the people a request names, asked before its
    transaction opens; flows take it where a FetchUser is wanted, so nothing inside the
    transaction waits on Slack. A person not looked up raises NotLookedUp, and callers judge
    by Kept's cached profile, as when Slack is down."""

    def __init__(self, user_ids: Iterable[str] = ()) -> None:
        self.wanted = [u for u in dict.fromkeys(user_ids) if u]
        self.users: dict[str, dict[str, Any] | None] = {}

    def fill_one(self, user_id: str, fetch: FetchUser) -> None:
        try:
            self.users[user_id] = fetch(user_id)
        except Exception:  # noqa: BLE001 - Slack down: the cached profile decides
            log.warning("users.info for %s failed; judging by the cached profile", user_id)

    def __call__(self, user_id: str) -> dict[str, Any] | None:
        try:
            return self.users[user_id]
        except KeyError:
            raise NotLookedUp(user_id) from None


def _apply_profile(person: Person, user: dict[str, Any], now: datetime) -> None:
    profile = user.get("profile") or {}
    person.name = (
        user.get("real_name") or profile.get("real_name") or user.get("name") or person.name
    )
    person.email = profile.get("email") or person.email
    person.tz = user.get("tz") or person.tz or "UTC"
    locale = user.get("locale")
    if isinstance(locale, str) and locale.strip():
        person.locale = locale.strip()[:16]
    person.is_admin = bool(
        user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
    )
    person.is_deleted = bool(user.get("deleted"))
    person.fetched_at = now


SLACKBOT = "USLACKBOT"


def not_a_member(user: dict[str, Any], team_id: str | None) -> bool:
    """With an org-wide (Enterprise Grid) install, users.info answers about anyone in the
    org and says in `enterprise_user.teams` which workspaces they belong to: True when that
    list leaves out `team_id`."""
    enterprise = user.get("enterprise_user")
    if team_id is None or not isinstance(enterprise, dict):
        return False
    teams = enterprise.get("teams")
    return isinstance(teams, list) and team_id not in teams


def recipient_problem(
    user_id: str, user: dict[str, Any] | None, team_id: str | None = None
) -> str | None:
    """Why this user (Slack's users.info `user`, None when Slack has no such user) can't be
    given promises or reminders in workspace `team_id`: a bot, a deactivated or unknown user,
    or someone of another workspace of the org. None if they can."""
    if user is None:
        return f"I can't find an active Slack user <@{user_id}> in this workspace."
    if user.get("is_bot") or user.get("is_app_user") or user_id == SLACKBOT:
        return f"<@{user_id}> is a bot: bots can't receive reminders. Pick a person."
    if user.get("deleted"):
        return f"<@{user_id}> is deactivated in Slack. Pick someone active."
    if not_a_member(user, team_id):
        return (
            f"<@{user_id}> isn't a member of this workspace, so they can't see its "
            "promises. Pick someone from here."
        )
    return None


def check_recipient(
    session: Session, team_id: str, user_id: str, *, fetch: FetchUser | None, now: datetime
) -> str | None:
    """Say why the user can't receive Kept's messages, or None, by what `fetch` gives (a
    Looked: what Slack said before the transaction). Their cached profile is refreshed on
    the way. Not looked up or Slack unreachable: the cached profile decides (unknown to Kept:
    refused, to be safe)."""
    user: dict[str, Any] | None
    try:
        user = fetch(user_id) if fetch is not None else None
        fetched = fetch is not None
    except Exception:  # noqa: BLE001 - Slack down: judge by what Kept knows
        fetched = False
        user = None
    if fetched:
        if user is not None and not not_a_member(user, team_id):
            _apply_profile(ensure_person(session, team_id, user_id), user, now)
        return recipient_problem(user_id, user, team_id)
    person = find_person(session, team_id, user_id)
    if person is None or person.fetched_at is None:
        return f"I couldn't check <@{user_id}> with Slack just now. Please try again."
    if person.is_deleted:
        return recipient_problem(user_id, {"deleted": True})
    return None


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    return session.get(Person, (team_id, user_id))


_PROFILE = select(Person.__table__).where(
    Person.__table__.c.team_id == bindparam("team_id"),
    Person.__table__.c.user_id == bindparam("user_id"),
)


def profile_row(session: Session, team_id: str, user_id: str) -> Any:
    """The person's cached profile as a plain row (attributes as on Person), or None: one
    Core SELECT built once, for the hot path of a request."""
    return core(session).execute(_PROFILE, {"team_id": team_id, "user_id": user_id}).first()


def ensure_person(session: Session, team_id: str, user_id: str) -> Person:
    """The person row, created empty if Kept has never seen them."""
    person = find_person(session, team_id, user_id)
    if person is not None:
        return person
    try:
        with session.begin_nested():  # another thread or process may insert them first
            person = Person(team_id=team_id, user_id=user_id, is_admin=False, is_deleted=False)
            session.add(person)
            session.flush()
        return person
    except IntegrityError:
        existing = find_person(session, team_id, user_id)
        if existing is None:
            raise
        return existing


def get_person(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    fetch: FetchUser | None,
    now: datetime,
    refresh: bool = False,
) -> Person | None:
    """The person with a fresh-enough profile; None if Slack does not know them.

    The profile is fetched from Slack when missing or older than CACHE_FOR. If Slack cannot
    be reached, a stale profile is still used rather than failing the user's command.
    """
    person = find_person(session, team_id, user_id)
    fresh = (
        person is not None and person.fetched_at is not None and now - person.fetched_at < CACHE_FOR
    )
    if fresh and not refresh:
        return person
    if fetch is None:
        return person
    try:
        user = fetch(user_id)
    except Exception:  # noqa: BLE001 - Slack down: fall back to what we have
        return person
    if user is None:
        return person
    if person is None:
        person = ensure_person(session, team_id, user_id)
    _apply_profile(person, user, now)
    return person


def is_fresh(person: Any, now: datetime) -> bool:
    """A profile (a Person or a profile_row) fetched from Slack recently enough."""
    return (
        person is not None and person.fetched_at is not None and now - person.fetched_at < CACHE_FOR
    )


def warm_person(
    sessions: Sessions,
    team_id: str,
    user_id: str,
    *,
    fetch: FetchUser,
    now: datetime,
    readers: sessionmaker[Session] | None = None,
) -> datetime | None:
    """Refresh a stale profile with no transaction open while Slack answers, so a slow
    users.info never holds a database lock (SQLite has one writer at a time). Returns when
    the profile in the database was fetched, if it is fresh now."""
    if not user_id:
        return None
    with (readers or sessions)() as session:
        person = find_person(session, team_id, user_id)
        if person is not None and is_fresh(person, now):
            return person.fetched_at
    try:
        user = fetch(user_id)
    except Exception:  # noqa: BLE001 - Slack down: the command goes on with what we have
        return None
    if user is None:
        return None
    with sessions.begin() as session:
        _apply_profile(ensure_person(session, team_id, user_id), user, now)
    return now


def actor_for(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    fetch: FetchUser | None,
    admins: Iterable[str],
    now: datetime,
) -> tuple[Actor, str]:
    """(Actor, time zone) for someone acting in Slack."""
    person = get_person(session, team_id, user_id, fetch=fetch, now=now)
    return actor_from(person, user_id, admins)


def actor_from(person: Any, user_id: str, admins: Iterable[str]) -> tuple[Actor, str]:
    """(Actor, time zone) from the person's cached profile and the configured admins."""
    admin_list = set(admins)
    is_admin = (
        user_id in admin_list
        or (person is not None and person.email is not None and person.email in admin_list)
        or (person is not None and person.is_admin)
    )
    tz = person.tz if person is not None and person.tz else "UTC"
    return Actor(user_id=user_id, is_admin=is_admin), tz


def locale_of(session: Session, team_id: str, user_id: str) -> str | None:
    """The person's cached Slack locale (None when Slack never told us)."""
    person = find_person(session, team_id, user_id)
    return person.locale if person is not None else None


def set_supervisor(session: Session, team_id: str, rep_id: str, supervisor_id: str | None) -> None:
    """Set who `rep_id` reports to; refuses self-supervision and cycles."""
    if supervisor_id == rep_id:
        raise InvalidInput("Someone can't be their own supervisor.")
    if supervisor_id is not None:
        seen = {rep_id}
        current: str | None = supervisor_id
        while current is not None:
            if current in seen:
                raise InvalidInput(
                    f"<@{supervisor_id}> already reports to <@{rep_id}> (directly or through "
                    "others), so that would make a loop. Nothing changed."
                )
            seen.add(current)
            current = session.scalar(
                select(Person.supervisor_id).where(
                    Person.team_id == team_id, Person.user_id == current
                )
            )
        ensure_person(session, team_id, supervisor_id)
    person = ensure_person(session, team_id, rep_id)
    person.supervisor_id = supervisor_id
