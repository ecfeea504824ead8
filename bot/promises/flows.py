"""One function per thing a person does with a promise.

Each flow takes a session and plain values, changes state through the service, writes the
Slack messages the change causes into the outbox (same transaction), and returns the reply
for the person who acted. Nothing here talks to Slack: a flow's messages survive a crash
because they are rows, committed with the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.channels.service import kind_in_channel, setting_row
from bot.language.commands import ListScope
from bot.language.counterparts import CounterpartKind, find_counterpart
from bot.language.deadlines import DeadlineProblem, ParsedDeadline, parse_deadline
from bot.language.workdays import DEFAULT_WORKING_DAY, WorkingDay
from bot.people.acting import Acting
from bot.people.profiles import (
    FetchUser,
    actor_from,
    check_recipient,
    find_person,
    get_person,
    is_fresh,
    profile_row,
)
from bot.promises.cadence import Series, create_cadence_promise
from bot.promises.forms import FieldError, FormValues
from bot.promises.service import (
    MAX_DESCRIPTION,
    InvalidInput,
    NewPromise,
    NotAllowed,
    can_view_owner,
    changeable,
    clean_text,
    close_promise,
    count_open,
    create_promise,
    edit_promise,
    extend_promise,
    get_promise,
    needs_confirmation,
    open_promises,
    reports_of,
)
from bot.promises.service import (
    hand_off as change_owner,
)
from bot.promises.steps import Timing, timing_for_channel, timing_of
from bot.promises.views import PromiseView, view_of, views_of
from bot.reply import Reply
from bot.reports.home import home_data
from bot.slack import messages
from bot.slack.text import from_slack, user_ids_in
from bot.store.db import Sessions
from bot.store.models import Person, Promise, Status, Step


def acting(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    fetch: FetchUser | None,
    admins: frozenset[str],
    now: datetime,
) -> Acting:
    """Who is acting, from their cached Slack profile (fetched if missing or stale). The
    usual case, a fresh profile, is one plain SELECT (no ORM object on the write path)."""
    person: Any = profile_row(session, team_id, user_id)
    if not is_fresh(person, now):
        person = get_person(session, team_id, user_id, fetch=fetch, now=now)
    actor, tz = actor_from(person, user_id, admins)
    sees_home = person is not None and person.home_seen_at is not None
    locale = person.locale if person is not None else None
    return Acting(team_id=team_id, actor=actor, tz=tz, now=now, sees_home=sees_home, locale=locale)


def deadline_in(who: Acting, text: str, working_day: WorkingDay) -> ParsedDeadline:
    """The deadline in `text`, read as `/promise` reads it: in the writer's time zone, their
    Slack locale (numeric dates) and the workspace's working days and holidays. The message
    shortcut's prefill reads it the same way, so the form suggests what `/promise` records."""
    return parse_deadline(text, now=who.now, tz=who.tz, working_day=working_day, locale=who.locale)


def refresh_homes(session: Session, who: Acting, users: Iterable[str]) -> list[dict[str, Any]]:
    """The outbox rows refreshing the Home tabs a change shows on: `users`' (those who have
    a tab), and the actor's own when they have opened it."""
    others = {u for u in users if u and u != who.user_id}
    rows = outbox.home_refreshes(session, who.team_id, others, who.now)
    if who.sees_home:
        rows.append(outbox.follow_up(who.team_id, Step.HOME, who.now, recipient_id=who.user_id))
    return rows


def after_change(session: Session, who: Acting, promise: Promise, *extra: dict[str, Any]) -> None:
    """After a change to a promise: rewrite its earlier reminders, refresh the Home tabs of
    the people concerned, and send whatever else the change causes."""
    rows = [
        outbox.follow_up(who.team_id, Step.REWRITE, who.now, promise_id=promise.id),
        *extra,
        *refresh_homes(session, who, [promise.owner_id]),
    ]
    outbox.write(session, rows)


@dataclass(frozen=True)
class Source:
    """The message a promise was noticed in (SPEC §2.5): its link, and the counterpart the
    channel says (a shared channel's other organisation) when the words name nobody."""

    message_ts: str
    permalink: str | None = None
    counterpart: str | None = None
    counterpart_kind: str | None = None


