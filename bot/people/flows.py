"""One function per thing a person does about people: see or set who a rep reports to
(`/promise supervisor`), open Kept's Home tab (so it is kept fresh from then on). Each takes a
session (or the session factory, for a listener's own short transaction), who is acting and
plain values, and returns the reply.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.people.acting import Acting
from bot.people.profiles import FetchUser, check_recipient, ensure_person, set_supervisor
from bot.promises.service import InvalidInput, NotAllowed, supervisor_of
from bot.reply import Reply
from bot.slack import messages
from bot.store.db import Sessions


def show_supervisor(session: Session, who: Acting, *, rep_id: str) -> Reply:
    """`/promise supervisor @rep`: who they report to (anyone may ask)."""
    lead = supervisor_of(session, who.team_id, rep_id)
    return Reply(messages.supervisor_shown(rep_id, lead))


def supervisor(
    session: Session, who: Acting, *, rep_id: str, lead_id: str | None, fetch: FetchUser | None
) -> Reply:
    """`/promise supervisor @rep @lead` (admins): both must be people Kept can reach, as
    Slack said before the transaction (`fetch`)."""
    if not who.actor.is_admin:
        raise NotAllowed("Only workspace admins (or people in KEPT_ADMINS) can set supervisors.")
    if lead_id is None:
        raise InvalidInput(
            f"Pick the supervisor with @, e.g. `/promise supervisor <@{rep_id}> @lead`."
        )
    for person in (rep_id, lead_id):
        problem = check_recipient(session, who.team_id, person, fetch=fetch, now=who.now)
        if problem is not None:
            raise InvalidInput(f"{problem} The supervisor wasn't changed.")
    set_supervisor(session, who.team_id, rep_id, lead_id)
    return Reply(messages.supervisor_set(rep_id, lead_id))


def home_opened(sessions: Sessions, team_id: str, user_id: str, now: datetime) -> None:
    """The person opened Kept's Home tab: from now on, changes keep it fresh."""
    with sessions.begin() as session:
        ensure_person(session, team_id, user_id).home_seen_at = now
