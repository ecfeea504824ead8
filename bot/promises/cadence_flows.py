"""The flows of cadence promises and of away/cover (SPEC §2.1, §2.4): one function per thing a
person does, like bot.promises.flows.

Each takes a session, who is acting (`Acting`) and plain values, changes state through
bot.promises.cadence / bot.people.away, writes the messages the change causes as outbox rows
(rewrites of earlier reminders, Home refreshes; the return summary is its own delivery row)
and returns the reply. Nothing here talks to Slack.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import outbox
from bot.language.cadence import ParsedCadence, Rhythm
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.people.acting import Acting
from bot.people.away import end_away, set_away
from bot.people.profiles import FetchUser, check_recipient
from bot.promises.cadence import (
    Series,
    change_rhythm,
    create_cadence_promise,
    done_for_good,
    log_update,
    skip_check_in,
)
from bot.promises.flows import Source, after_change, refresh_homes, typed
from bot.promises.forms import FieldError
from bot.promises.service import (
    MAX_DESCRIPTION,
    InvalidInput,
    NotAllowed,
    changeable,
    get_promise,
    supervisor_of,
)
from bot.promises.states import CheckInOutcome
from bot.promises.steps import Timing, timing_for_channel
from bot.promises.views import PromiseView, view_of
from bot.reply import Reply
from bot.slack import messages
from bot.slack.text import mrkdwn
from bot.store.models import Promise


def _timing(session: Session, who: Acting, promise_id: int, default_timing: Timing) -> Timing:
    source = get_promise(session, who.team_id, promise_id).source_channel_id
    return timing_for_channel(session, who.team_id, source, default_timing)


def record(
    session: Session,
    who: Acting,
    *,
    text: str,
    cadence: ParsedCadence,
    channel_id: str | None,
    default_timing: Timing,
    request_key: str | None,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
    source: Source | None = None,
) -> Reply:
    """`/promise stay in touch with Sam over the next two weeks`: a series of check-ins."""
    if cadence.problem is not None:
        return Reply(messages.cadence_problem(text, cadence.problem.value))
    if len(cadence.description) > MAX_DESCRIPTION:
        return Reply(messages.too_long(text))
    new = typed(session, who, cadence.description, channel_id, default_timing, request_key, source)
    promise = create_cadence_promise(
        session,
        new,
        series=Series(cadence.rhythm, cadence.ends_at, cadence.end_event),
        tz=who.tz,
        working_day=working_day,
    )
    outbox.write(session, refresh_homes(session, who, []))
    return Reply(messages.cadence_recorded(view_of(promise), who.tz, who.now))


def updated(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    note: str | None,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> tuple[Promise, CheckInOutcome]:
    """ "Updated them" (`/promise updated`, the button's form): counts for this check-in."""
    promise, outcome = log_update(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        note=note,
        now=who.now,
        timing=_timing(session, who, promise_id, default_timing),
        working_day=working_day,
    )
    after_change(session, who, promise)
    return promise, outcome


def updated_reply(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    note: str | None,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """`/promise updated <id> [note]`."""
    promise, outcome = updated(
        session,
        who,
        promise_id=promise_id,
        note=note,
        default_timing=default_timing,
        working_day=working_day,
    )
    message = messages.check_in_logged(view_of(promise), who.tz, outcome, now=who.now)
    message.pop("replace_original", None)
    return Reply(message)


def updated_from_form(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    note: str | None,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """The Updated them form saved: the form says what was logged and what comes next."""
    promise, outcome = updated(
        session,
        who,
        promise_id=promise_id,
        note=note,
        default_timing=default_timing,
        working_day=working_day,
    )
    text = messages.check_in_logged(view_of(promise), who.tz, outcome, now=who.now)["text"]
    return Reply(open_view=messages.info_view("Updated them", text))


def skip(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """ "Skip this one": nothing to tell them this time."""
    promise = skip_check_in(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        now=who.now,
        timing=_timing(session, who, promise_id, default_timing),
        working_day=working_day,
    )
    after_change(session, who, promise)
    return Reply(
        messages.check_in_logged(view_of(promise), who.tz, CheckInOutcome.SKIPPED, now=who.now)
    )


def new_rhythm(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    rhythm: Rhythm | None,
    default_timing: Timing,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Reply:
    """The New rhythm form saved."""
    if rhythm is None:
        raise FieldError("rhythm", "Pick how often to check in.")
    promise = change_rhythm(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        rhythm=rhythm,
        now=who.now,
        timing=_timing(session, who, promise_id, default_timing),
        working_day=working_day,
    )
    after_change(session, who, promise)
    return Reply(
        open_view=messages.info_view(
            "New rhythm", messages.rhythm_line(view_of(promise), who.tz, now=who.now)
        )
    )


def done(session: Session, who: Acting, *, promise_id: int) -> Reply:
    """ "Done for good": the series ends here, kept."""
    promise = done_for_good(
        session, team_id=who.team_id, promise_id=promise_id, actor=who.actor, now=who.now
    )
    after_change(session, who, promise)
    return Reply(messages.promise_closed(view_of(promise), who.tz, now=who.now))


def form_for(session: Session, who: Acting, promise_id: int) -> PromiseView:
    """The promise behind a check-in form, for whoever may change it (the cover too)."""
    return view_of(changeable(session, who.team_id, promise_id, who.actor, who.now))


# ------------------------------------------------------------------------------- away


def _someone(session: Session, who: Acting, user_id: str | None) -> str:
    """Whose away: their own, or (supervisors for their reports, admins for anyone) another's."""
    if user_id is None or user_id == who.user_id:
        return who.user_id
    if not (who.actor.is_admin or supervisor_of(session, who.team_id, user_id) == who.user_id):
        raise NotAllowed(
            f"Only <@{user_id}>'s supervisor or an admin can set their away; "
            "you can set your own with `/promise away <until> [@cover]`."
        )
    return user_id


def away(
    session: Session,
    who: Acting,
    *,
    user_id: str | None,
    until_text: str,
    until: datetime | None,
    cover_id: str | None,
    fetch: FetchUser | None,
) -> Reply:
    """`/promise away [@rep] <until> [@cover]` (`until` is the parsed end, or None)."""
    whose = _someone(session, who, user_id)
    if until is None:
        raise InvalidInput(
            f"I couldn't tell when you'll be back from “{mrkdwn(until_text, 100)}”. Usage: "
            "`/promise away <until> [@cover]`, e.g. `/promise away Dec 18 @sam`."
        )
    if cover_id is not None:
        problem = check_recipient(session, who.team_id, cover_id, fetch=fetch, now=who.now)
        if problem is not None:
            raise InvalidInput(
                f"{problem} So they can't cover; pick an active colleague. Nothing was changed."
            )
    period = set_away(
        session,
        team_id=who.team_id,
        user_id=whose,
        until=until,
        cover_id=cover_id,
        set_by=who.user_id,
        now=who.now,
    )
    outbox.write(session, refresh_homes(session, who, [whose, *([cover_id] if cover_id else [])]))
    own = whose == who.user_id
    return Reply(
        messages.away_set(whose, period.ends_at, period.cover_id, who.tz, own=own, now=who.now)
    )


def back(session: Session, who: Acting, *, user_id: str | None = None) -> Reply:
    """`/promise back [@rep]`, the Home tab's I'm back: the away ends now; the return summary
    goes out (its row was planned with the away, and is now due)."""
    whose = _someone(session, who, user_id)
    period = end_away(session, team_id=who.team_id, user_id=whose, now=who.now)
    own = whose == who.user_id
    if period is None:
        text = "You aren't" if own else f"<@{whose}> isn't"
        raise InvalidInput(f"{text} away in Kept; nothing changed.")
    outbox.write(session, refresh_homes(session, who, [whose]))
    return Reply(messages.away_ended(whose, own=own))