def typed(
    session: Session,
    who: Acting,
    description: str,
    channel_id: str | None,
    default_timing: Timing,
    request_key: str | None,
    source: Source | None = None,
) -> NewPromise:
    """What a promise typed in a channel is made of, besides its deadline: the owner is who
    typed it, the counterpart is read from the words, and the channel's settings give the
    reminder timing and the counterpart kind (one read of them)."""
    counterpart = find_counterpart(description)
    if source is not None and source.counterpart and counterpart.name in {None, source.counterpart}:
        # the channel's counterpart (a shared channel's other organisation) and its kind
        counterpart = replace(
            counterpart,
            name=source.counterpart,
            kind=_kind(source.counterpart_kind) or counterpart.kind,
        )
    setting = setting_row(session, who.team_id, channel_id) if channel_id else None
    return NewPromise(
        team_id=who.team_id,
        owner_id=who.user_id,
        created_by=who.user_id,
        description=description,
        now=who.now,
        timing=timing_of(setting, default_timing),
        counterpart=counterpart.name,
        counterpart_kind=kind_in_channel(
            setting, counterpart.kind.value if counterpart.kind else None
        ),
        source_channel_id=channel_id,
        source_message_ts=source.message_ts if source is not None else None,
        permalink=source.permalink if source is not None else None,
        request_key=request_key,
    )


def too_long(who: Acting, text: str, channel_id: str | None) -> Reply:
    """A paste longer than a promise holds: say so, and (where Slack gave a trigger id) open
    the form with as much of it as the form takes (MAX_DESCRIPTION characters); the answer's
    button carries what a button value can."""
    return Reply(messages.too_long(text), open_view=_form_with(who, text, channel_id))


def _form_with(who: Acting, text: str, channel_id: str | None) -> dict[str, Any]:
    """The New promise form holding as much of `text` as it takes."""
    return messages.promise_form(
        owner_id=who.user_id,
        description=text[:MAX_DESCRIPTION],
        metadata={"channel_id": channel_id},
    )


def _kind(value: str | None) -> CounterpartKind | None:
    try:
        return CounterpartKind(value) if value else None
    except ValueError:
        return None


def record(
    session: Session,
    who: Acting,
    *,
    text: str,
    parsed: ParsedDeadline,
    channel_id: str | None,
    default_timing: Timing,
    request_key: str | None,
    confirmed: datetime | None = None,
    source: Source | None = None,
) -> Reply:
    """`/promise <what> by <when>`: a new promise owned by whoever typed it. A deadline Kept
    is unsure of is asked about, never guessed; one more than a year away is confirmed first
    (`confirmed` is the deadline the owner confirmed)."""
    if confirmed is not None:
        parsed = replace(parsed, deadline=confirmed, problem=None)
    if parsed.problem is not None or parsed.deadline is None:
        problem = parsed.problem.value if parsed.problem else DeadlineProblem.MISSING.value
        answer = messages.deadline_problem(
            text,
            problem,
            parsed.deadline,
            who.tz,
            detail=parsed.detail,
            now=who.now,
            ignored=parsed.ignored,
        )
        if len(text) > messages.MAX_BUTTON_VALUE:
            # more words than the "Open the form" button can carry: open it with all of them
            return Reply(answer, open_view=_form_with(who, text, channel_id))
        return Reply(answer)
    if confirmed is None and needs_confirmation(parsed.deadline, who.now):
        return Reply(
            messages.far_deadline_question(text, parsed.deadline, who.tz, who.now, channel_id)
        )
    description = parsed.description or text
    if len(description) > MAX_DESCRIPTION:
        return too_long(who, text, channel_id)
    new = typed(session, who, description, channel_id, default_timing, request_key, source)
    promise = create_promise(session, new, deadline=parsed.deadline)
    outbox.write(session, refresh_homes(session, who, []))
    return Reply(
        messages.promise_recorded(
            view_of(promise), who.tz, who.now, named_zone=parsed.zone, ignored=parsed.ignored
        )
    )


