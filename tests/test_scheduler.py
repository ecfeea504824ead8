"""The scheduler over time (SPEC §3): heads-up, nudge, escalation, each exactly once.

Clock-driven: the test moves the clock and runs `run_pass`; the fake Slack stores what was
posted. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.language.deadlines import format_deadline
from bot.people.acting import Actor
from bot.people.profiles import set_supervisor
from bot.promises import flows
from bot.promises.flows import acting
from bot.promises.service import (
    NewPromise,
    close_promise,
    create_promise,
    extend_promise,
    hand_off,
)
from bot.promises.steps import Timing, delivery_key
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.store.models import ChannelSetting, Delivery, Promise, Status
from scheduler.loop import SchedulerLoop
from scheduler.passes import run_pass
from scheduler.send import METADATA_EVENT
from tests.conftest import (
    ADMIN,
    DEFAULT_NOW,
    INDIA,
    LEAD,
    OTHER,
    OWNER,
    TEAM,
    BotServer,
    Clock,
    make_runtime,
    message_text,
)
from tests.fakeslack import FakeSlack

SALES = "C0SALES"
ESCALATIONS = "C0ESCAL"


# ---------------------------------------------------------------------------- helpers


def make_promise(
    runtime: Runtime,
    *,
    deadline: datetime,
    owner: str = OWNER,
    description: str = "call Jane Doe back about the supervisor role",
    counterpart: str | None = "Jane Doe",
    channel: str | None = SALES,
    timing: Timing | None = None,
) -> Promise:
    with runtime.sessions.begin() as session:
        promise = create_promise(
            session,
            NewPromise(
                team_id=TEAM,
                owner_id=owner,
                created_by=owner,
                description=description,
                now=runtime.now(),
                timing=timing or runtime.timing(session, TEAM, channel),
                counterpart=counterpart,
                counterpart_kind="candidate" if counterpart else None,
                source_channel_id=channel,
            ),
            deadline=deadline,
        )
        return promise


def supervise(runtime: Runtime, rep: str = OWNER, lead: str = LEAD) -> None:
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, rep, lead)


def escalation_channel(runtime: Runtime, channel: str = SALES, target: str = ESCALATIONS) -> None:
    with runtime.sessions.begin() as session:
        session.add(
            ChannelSetting(
                team_id=TEAM,
                channel_id=channel,
                escalation_channel_id=target,
                updated_by=ADMIN,
                updated_at=runtime.now(),
            )
        )


def delivery_key_of(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT:
        return None
    return (metadata.get("event_payload") or {}).get("key")


def kept_messages(fake: FakeSlack) -> dict[str, list[dict[str, Any]]]:
    """Every message the scheduler stored in the fake, by delivery key."""
    found: dict[str, list[dict[str, Any]]] = {}
    for message in fake.messages:
        key = delivery_key_of(message)
        if key is not None:
            found.setdefault(key, []).append(message)
    return found


def key_counts(fake: FakeSlack) -> Counter[str]:
    return Counter({key: len(msgs) for key, msgs in kept_messages(fake).items()})


def key(promise: Promise, step: str, version: int = 1, suffix: str = "") -> str:
    from bot.store.models import Step

    return delivery_key(promise.id, version, Step(step)) + (f":{suffix}" if suffix else "")


def the_message(fake: FakeSlack, delivery: str) -> dict[str, Any]:
    messages = kept_messages(fake).get(delivery, [])
    assert len(messages) == 1, (delivery, sorted(kept_messages(fake)))
    return messages[0]


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def button_labels(message: dict[str, Any]) -> list[str]:
    return [
        element["text"]["text"]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def rows(runtime: Runtime, promise: Promise) -> dict[str, Delivery]:
    with runtime.sessions() as session:
        return {
            d.key: d
            for d in session.scalars(select(Delivery).where(Delivery.promise_id == promise.id))
        }


def passes(runtime: Runtime, times: int = 3) -> None:
    """Run passes by hand; first and last, let a sender running beside them (the `bot`
    fixture's, woken by outbox commits) finish what it took."""
    senders = [
        wake.__self__
        for wake in runtime.sessions.on_outbox
        if isinstance(getattr(wake, "__self__", None), SchedulerLoop)
    ]
    for sender in senders:
        assert sender.idle()
    for _ in range(times):
        result = run_pass(runtime)
        assert not result.errors, result.errors
    for sender in senders:
        assert sender.idle()


# ---------------------------------------------------------------------------- timing


def test_heads_up_nudge_and_escalation_each_go_out_once_at_their_moment(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline)
    heads_up, nudge, escalation = (key(promise, s) for s in ("heads_up", "nudge", "escalation"))

    passes(runtime)
    assert key_counts(fake_slack) == Counter()

    clock.set(deadline - timedelta(hours=1, seconds=1))
    passes(runtime)
    assert key_counts(fake_slack) == Counter()
    clock.set(deadline - timedelta(hours=1))
    passes(runtime, 4)
    assert key_counts(fake_slack) == Counter({heads_up: 1})
    assert the_message(fake_slack, heads_up)["channel"] == fake_slack.im_id(OWNER)

    clock.set(deadline - timedelta(seconds=1))
    passes(runtime)
    assert key_counts(fake_slack) == Counter({heads_up: 1})
    clock.set(deadline)
    passes(runtime, 4)
    assert key_counts(fake_slack) == Counter({heads_up: 1, nudge: 1})
    assert the_message(fake_slack, nudge)["channel"] == fake_slack.im_id(OWNER)

    clock.set(deadline + timedelta(hours=24) - timedelta(seconds=1))
    passes(runtime)
    assert escalation not in key_counts(fake_slack)
    clock.set(deadline + timedelta(hours=24))
    passes(runtime, 4)
    clock.advance(days=10)
    passes(runtime)
    assert key_counts(fake_slack) == Counter({heads_up: 1, nudge: 1, escalation: 1})
    assert the_message(fake_slack, escalation)["channel"] == fake_slack.im_id(LEAD)
    assert len(fake_slack.calls("chat.postMessage")) == 3

    stored = rows(runtime, promise)
    assert {k: d.status for k, d in stored.items()} == {
        heads_up: "sent",
        nudge: "sent",
        escalation: "sent",
    }
    assert stored[nudge].sent_at == deadline
    assert stored[nudge].message_ts == the_message(fake_slack, nudge)["ts"]


def test_nudge_names_what_to_whom_how_late_and_offers_the_four_buttons(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    deadline = DEFAULT_NOW + timedelta(hours=2)
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline + timedelta(hours=2, minutes=5))
    passes(runtime, 1)

    nudge = the_message(fake_slack, key(promise, "nudge"))
    text = message_text(nudge)
    assert "call Jane Doe back about the supervisor role" in text
    assert "Jane Doe" in nudge["text"]  # to whom, in the headline itself
    assert "2 h 5 min" in text  # how late
    # in the owner's zone
    assert format_deadline(deadline, "America/Los_Angeles", now=clock()) in text
    assert button_labels(nudge) == ["Kept", "New date", "Hand off", "Couldn't keep"]
    assert action_ids(nudge) == [blocks.KEPT, blocks.NEW_DATE, blocks.HAND_OFF, blocks.COULDNT_KEEP]
    values = {e["value"] for b in nudge["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert values == {str(promise.id)}


def test_escalation_names_owner_promise_lateness_and_when_the_owner_was_nudged(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=2)
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline + timedelta(minutes=3))
    passes(runtime, 1)
    nudged_at = deadline + timedelta(minutes=3)
    clock.set(deadline + timedelta(hours=25))
    passes(runtime, 1)

    escalation = the_message(fake_slack, key(promise, "escalation"))
    assert escalation["channel"] == fake_slack.im_id(LEAD)
    text = message_text(escalation)
    assert f"<@{OWNER}>" in text
    assert "call Jane Doe back about the supervisor role" in text
    assert "Jane Doe" in escalation["text"]
    assert "1 day 1 h" in text  # how late
    assert "nudged" in text
    # when, in the lead's zone
    assert format_deadline(nudged_at, "Europe/Berlin", now=clock()) in text
    assert blocks.REMIND_OWNER in action_ids(escalation)
    assert blocks.KEPT in action_ids(escalation)  # and it can be closed from there
    assert blocks.COULDNT_KEEP in action_ids(escalation)


def test_heads_up_is_off_when_remind_before_is_zero(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    quiet = make_runtime(runtime, remind_before=timedelta(0))
    deadline = DEFAULT_NOW + timedelta(hours=3)
    with quiet.sessions.begin() as session:
        timing = quiet.timing(session, TEAM, SALES)
    promise = make_promise(quiet, deadline=deadline, timing=timing)
    clock.set(deadline)
    passes(quiet)
    assert key_counts(fake_slack) == Counter({key(promise, "nudge"): 1})


# ---------------------------------------------------------------------------- closing, moving


def test_a_closed_promise_gets_nothing_more(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    early = make_promise(runtime, deadline=deadline, description="send Acme the quote")
    late = make_promise(runtime, deadline=deadline, description="refund order 1182")
    with runtime.sessions.begin() as session:
        close_promise(
            session,
            team_id=TEAM,
            promise_id=early.id,
            actor=Actor(OWNER),
            outcome=Status.KEPT,
            note=None,
            now=runtime.now(),
        )
    clock.set(deadline)
    passes(runtime)
    assert key_counts(fake_slack) == Counter({key(late, "nudge"): 1})
    # closed after its nudge: no escalation
    with runtime.sessions.begin() as session:
        close_promise(
            session,
            team_id=TEAM,
            promise_id=late.id,
            actor=Actor(OWNER),
            outcome=Status.BROKEN,
            note="the role was filled",
            now=runtime.now(),
        )
    clock.advance(days=3)
    passes(runtime)
    assert key_counts(fake_slack) == Counter({key(late, "nudge"): 1})
    assert {d.status for d in rows(runtime, early).values()} == {"skipped"}
    assert rows(runtime, late)[key(late, "escalation")].status == "skipped"


def test_a_promise_closed_while_its_nudge_is_claimed_is_skipped(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    """Closing skips pending rows; a row already claimed (sending) is skipped at decide."""
    from scheduler.queue import claim

    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline)
    with runtime.sessions.begin() as session:
        claimed = claim(
            session, now=runtime.now(), worker="crashed", limit=10, lease=timedelta(seconds=10)
        )
    assert [step for _id, step in claimed] == ["heads_up", "nudge"]
    with runtime.sessions.begin() as session:
        close_promise(
            session,
            team_id=TEAM,
            promise_id=promise.id,
            actor=Actor(OWNER),
            outcome=Status.KEPT,
            note=None,
            now=runtime.now(),
        )
    clock.advance(seconds=11)
    passes(runtime)
    assert key_counts(fake_slack) == Counter()
    assert {d.status for d in rows(runtime, promise).values()} == {"skipped"}


def test_an_extension_re_arms_the_steps_and_skips_the_old_ones(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    first = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=first)
    clock.set(first + timedelta(minutes=10))
    passes(runtime)
    # the clock jumped past the heads-up moment and the deadline: only the nudge goes out
    assert key_counts(fake_slack) == Counter({key(promise, "nudge"): 1})
    second = first + timedelta(days=2)
    with runtime.sessions.begin() as session:
        extend_promise(
            session,
            team_id=TEAM,
            promise_id=promise.id,
            actor=Actor(OWNER),
            new_deadline=second,
            note="waiting for legal",
            now=runtime.now(),
            timing=runtime.timing(session, TEAM, SALES),
        )
    # the old escalation (first + 24 h) never comes
    clock.set(first + timedelta(hours=24))
    passes(runtime)
    assert key_counts(fake_slack) == Counter({key(promise, "nudge"): 1})
    clock.set(second - timedelta(hours=1))
    passes(runtime)
    clock.set(second)
    passes(runtime)
    clock.set(second + timedelta(hours=24))
    passes(runtime)
    clock.advance(days=5)
    passes(runtime)
    assert key_counts(fake_slack) == Counter(
        {
            key(promise, "nudge"): 1,
            key(promise, "heads_up", 2): 1,
            key(promise, "nudge", 2): 1,
            key(promise, "escalation", 2): 1,
        }
    )
    stored = rows(runtime, promise)
    assert stored[key(promise, "escalation")].status == "skipped"
    assert stored[key(promise, "heads_up")].status == "skipped"  # planned, passed unsent
    assert format_deadline(second, "America/Los_Angeles", now=clock()) in message_text(
        the_message(fake_slack, key(promise, "nudge", 2))
    )


def test_a_handed_off_promise_nudges_the_new_owner_and_escalates_to_their_lead(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime, OWNER, LEAD)
    supervise(runtime, INDIA, ADMIN)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline)
    with runtime.sessions.begin() as session:
        hand_off(
            session,
            team_id=TEAM,
            promise_id=promise.id,
            actor=Actor(OWNER),
            new_owner_id=INDIA,
            now=runtime.now(),
        )
    clock.set(deadline + timedelta(hours=24))
    passes(runtime)
    assert the_message(fake_slack, key(promise, "nudge"))["channel"] == fake_slack.im_id(INDIA)
    assert the_message(fake_slack, key(promise, "escalation"))["channel"] == fake_slack.im_id(ADMIN)
    assert fake_slack.messages_to(OWNER) == []
    assert fake_slack.messages_to(LEAD) == []


# ---------------------------------------------------------------------------- who is escalated to


def test_no_supervisor_escalates_to_the_channel_set_for_the_promises_channel(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    escalation_channel(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline, channel=SALES)
    elsewhere = make_promise(
        runtime,
        deadline=deadline,
        channel="C0OTHER",
        description="send Acme the revised quote",
        counterpart="Acme",
    )
    runtime.warm_person(TEAM, ADMIN)  # an admin Kept knows about
    clock.set(deadline + timedelta(hours=24))
    passes(runtime)
    clock.advance(minutes=1)
    passes(runtime)
    posted = the_message(fake_slack, key(promise, "escalation"))
    assert posted["channel"] == ESCALATIONS
    assert f"<@{OWNER}>" in message_text(posted)
    assert blocks.REMIND_OWNER not in action_ids(posted)  # buttons belong in DMs
    assert [delivery_key_of(m) for m in fake_slack.messages_to(ESCALATIONS)] == [
        key(promise, "escalation")
    ]
    # nobody else was bothered about the promise from the channel with a setting
    counts = key_counts(fake_slack)
    assert not [k for k in counts if k.startswith(key(promise, "escalation") + ":")]
    # the promise from another channel had neither: admins
    assert counts[key(elsewhere, "escalation", suffix=f"admin:{ADMIN}")] == 1


def test_supervisor_and_channel_both_get_the_escalation(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    escalation_channel(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline + timedelta(hours=24))
    passes(runtime)
    clock.advance(days=2)
    passes(runtime)
    counts = key_counts(fake_slack)
    assert counts[key(promise, "escalation")] == 1
    assert counts[key(promise, "escalation", suffix="channel")] == 1
    assert the_message(fake_slack, key(promise, "escalation"))["channel"] == fake_slack.im_id(LEAD)
    assert (
        the_message(fake_slack, key(promise, "escalation", suffix="channel"))["channel"]
        == ESCALATIONS
    )
    assert sum(counts.values()) == 3  # nudge, supervisor, channel (the heads-up was passed)


def test_neither_supervisor_nor_channel_escalates_to_admins_and_tells_the_owner(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ERIN", name="erin", email="erin@example.com", tz="UTC")
    admins = make_runtime(runtime, admins=frozenset({OTHER, "erin@example.com"}))
    # Kept learns who is who from users.info as people use it
    for user in (ADMIN, "U0ERIN"):
        admins.warm_person(TEAM, user)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(admins, deadline=deadline)
    clock.set(deadline + timedelta(hours=24))
    passes(admins)
    counts = key_counts(fake_slack)
    for admin in (ADMIN, OTHER, "U0ERIN"):  # Slack admin flag, KEPT_ADMINS id and e-mail
        assert counts[key(promise, "escalation", suffix=f"admin:{admin}")] == 1, counts
        message = the_message(fake_slack, key(promise, "escalation", suffix=f"admin:{admin}"))
        assert message["channel"] == fake_slack.im_id(admin)
        assert f"<@{OWNER}>" in message_text(message)
    told = the_message(fake_slack, key(promise, "escalation", suffix="owner"))
    assert told["channel"] == fake_slack.im_id(OWNER)
    assert "let the workspace admins know" in message_text(told)
    assert counts[key(promise, "escalation")] == 0  # the escalation row itself fanned out
    assert rows(admins, promise)[key(promise, "escalation")].status == "sent"
    assert fake_slack.messages_to(LEAD) == []
    clock.advance(days=3)
    passes(admins)
    assert key_counts(fake_slack) == counts


def test_nobody_at_all_still_tells_the_owner(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline + timedelta(hours=24))
    passes(runtime)
    # heads-up skipped (the clock jumped past the deadline), no admins known: only the owner
    assert key_counts(fake_slack) == Counter(
        {key(promise, "nudge"): 1, key(promise, "escalation", suffix="owner"): 1}
    )
    told = the_message(fake_slack, key(promise, "escalation", suffix="owner"))
    assert "couldn't reach a supervisor, an escalation channel or an admin" in message_text(told)


def test_a_deactivated_owners_promises_go_to_their_supervisor_who_is_told_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    """The owner left the workspace: their open promises move to their supervisor, who gets
    one DM about the hand-over and then the nudge as the new owner."""
    fake_slack.add_user("U0GONE", name="gone", tz="UTC", deleted=True)
    supervise(runtime, "U0GONE", LEAD)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline, owner="U0GONE")
    other = make_promise(
        runtime,
        deadline=deadline + timedelta(days=5),
        owner="U0GONE",
        description="send Acme the revised quote",
        counterpart="Acme",
    )
    clock.set(deadline + timedelta(minutes=1))
    passes(runtime)
    passes(runtime)
    with runtime.sessions() as session:
        owners = {p.id: p.owner_id for p in session.scalars(select(Promise))}
        history = [e.kind for e in session.get(Promise, promise.id).events]  # type: ignore[union-attr]
    assert owners == {promise.id: LEAD, other.id: LEAD}
    assert history == ["created", "handed_off"]
    handovers = [
        m
        for m in fake_slack.messages_to(LEAD)
        if (delivery_key_of(m) or "").startswith("handover:")
    ]
    assert len(handovers) == 1
    text = message_text(handovers[0])
    assert "<@U0GONE>" in text and "deactivated" in text and "Acme" in text
    nudge = the_message(fake_slack, key(promise, "nudge"))
    assert nudge["channel"] == fake_slack.im_id(LEAD)
    assert fake_slack.messages_to("U0GONE") == []


def test_an_escalation_does_not_wait_forever_for_a_nudge_that_cannot_go_out(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    """The owner left and nobody supervises them: no nudge, but the escalation still goes
    out (here to the promise's channel)."""
    fake_slack.add_user("U0GONE", name="gone", tz="UTC", deleted=True)
    escalation_channel(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline, owner="U0GONE")
    clock.set(deadline + timedelta(hours=24))
    passes(runtime)
    assert rows(runtime, promise)[key(promise, "nudge")].status == "skipped"
    assert the_message(fake_slack, key(promise, "escalation"))["channel"] == ESCALATIONS


# ---------------------------------------------------------------------------- quiet hours


def test_a_nudge_due_on_friday_night_waits_for_monday_morning(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    polite = make_runtime(runtime, respect_working_hours=True)
    supervise(polite)
    # Friday 27 Nov 2026, 22:00 in Los Angeles (PST, UTC-8)
    deadline = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    promise = make_promise(polite, deadline=deadline)
    nudge = key(promise, "nudge")
    monday_9_la = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)

    moment = deadline - timedelta(hours=2)
    while moment < monday_9_la:  # every hour of the weekend
        clock.set(moment)
        passes(polite, 1)
        moment += timedelta(hours=1)
    clock.set(monday_9_la - timedelta(seconds=1))
    passes(polite, 1)
    assert key_counts(fake_slack) == Counter()
    assert rows(polite, promise)[nudge].due_at == monday_9_la

    clock.set(monday_9_la)
    passes(polite)
    clock.advance(minutes=30)
    passes(polite)
    assert key_counts(fake_slack) == Counter({nudge: 1})
    assert rows(polite, promise)[nudge].sent_at == monday_9_la
    # the heads-up (Friday 21:00) was never sent: the deadline had passed by Monday
    assert rows(polite, promise)[key(promise, "heads_up")].status == "skipped"
    # the escalation (due Saturday night) waited for the nudge, then for Berlin's morning
    # (Monday 18:00 in Berlin is after hours): Tuesday 09:00 CET = 08:00 UTC
    tuesday_9_berlin = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    clock.set(tuesday_9_berlin - timedelta(minutes=1))
    passes(polite)
    assert key(promise, "escalation") not in key_counts(fake_slack)
    clock.set(tuesday_9_berlin)
    passes(polite)
    clock.advance(hours=5)
    passes(polite)
    assert key_counts(fake_slack) == Counter({nudge: 1, key(promise, "escalation"): 1})
    assert rows(polite, promise)[key(promise, "escalation")].sent_at == tuesday_9_berlin


def test_quiet_hours_follow_each_recipients_own_time_zone(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    polite = make_runtime(runtime, respect_working_hours=True)
    # Wednesday 25 Nov 18:00 UTC: 10:00 in Los Angeles, 23:30 in Kolkata
    la = make_promise(polite, deadline=DEFAULT_NOW + timedelta(minutes=30))
    india = make_promise(
        polite,
        deadline=DEFAULT_NOW + timedelta(minutes=30),
        owner=INDIA,
        description="send the offer letter to Priya",
        counterpart="Priya",
    )
    clock.advance(minutes=30)
    passes(polite)
    assert key_counts(fake_slack) == Counter({key(la, "nudge"): 1})
    # Thursday 09:00 in Kolkata = 03:30 UTC
    clock.set(datetime(2026, 11, 26, 3, 30, tzinfo=UTC))
    passes(polite)
    assert key_counts(fake_slack)[key(india, "nudge")] == 1


def test_quiet_hours_can_be_turned_off(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    deadline = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # Friday 22:00 in Los Angeles
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline)
    passes(runtime)
    assert key_counts(fake_slack)[key(promise, "nudge")] == 1


# ---------------------------------------------------------------------------- downtime


def test_a_bot_that_was_down_for_three_days_catches_up_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    promises = [
        make_promise(
            runtime,
            deadline=DEFAULT_NOW + timedelta(hours=2 + i),
            description=f"call candidate {i} back",
        )
        for i in range(5)
    ]
    clock.advance(days=3)
    result = run_pass(runtime)
    assert result.sent == 10 and not result.errors, result
    for _ in range(3):
        clock.advance(minutes=1)
        passes(runtime, 1)
    counts = key_counts(fake_slack)
    for promise in promises:
        assert counts[key(promise, "nudge")] == 1
        assert counts[key(promise, "escalation")] == 1
        assert counts[key(promise, "heads_up")] == 0  # stale: the nudge replaced it
    assert sum(counts.values()) == 10
    # the escalation knows the nudge went out (just now), not "not reached yet"
    text = message_text(the_message(fake_slack, key(promises[0], "escalation")))
    assert "was nudged" in text


# ---------------------------------------------------------------------------- updating old DMs


def test_closing_rewrites_what_was_sent_through_the_outbox(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    supervise(runtime)
    deadline = DEFAULT_NOW + timedelta(hours=3)
    promise = make_promise(runtime, deadline=deadline)
    other = make_promise(runtime, deadline=deadline, description="refund order 1182")
    for moment in (deadline - timedelta(hours=1), deadline, deadline + timedelta(hours=24)):
        clock.set(moment)
        passes(runtime, 1)
    with runtime.sessions.begin() as session:
        who = acting(session, TEAM, LEAD, fetch=None, admins=frozenset(), now=runtime.now())
        flows.close(session, who, promise_id=promise.id, outcome=Status.KEPT, note="called her")
    before = len(fake_slack.calls("chat.update"))
    result = run_pass(runtime)
    assert result.sent == 2  # the rewrite, and the owner told the supervisor closed it
    # heads-up, nudge, escalation rewritten
    assert len(fake_slack.calls("chat.update")) - before == 3
    for step in ("heads_up", "nudge", "escalation"):
        message = the_message(fake_slack, key(promise, step))
        assert "edited" in message
        assert action_ids(message) == []  # the buttons are gone
        assert "Kept" in message_text(message) and "called her" in message_text(message)
    assert "edited" not in the_message(fake_slack, key(other, "nudge"))
    assert action_ids(the_message(fake_slack, key(other, "nudge")))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _nudged_over_http(bot: BotServer, clock: Clock) -> tuple[Promise, dict[str, Any]]:
    deadline = DEFAULT_NOW + timedelta(hours=2)
    reply = bot.command(f"call Jane Doe back about the supervisor role by {_iso(deadline)}")
    assert "hold you to this" in message_text(reply), message_text(reply)
    with bot.runtime.sessions() as session:
        promise = session.scalars(select(Promise)).one()
    assert promise.deadline == deadline
    clock.set(deadline + timedelta(minutes=5))
    passes(bot.runtime)
    return promise, the_message(bot.fake, key(promise, "nudge"))


def test_closing_with_the_command_updates_the_nudge_in_place(bot: BotServer, clock: Clock) -> None:
    promise, nudge = _nudged_over_http(bot, clock)
    assert action_ids(nudge)
    bot.command(f"done {promise.id} called her back")
    updates = bot.fake.wait_for(
        "chat.update", where=lambda c: c.ok and c.params.get("ts") == nudge["ts"]
    )
    assert updates[0].params["channel"] == nudge["channel"]
    after = bot.fake.message(nudge["channel"], nudge["ts"])
    assert after is not None and action_ids(after) == []
    assert "Kept" in message_text(after)
    clock.advance(days=2)
    passes(bot.runtime)
    assert key(promise, "escalation") not in key_counts(bot.fake)


def test_extending_with_the_command_marks_the_old_nudge_out_of_date(
    bot: BotServer, clock: Clock
) -> None:
    promise, nudge = _nudged_over_http(bot, clock)
    new_deadline = DEFAULT_NOW + timedelta(days=2)
    bot.command(f"extend {promise.id} {_iso(new_deadline)}")
    bot.fake.wait_for("chat.update", where=lambda c: c.ok and c.params.get("ts") == nudge["ts"])
    after = bot.fake.message(nudge["channel"], nudge["ts"])
    assert after is not None and action_ids(after) == []
    assert format_deadline(new_deadline, "America/Los_Angeles", now=clock()) in message_text(after)
    clock.set(new_deadline)
    passes(bot.runtime)
    bot.settle()  # the bot's own sender, woken by the extension, may be the one sending it
    assert key_counts(bot.fake)[key(promise, "nudge", 2)] == 1