def save_form(
    session: Session,
    who: Acting,
    *,
    form: FormValues,
    meta: dict[str, Any],
    default_timing: Timing,
    request_key: str | None,
    working_day: WorkingDay = DEFAULT_WORKING_DAY,
) -> Promise:
    """The New promise form (or the message shortcut's form) saved: the owner is told by DM,
    and so is whoever saved it for them."""
    if form.deadline is None or not form.owner_id:
        raise InvalidInput("The form is missing a deadline or an owner.")
    channel_id = meta.get("channel_id")
    timing = timing_for_channel(session, who.team_id, channel_id, default_timing)
    rhythm = messages.rhythm_of_choice(form.rhythm)
    new = NewPromise(
        team_id=who.team_id,
        owner_id=form.owner_id,
        created_by=who.user_id,
        description=form.description,
        now=who.now,
        timing=timing,
        counterpart=form.counterpart,
        counterpart_kind=form.counterpart_kind,
        source_channel_id=channel_id,
        permalink=meta.get("permalink"),
        request_key=request_key,
    )
    if rhythm is not None:  # a rhythm picked: check-ins until the date picked
        owner = profile_row(session, who.team_id, form.owner_id)
        promise = create_cadence_promise(
            session,
            new,
            series=Series(rhythm, ends_at=form.deadline),
            tz=(owner.tz if owner is not None and owner.tz else who.tz),
            working_day=working_day,
        )
    else:
        one_off = replace(new, source_message_ts=meta.get("message_ts"))
        promise = create_promise(session, one_off, deadline=form.deadline)
    rows = [
        outbox.follow_up(
            who.team_id,
            Step.RECORDED,
            who.now,
            promise_id=promise.id,
            recipient_id=promise.owner_id,
            actor_id=who.user_id,
        )
    ]
    if who.user_id != promise.owner_id:
        rows.append(
            outbox.follow_up(
                who.team_id,
                Step.SAVED_FOR,
                who.now,
                promise_id=promise.id,
                recipient_id=who.user_id,
                about_id=promise.owner_id,
            )
        )
    outbox.write(session, rows + refresh_homes(session, who, [promise.owner_id]))
    return promise


def close(
    session: Session, who: Acting, *, promise_id: int, outcome: Status, note: str | None
) -> Reply:
    """Close as kept, broken or cancelled; the owner is told when someone else closed it."""
    promise = close_promise(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        outcome=outcome,
        note=note,
        now=who.now,
    )
    extra = []
    if promise.owner_id != who.user_id:
        extra.append(
            outbox.follow_up(
                who.team_id,
                Step.CLOSED_NOTICE,
                who.now,
                promise_id=promise.id,
                recipient_id=promise.owner_id,
                actor_id=who.user_id,
            )
        )
    after_change(session, who, promise, *extra)
    return Reply(messages.promise_closed(view_of(promise), who.tz, now=who.now))


def undo(session: Session, who: Acting, *, promise_id: int) -> Reply:
    """Undo right after recording: the promise is cancelled (its history keeps it)."""
    close(
        session,
        who,
        promise_id=promise_id,
        outcome=Status.CANCELLED,
        note="Undone right after it was recorded.",
    )
    return Reply(
        messages.text_message(
            f":leftwards_arrow_with_hook: Undone — promise #{promise_id} is cancelled.",
            replace_original=True,
        )
    )


def _extend(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    new_deadline: datetime,
    note: str | None,
    default_timing: Timing,
) -> Promise:
    source = get_promise(session, who.team_id, promise_id).source_channel_id
    promise = extend_promise(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        new_deadline=new_deadline,
        note=note,
        now=who.now,
        timing=timing_for_channel(session, who.team_id, source, default_timing),
    )
    after_change(session, who, promise)
    return promise


def extend(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    new_deadline: datetime,
    note: str | None,
    default_timing: Timing,
) -> Reply:
    """`/promise extend`: a new deadline; the reminders are planned again for it."""
    promise = _extend(
        session,
        who,
        promise_id=promise_id,
        new_deadline=new_deadline,
        note=note,
        default_timing=default_timing,
    )
    return Reply(messages.promise_extended(view_of(promise), who.tz, now=who.now))


def new_date(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    new_deadline: datetime | None,
    note: str | None,
    default_timing: Timing,
) -> Reply:
    """The New date form saved (from a nudge): the form then shows a ready-to-send update
    for the counterpart."""
    if new_deadline is None:
        raise FieldError("deadline", "Pick the new date and time.")
    if new_deadline <= who.now:
        raise FieldError("deadline", "That moment has already passed. Pick one ahead.")
    promise = _extend(
        session,
        who,
        promise_id=promise_id,
        new_deadline=new_deadline,
        note=note,
        default_timing=default_timing,
    )
    return Reply(open_view=messages.new_date_done(view_of(promise), who.tz, note, now=who.now))


def hand_off(session: Session, who: Acting, *, promise_id: int, new_owner_id: str) -> Reply:
    """A new owner, who is told by DM (through the outbox)."""
    promise, previous = change_owner(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        new_owner_id=new_owner_id,
        now=who.now,
    )
    notice = outbox.follow_up(
        who.team_id,
        Step.NEW_OWNER,
        who.now,
        promise_id=promise.id,
        recipient_id=new_owner_id,
        actor_id=who.user_id,
        about_id=previous,
    )
    rows = [
        outbox.follow_up(who.team_id, Step.REWRITE, who.now, promise_id=promise.id),
        notice,
        *refresh_homes(session, who, [new_owner_id, previous]),
    ]
    outbox.write(session, rows)
    return Reply(messages.promise_handed_off(view_of(promise), previous))


def hand_off_to(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    new_owner_id: str,
    fetch: FetchUser | None,
) -> Reply:
    """`/promise handoff <id> @person`: to someone Kept can reach, as Slack said before the
    transaction (`fetch`)."""
    problem = check_recipient(session, who.team_id, new_owner_id, fetch=fetch, now=who.now)
    if problem is not None:
        raise InvalidInput(f"{problem} Nothing was handed off.")
    person = get_person(session, who.team_id, new_owner_id, fetch=fetch, now=who.now)
    if person is None:
        raise InvalidInput(f"I can't find an active Slack user <@{new_owner_id}> to hand it to.")
    return hand_off(session, who, promise_id=promise_id, new_owner_id=new_owner_id)


def hand_off_from_form(
    session: Session, who: Acting, *, promise_id: int, new_owner_id: str | None, fetch: FetchUser
) -> Reply:
    """The Hand off form saved."""
    if not new_owner_id:
        raise FieldError("owner", "Pick who takes it over.")
    problem = check_recipient(session, who.team_id, new_owner_id, fetch=fetch, now=who.now)
    if problem is not None:  # a bot, deactivated, unknown (form errors are plain text)
        plain = problem.replace(f"<@{new_owner_id}>", "that person")
        raise FieldError("owner", plain[:1].upper() + plain[1:])
    hand_off(session, who, promise_id=promise_id, new_owner_id=new_owner_id)
    return Reply()


def couldnt_keep(session: Session, who: Acting, *, promise_id: int, reason: str | None) -> Reply:
    """The Couldn't keep form saved: closed as broken, with the reason."""
    if not (reason or "").strip():
        raise FieldError("reason", "Say briefly what happened.")
    close(session, who, promise_id=promise_id, outcome=Status.BROKEN, note=reason)
    return Reply()


def remind_owner(session: Session, who: Acting, *, promise_id: int) -> Reply:
    """A supervisor's **Remind them**: a DM to the owner."""
    promise = changeable(session, who.team_id, promise_id, who.actor, who.now)
    outbox.write(
        session,
        [
            outbox.follow_up(
                who.team_id,
                Step.OWNER_REMINDER,
                who.now,
                promise_id=promise.id,
                recipient_id=promise.owner_id,
                actor_id=who.user_id,
            )
        ],
    )
    return Reply(messages.text_message(f"Done — I'm reminding <@{promise.owner_id}> by DM."))


def edit(
    session: Session,
    who: Acting,
    *,
    promise_id: int,
    description: str,
    counterpart: str | None,
) -> Reply:
    """The Edit form saved: new wording or counterpart."""
    promise = edit_promise(
        session,
        team_id=who.team_id,
        promise_id=promise_id,
        actor=who.actor,
        description=description,
        counterpart=counterpart,
        now=who.now,
    )
    after_change(session, who, promise)
    return Reply()


def list_promises(
    session: Session,
    who: Acting,
    *,
    scope: ListScope,
    owner: str | None,
    page: int,
    scope_word: str,
) -> Reply:
    """`/promise list [team|everyone|@user] [page N]`: open promises, a page at a time, for
    whoever may see them (`scope_word`, as typed, goes on the pager's buttons)."""
    actor, team_id = who.actor, who.team_id
    owners: list[str] | None
    match scope:
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
            owners = reports_of(session, team_id, actor.user_id)
            if not owners:
                return Reply(
                    messages.text_message(
                        "Nobody reports to you in Kept yet, so there's no team to list. An admin "
                        "can set it with `/promise supervisor @rep @you`."
                    )
                )
            title = "Your team's promises"
        case ListScope.PERSON:
            owner = owner or ""
            if not can_view_owner(session, team_id, owner, actor):
                raise NotAllowed(
                    f"Only <@{owner}>, their supervisor or an admin can see their promises."
                )
            owners, title = [owner], f"<@{owner}>'s promises"
    total, overdue = count_open(session, team_id, owners, who.now)
    pages = max(1, -(-total // messages.LIST_PAGE_SIZE))
    page = min(page, pages)
    promises = open_promises(
        session,
        team_id,
        owners,
        who.now,
        limit=messages.LIST_PAGE_SIZE,
        offset=(page - 1) * messages.LIST_PAGE_SIZE,
    )
    return Reply(
        messages.promise_list(
            title,
            views_of(promises),
            who.tz,
            who.now,
            total=total,
            overdue=overdue,
            page=page,
            scope=scope_word,
        )
    )


def home_tab(
    session: Session,
    team_id: str,
    user_id: str,
    *,
    admins: frozenset[str],
    now: datetime,
    notice: str | None = None,
) -> dict[str, Any]:
    """The App Home tab of one person, as it stands now (their promises; their team's if
    they supervise; the admin overview for admins), with `notice` on top: the answer to a
    button they pressed on the tab."""
    person = session.get(Person, (team_id, user_id))
    actor, tz = actor_from(person, user_id, admins)
    data = home_data(session, team_id, user_id, tz=tz, is_admin=actor.is_admin, now=now)
    return messages.home_view(data, notice=notice)


# ------------------------------------------------------------- what the listeners need

FormBuilder = Callable[[PromiseView], dict[str, Any]]


def kept(session: Session, who: Acting, *, promise_id: int) -> Reply:
    """Kept, pressed on a reminder."""
    return close(session, who, promise_id=promise_id, outcome=Status.KEPT, note=None)


def form_about(session: Session, who: Acting, *, promise_id: int, build: FormBuilder) -> Reply:
    """A form about one promise (Edit, New date, Hand off, Couldn't keep), for whoever may
    change it; a refusal otherwise."""
    promise = changeable(session, who.team_id, promise_id, who.actor, who.now)
    return Reply(open_view=build(view_of(promise)))


def keep_permalink(
    sessions: Sessions, team_id: str, request_key: str, permalink: str | None
) -> None:
    """After the ack: the link to the message a promise was made from (through the form), once
    Slack gave it; a link already kept stays."""
    with sessions.begin() as session:
        session.execute(
            update(Promise)
            .where(
                Promise.team_id == team_id,
                Promise.request_key == request_key,
                Promise.permalink.is_(None),
            )
            .values(permalink=permalink)
        )


def home_now(
    readers: sessionmaker[Session],
    team_id: str,
    user_id: str,
    *,
    admins: frozenset[str],
    now: datetime,
    notice: str | None = None,
) -> dict[str, Any]:
    """home_tab, read on its own read-only session (a listener publishing the tab)."""
    with readers() as session:
        return home_tab(session, team_id, user_id, admins=admins, now=now, notice=notice)


@dataclass(frozen=True)
class Reading:
    """What reading a person's words takes: who they are (time zone, locale) and the names
    of the people their words mention, from Kept's profile cache."""

    who: Acting
    names: dict[str, str]

    def plain(self, text: str) -> str:
        """Slack's text as plain text, people named (`<@U1>` -> `@Dana`)."""
        return from_slack(text, name_of=self.names.get)


def _reading(
    session: Session,
    team_id: str,
    user_id: str,
    text: str,
    *,
    fetch: FetchUser | None,
    admins: frozenset[str],
    now: datetime,
) -> Reading:
    who = acting(session, team_id, user_id, fetch=fetch, admins=admins, now=now)
    names: dict[str, str] = {}
    for mentioned in dict.fromkeys(user_ids_in(text)):
        person = find_person(session, team_id, mentioned)
        if person is not None and person.name:
            names[mentioned] = person.name
    return Reading(who, names)


def reading(
    readers: sessionmaker[Session],
    team_id: str,
    user_id: str,
    text: str,
    *,
    fetch: FetchUser | None,
    admins: frozenset[str],
    now: datetime,
) -> Reading:
    """How to read `text` (Slack's) written by `user_id`: on its own read-only session, after
    the listener warmed the profiles it needs."""
    with readers() as session:
        return _reading(session, team_id, user_id, text, fetch=fetch, admins=admins, now=now)


@dataclass(frozen=True)
class Prefill:
    """The New promise form's suggestion for a message (the message shortcut)."""

    description: str
    deadline: datetime | None
    channel_kind: str | None  # the channel's default counterpart kind


def prefill(
    readers: sessionmaker[Session],
    team_id: str,
    user_id: str,
    *,
    text: str,
    channel_id: str | None,
    fetch: FetchUser | None,
    admins: frozenset[str],
    now: datetime,
    working_day: WorkingDay,
) -> Prefill:
    """The message's words as plain text (people named), the deadline they say (read as
    `/promise` reads it: deadline_in) and the channel's counterpart kind."""
    with readers() as session:
        read = _reading(session, team_id, user_id, text, fetch=fetch, admins=admins, now=now)
        setting = setting_row(session, team_id, channel_id) if channel_id else None
    description = clean_text(read.plain(text))[:MAX_DESCRIPTION]
    parsed = deadline_in(read.who, description, working_day)
    return Prefill(
        description=description,
        deadline=parsed.deadline if parsed.problem is None else None,
        channel_kind=setting.counterpart_kind if setting is not None else None,
    )
