"""Noticing promises where they are made (SPEC §2.5), through signed `message` events and
slash commands, with the fake Slack sending events as Slack does; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.slack.messages import noticing as blocks
from bot.store.models import Base, Promise, PromiseEvent, Suggestion
from scheduler.passes import run_pass
from tests.conftest import ADMIN, OTHER, OWNER, TEAM, BotServer, Clock, message_text
from tests.slackreq import (
    app_home_opened_event,
    block_action_payload,
    event_body,
    message_im_event,
    view_submission_payload,
)
from tests.test_scheduler import action_ids, key, the_message

SALES = "C0SALES"
PRIVATE = "G0HIRING"
SHARED = "C0GLOBEX"
GLOBEX = "T0GLOBEX"
CUSTOMER = "U0GLOBEXSAM"  # a member of the other organisation


@pytest.fixture
def channels(bot: BotServer) -> BotServer:
    fake = bot.fake
    fake.add_channel(SALES, name="sales", members=(OWNER, OTHER))
    fake.add_channel(PRIVATE, name="hiring", private=True, members=(OWNER, OTHER))
    fake.add_team(GLOBEX, "Globex Corp")
    fake.add_user(CUSTOMER, name="sam.globex", team_id=GLOBEX, tz="Europe/London")
    fake.add_channel(SHARED, name="globex-kept", members=(OWNER, CUSTOMER), shared_with=GLOBEX)
    return bot


def post_event(bot: BotServer, event: dict[str, Any], *, shared: bool = False) -> None:
    body = json.loads(event_body(event, team_id=TEAM))
    body["is_ext_shared_channel"] = shared
    reply = bot.post(json.dumps(body).encode(), content_type="application/json")
    assert reply.status == 200
    assert reply.elapsed < 3.0


def watch(bot: BotServer, channel: str, words: str = "", user: str = OWNER) -> str:
    answer = bot.command(f"watch {words}".strip(), channel=channel, user=user)
    return message_text(answer)


def suggestions(bot: BotServer, user: str = OWNER) -> list[Any]:
    return [c for c in bot.fake.calls("chat.postEphemeral") if c.params.get("user") == user]


def wait_suggestion(bot: BotServer, count: int = 1) -> list[Any]:
    calls = bot.fake.wait_for(
        "chat.postEphemeral",
        count=count,
        where=lambda c: c.ok and "Sounds like a promise" in message_text(c.params),
    )
    return [c.params for c in calls]


def button(suggestion: dict[str, Any], action_id: str) -> dict[str, Any]:
    for block in suggestion["blocks"]:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button")


def button_row(suggestion: dict[str, Any]) -> list[dict[str, Any]]:
    [row] = [b for b in suggestion["blocks"] if b["type"] == "actions"]
    return list(row["elements"])


def press(bot: BotServer, suggestion: dict[str, Any], action_id: str, key: str) -> None:
    """Press a button on an ephemeral message: Slack echoes no message, only its place."""
    payload = block_action_payload(
        action_id=action_id,
        value=button(suggestion, action_id)["value"],
        user_id=OWNER,
        team_id=TEAM,
        channel_id=suggestion["channel"],
        response_url=bot.fake.response_url(key),
        block_id="suggestion",
    )
    payload["container"]["is_ephemeral"] = True
    payload.pop("message", None)
    reply = bot.interact(payload)
    assert reply.status == 200


def promises(bot: BotServer) -> list[Promise]:
    with bot.runtime.readers() as session:
        return list(session.scalars(select(Promise).order_by(Promise.id)))


def announcements(bot: BotServer, channel: str) -> list[str]:
    return [
        message_text(c.params)
        for c in bot.fake.calls("chat.postMessage")
        if c.ok and c.params.get("channel") == channel
    ]


# ---------------------------------------------------------------------------- watching


def test_watch_joins_a_public_channel_and_says_so_in_it(channels: BotServer) -> None:
    bot = channels
    assert OWNER in bot.fake.channel_members(SALES)
    reply = watch(bot, SALES)
    assert "now notices promises" in reply
    assert "U0KEPTBOT" in bot.fake.channel_members(SALES)  # conversations.join
    bot.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == SALES)
    [line] = announcements(bot, SALES)
    assert f"<@{OWNER}>" in line and "Nothing is stored" in line and "/promise watch off" in line
    # again: nothing changes, nothing more is announced
    assert "already notices" in watch(bot, SALES, user=OTHER)
    # anyone in the channel can stop it; the channel is told once
    assert "stopped noticing" in watch(bot, SALES, "off", user=OTHER)
    bot.fake.wait_for("chat.postMessage", count=2, where=lambda c: c.params.get("channel") == SALES)
    bot.settle()
    lines = announcements(bot, SALES)
    assert len(lines) == 2 and "turned off" in lines[1] and f"<@{OTHER}>" in lines[1]


def test_a_private_channel_must_invite_kept_first(channels: BotServer) -> None:
    bot = channels
    reply = watch(bot, PRIVATE)
    assert "isn't a member" in reply and "/invite @Kept" in reply
    assert [c.response["error"] for c in bot.fake.calls("conversations.join")] == [
        "method_not_supported_for_channel_type"
    ]
    bot.settle()
    assert announcements(bot, PRIVATE) == []
    bot.fake.add_channel(PRIVATE, private=True, members=(OWNER, OTHER), kept_member=True)
    assert "now notices promises" in watch(bot, PRIVATE)


def test_watch_is_refused_outside_channels_and_explained_with_bad_words(
    channels: BotServer,
) -> None:
    bot = channels
    assert "channels only" in watch(bot, "D0OWNER")
    assert "`/promise watch off`" in watch(bot, SALES, "sideways")
    bot.fake.add_channel("C0OLD", archived=True)
    assert "archived" in watch(bot, "C0OLD")


def test_channel_command_and_home_show_watched_channels(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    watch(bot, SHARED)
    shown = message_text(bot.command("channel show", channel=SALES, user=ADMIN))
    assert "Noticing promises here:* on" in shown and f"<@{OWNER}>" in shown
    assert "Watched channels (2)" in shown and "shared with Globex Corp" in shown
    assert "off (`/promise watch`" in message_text(
        bot.command("channel show", channel=PRIVATE, user=ADMIN)
    )
    post_event(bot, app_home_opened_event(ADMIN))
    [call] = bot.fake.wait_for("views.publish", where=lambda c: c.params.get("user_id") == ADMIN)
    home = message_text({"blocks": call.params["view"]["blocks"]})
    assert "Watched channels (2)" in home


# ---------------------------------------------------------------------------- suggestions


def test_a_promise_in_a_watched_channel_is_suggested_to_its_author_alone(
    channels: BotServer,
) -> None:
    bot = channels
    watch(bot, SALES)
    started = time.monotonic()
    post_event(
        bot,
        bot.fake.post_as(SALES, OWNER, "Thanks Dana! I'll send you the revised quote by Friday."),
    )
    [shown] = wait_suggestion(bot)
    assert time.monotonic() - started < 1.0  # within a second
    assert shown["user"] == OWNER and shown["channel"] == SALES and not shown.get("thread_ts")
    words = message_text(shown)
    assert "send Dana the revised quote" in words
    assert "Dana" in words and "Fri 27 Nov, 17:00 PST" in words
    assert {"Track it", "Edit…", "Not a promise"} <= {
        e["text"]["text"]
        for b in shown["blocks"]
        for e in b.get("elements") or []
        if e.get("type") == "button"
    }
    bot.settle()
    assert len(suggestions(bot)) == 1 and suggestions(bot, OTHER) == []


def test_no_date_said_takes_the_default_answer_time_marked_as_such(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll get back to you on the discount"))
    [shown] = wait_suggestion(bot)
    words = message_text(shown)
    # Wednesday 10:00 PST + 2 working days = the end of Friday's working day (as /promise
    # reads "within 2 working days")
    assert "Fri 27 Nov, 17:00 PST" in words and "no date said" in words


def test_in_a_thread_the_suggestion_is_in_the_thread(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    parent = bot.fake.post_as(SALES, OTHER, "Can someone send Acme the security questionnaire?")
    post_event(bot, parent)
    reply = bot.fake.post_as(SALES, OWNER, "Sure, will do by tomorrow", thread_ts=parent["ts"])
    post_event(bot, reply)
    [shown] = wait_suggestion(bot)
    assert shown["thread_ts"] == parent["ts"]
    assert "what you agreed to above" in message_text(shown)
    labels = [e["text"]["text"] for e in button_row(shown)]
    assert labels == ["Edit…", "Not a promise", "Stop suggesting to me"]  # no what to track
    bot.settle()
    assert suggestions(bot, OTHER) == []  # the question was no promise


@pytest.mark.parametrize(
    "words",
    [
        "Can you send me the revised quote by Friday?",
        "Jess will send you the contract tomorrow",
        "I sent the revised quote this morning",
        "If legal approves I'll send the redlines tomorrow",
        "I'll be out Friday afternoon for a dentist appointment",
        "I'll be honest, I don't think they're going to sign",
        "> I'll send the contract by Friday\nthat's what they told us",
        "Sure, I'll have the whole backlog done by tomorrow :upside_down_face:",
        "Reminder: pipeline review tomorrow at 10am",
        "The contract renews on March 1",
    ],
)
def test_hard_negatives_are_not_suggested(channels: BotServer, words: str) -> None:
    bot = channels
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, words))
    bot.settle()
    assert suggestions(bot) == []


def test_bots_deletions_unwatched_channels_and_edits_that_add_nothing_are_ignored(
    channels: BotServer,
) -> None:
    bot = channels
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send the deck by Friday"))  # unwatched
    watch(bot, SALES)
    post_event(bot, bot.fake.bot_post(SALES, "I'll send the deck by Friday"))
    own = bot.fake.post_as(SALES, OWNER, "I'll send the deck by Friday")
    own.update({"user": "U0KEPTBOT", "bot_id": "B0KEPT"})
    post_event(bot, own)
    slackbot = bot.fake.post_as(SALES, OWNER, "I'll send the deck by Friday")
    slackbot["user"] = "USLACKBOT"
    post_event(bot, slackbot)
    bot.settle()
    assert suggestions(bot) == []
    # a promise, suggested once; fixing a typo in it is not a new suggestion, nor deleting it
    first = bot.fake.post_as(SALES, OWNER, "I'll send Acme the deck by Friday")
    post_event(bot, first)
    wait_suggestion(bot)
    post_event(bot, bot.fake.edit_as(SALES, first["ts"], "I'll send Acme the new deck by Friday"))
    post_event(bot, bot.fake.delete_as(SALES, first["ts"]))
    bot.settle()
    assert len(suggestions(bot)) == 1


def test_an_edit_that_makes_a_promise_is_noticed_once(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    first = bot.fake.post_as(SALES, OWNER, "Looking at the Acme quote now")
    post_event(bot, first)
    bot.settle()
    assert suggestions(bot) == []
    post_event(
        bot,
        bot.fake.edit_as(SALES, first["ts"], "Looking at it, I'll send Acme the quote by Friday"),
    )
    wait_suggestion(bot)
    post_event(
        bot,
        bot.fake.edit_as(SALES, first["ts"], "Looking at it, I'll send Acme the quote by Thursday"),
    )
    bot.settle()
    assert len(suggestions(bot)) == 1


def test_the_other_organisation_in_a_shared_channel_is_the_counterpart_not_a_suggestion(
    channels: BotServer,
) -> None:
    bot = channels
    reply = watch(bot, SHARED)
    assert "Globex Corp" in reply
    assert [c.params.get("team") for c in bot.fake.calls("team.info")] == [GLOBEX]
    # the customer's own commitment is theirs: never suggested
    post_event(
        bot, bot.fake.post_as(SHARED, CUSTOMER, "We'll sign the order form by Friday"), shared=True
    )
    bot.settle()
    assert suggestions(bot, CUSTOMER) == []
    # ours, to the reader: the counterpart is Globex
    post_event(
        bot,
        bot.fake.post_as(SHARED, OWNER, "We'll have the data export ready for you tomorrow"),
        shared=True,
    )
    [shown] = wait_suggestion(bot)
    assert "Globex Corp" in message_text(shown)
    press(bot, shown, blocks.TRACK_IT, "track")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "track")
    [promise] = promises(bot)
    assert promise.counterpart == "Globex Corp" and promise.counterpart_kind == "customer"
    assert promise.description == "have the data export ready for Globex Corp"


# ---------------------------------------------------------------------------- the buttons


def test_track_it_records_once_linked_to_the_message(channels: BotServer, clock: Clock) -> None:
    bot = channels
    watch(bot, SALES)
    said = bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday 3pm")
    post_event(bot, said)
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.TRACK_IT, "t1")
    [answer] = [
        c.params
        for c in bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t1")
    ]
    assert answer.get("replace_original") in (True, "true")
    [promise] = promises(bot)
    assert promise.owner_id == OWNER and promise.description == "send Acme the revised quote"
    assert promise.counterpart == "Acme" and promise.source_channel_id == SALES
    assert promise.source_message_ts == said["ts"]
    assert promise.permalink and said["ts"].replace(".", "") in promise.permalink
    assert promise.deadline == clock().replace(hour=23, minute=0) + timedelta(
        days=2
    )  # Fri 15:00 PST
    # pressed again (the ephemeral still shows): still one promise
    press(bot, shown, blocks.TRACK_IT, "t2")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t2")
    assert len(promises(bot)) == 1
    assert bot.runtime.metrics.suggestions.labels(team=TEAM, outcome="tracked")._value.get() == 1


def test_edit_opens_the_new_promise_form_prefilled(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday"))
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.EDIT_IT, "e1")
    [call] = bot.fake.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "new_promise"
    assert "send Acme the revised quote" in json.dumps(view)
    meta = json.loads(view["private_metadata"])
    assert meta["channel_id"] == SALES and meta["permalink"]
    assert promises(bot) == []  # nothing until the form is saved


def test_not_a_promise_and_stop_suggesting(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday"))
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.NOT_A_PROMISE, "n1")
    [answer] = [
        c.params
        for c in bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "n1")
    ]
    assert "not a promise" in message_text(answer)
    assert promises(bot) == []
    assert bot.runtime.metrics.suggestions.labels(team=TEAM, outcome="dismissed")._value.get() == 1
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll call Marcus back by Thursday"))
    [_, second] = wait_suggestion(bot, 2)
    press(bot, second, blocks.MUTE_ME, "m1")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "m1")
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll email Jordan the schedule by Friday"))
    bot.settle()
    assert len(suggestions(bot)) == 2


def test_watch_me_off_and_on(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    assert "won't suggest" in watch(bot, SALES, "me off")
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday"))
    bot.settle()
    assert suggestions(bot) == []
    assert "will suggest" in watch(bot, SALES, "me on")
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the contract by Friday"))
    wait_suggestion(bot)


def test_a_few_suggestions_per_person_per_hour(channels: BotServer, clock: Clock) -> None:
    bot = channels
    watch(bot, SALES)
    for n in range(6):
        post_event(bot, bot.fake.post_as(SALES, OWNER, f"I'll send Acme quote {n + 1} by Friday"))
    bot.settle()
    assert len(suggestions(bot)) == 4
    clock.advance(hours=1, minutes=1)
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the final quote by Friday"))
    wait_suggestion(bot, 5)


# ---------------------------------------------------------------------------- privacy


def test_nothing_of_an_untracked_message_is_stored_or_logged(
    channels: BotServer, caplog: pytest.LogCaptureFixture
) -> None:
    bot = channels
    secret = "Zanzibar-quote-7781"
    caplog.set_level(logging.DEBUG)
    # as `kept run` sets it (bot.cli.logs): slack_sdk's own DEBUG lines print request bodies
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, f"I'll send Acme the {secret} by Friday"))
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.NOT_A_PROMISE, "n1")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "n1")
    post_event(bot, bot.fake.post_as(SALES, OWNER, f"Chatting about {secret} with the team"))
    bot.settle()
    found = []
    with bot.runtime.readers() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                if secret in repr(tuple(row)):
                    found.append(table.name)
        [suggestion] = session.scalars(select(Suggestion))
        assert len(suggestion.fingerprint) == 64 and suggestion.outcome == "dismissed"
        assert session.execute(text("SELECT count(*) FROM handled_requests")).scalar_one() >= 1
    assert found == []
    assert not [r for r in caplog.records if secret in r.getMessage()]
    assert secret.encode() not in bot.runtime.metrics.render()


# ---------------------------------------------------------------------------- Slack Connect


def test_a_nudge_for_a_shared_channel_promise_posts_an_update_in_its_thread(
    channels: BotServer, clock: Clock
) -> None:
    bot = channels
    watch(bot, SHARED)
    said = bot.fake.post_as(SHARED, OWNER, "We'll send you the security questionnaire by 3pm")
    post_event(bot, said, shared=True)
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.TRACK_IT, "t")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t")
    [promise] = promises(bot)
    clock.set(promise.deadline + timedelta(minutes=5))
    run_pass(bot.runtime)
    nudge = the_message(bot.fake, key(promise, "nudge"))
    assert blocks.POST_UPDATE in action_ids(nudge)
    reply = bot.interact(
        block_action_payload(
            action_id=blocks.POST_UPDATE,
            value=str(promise.id),
            user_id=OWNER,
            team_id=TEAM,
            channel_id=nudge["channel"],
            message_ts=nudge["ts"],
            message=nudge,
            response_url=bot.fake.response_url("pu"),
            block_id=f"promise_{promise.id}",
        )
    )
    assert reply.status == 200
    [opened] = bot.fake.wait_for("views.open")
    form = opened.params["view"]
    draft = next(b for b in form["blocks"] if b.get("block_id") == "update")["element"]
    assert "sorry" in draft["initial_value"] and "You'll have it by" in draft["initial_value"]
    edited = "Sorry Globex, the questionnaire slipped: you'll have it Monday 10am."
    submitted = bot.interact(
        view_submission_payload(
            callback_id=blocks.POST_UPDATE_VIEW,
            values={"update": {"value": {"type": "plain_text_input", "value": edited}}},
            user_id=OWNER,
            team_id=TEAM,
            private_metadata=form["private_metadata"],
        )
    )
    assert submitted.status == 200 and not submitted.body
    [posted] = bot.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.ok and c.params.get("channel") == SHARED and c.params.get("thread_ts") == said["ts"]
        ),
    )
    assert "the questionnaire slipped" in message_text(posted.params)
    assert "— Olivia Owner" in message_text(posted.params)
    with bot.runtime.readers() as session:
        kinds = [
            e.kind
            for e in session.scalars(
                select(PromiseEvent).where(PromiseEvent.promise_id == promise.id)
            )
        ]
    assert "update_posted" in kinds
    # closing the promise rewrites its reminders, never the update the customer read
    bot.command(f"done {promise.id}", channel=SALES)
    bot.settle()
    assert not [c for c in bot.fake.calls("chat.update") if c.params.get("channel") == SHARED]


def test_a_thread_reply_also_sent_to_the_channel_is_read_and_watch_in_a_dm_is_explained(
    channels: BotServer,
) -> None:
    bot = channels
    watch(bot, SALES)
    parent = bot.fake.post_as(SALES, OTHER, "Acme asked about the SOC 2 report")
    broadcast = bot.fake.post_as(
        SALES, OWNER, "I'll send Acme the SOC 2 report by Friday", thread_ts=parent["ts"]
    )
    broadcast["subtype"] = "thread_broadcast"
    post_event(bot, broadcast)
    [shown] = wait_suggestion(bot)
    assert shown["thread_ts"] == parent["ts"]
    post_event(bot, message_im_event(OWNER, "watch"))
    [answer] = bot.fake.wait_for(  # a DM's answer goes through the outbox, to the person
        "chat.postMessage",
        where=lambda c: c.ok and c.params.get("channel") in {"D0OWNER", OWNER},
    )
    assert "in the channel itself" in message_text(answer.params)
    assert promises(bot) == []


def test_kept_forget_erases_a_person_from_noticing(channels: BotServer) -> None:
    from bot.ops.forget import forget

    bot = channels
    watch(bot, SALES)
    watch(bot, SALES, "me off", user=OTHER)
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday"))
    wait_suggestion(bot)
    with bot.runtime.sessions.begin() as session:
        forget(session, OWNER)
        forget(session, OTHER)
    with bot.runtime.readers() as session:
        for table in ("suggestions", "suggestion_opt_outs", "watched_channels", "watch_changes"):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert not [r for r in rows if OWNER in repr(r) or OTHER in repr(r)], table


def test_the_default_answer_time_is_a_channel_setting_for_admins(channels: BotServer) -> None:
    bot = channels
    assert "isn't watching" in watch(bot, SALES, "answer 3", user=ADMIN)
    watch(bot, SALES)
    assert "Only workspace admins" in watch(bot, SALES, "answer 3")
    assert "1 to 20" in watch(bot, SALES, "answer soon", user=ADMIN)
    assert "3 working days on" in watch(bot, SALES, "answer 3", user=ADMIN)
    assert "means 3 working days" in message_text(
        bot.command("channel show", channel=SALES, user=ADMIN)
    )
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll get back to you on the discount"))
    [shown] = wait_suggestion(bot)
    # Wednesday + 3 working days = Monday, end of the working day
    assert "Mon 30 Nov, 17:00 PST" in message_text(shown)
    assert "this channel's default, 3 working days" in message_text(shown)


def test_not_a_promise_after_track_it_keeps_the_promise(channels: BotServer) -> None:
    bot = channels
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday"))
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.TRACK_IT, "t")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t")
    press(bot, shown, blocks.NOT_A_PROMISE, "n")
    [answer] = bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "n")
    assert "already tracked" in message_text(answer.params)
    assert len(promises(bot)) == 1
    dismissed = bot.runtime.metrics.suggestions.labels(team=TEAM, outcome="dismissed")
    assert dismissed._value.get() == 0


def test_mentions_read_as_names_and_slack_connect_known_from_the_event(
    channels: BotServer,
) -> None:
    bot = channels
    # a private shared channel Kept was invited to: Slack's envelope says it is shared
    bot.fake.add_channel(
        "G0AGENCY", private=True, members=(OWNER,), kept_member=True, shared_with=GLOBEX
    )
    watch(bot, "G0AGENCY")
    said = bot.fake.post_as(
        "G0AGENCY", OWNER, f"<@{OTHER}> and I will send you the shortlist by Friday"
    )
    post_event(bot, said, shared=True)
    [shown] = wait_suggestion(bot)
    words = message_text(shown)
    assert "the other organisation" in words
    watch(bot, SALES)
    post_event(bot, bot.fake.post_as(SALES, OWNER, f"I'll send <@{OTHER}> the deck by Friday"))
    [_, second] = wait_suggestion(bot, 2)
    assert "send @Otto Other the deck" in message_text(second)


def test_an_update_posted_for_a_cadence_promise_is_its_check_in(
    channels: BotServer, clock: Clock
) -> None:
    bot = channels
    watch(bot, SHARED)
    said = bot.fake.post_as(SHARED, OWNER, "I'll keep you posted every Friday until go-live")
    post_event(bot, said, shared=True)
    [shown] = wait_suggestion(bot)
    assert "every Friday" in message_text(shown)
    press(bot, shown, blocks.TRACK_IT, "t")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t")
    [promise] = promises(bot)
    assert promise.is_cadence and promise.counterpart == "Globex Corp"
    clock.set(promise.deadline + timedelta(minutes=5))
    run_pass(bot.runtime)
    nudge = the_message(bot.fake, key(promise, "nudge"))
    assert blocks.POST_UPDATE in action_ids(nudge)
    form_meta = json.dumps({"promise_id": promise.id})
    reply = bot.interact(
        view_submission_payload(
            callback_id=blocks.POST_UPDATE_VIEW,
            values={"update": {"value": {"type": "plain_text_input", "value": "On track."}}},
            user_id=OWNER,
            team_id=TEAM,
            private_metadata=form_meta,
        )
    )
    assert reply.status == 200 and not reply.body, reply.body
    bot.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.ok and c.params.get("channel") == SHARED and c.params.get("thread_ts") == said["ts"]
        ),
    )
    with bot.runtime.readers() as session:
        history = select(PromiseEvent.kind).where(PromiseEvent.promise_id == promise.id)
        kinds = list(session.scalars(history))
        again = session.get(Promise, promise.id)
    assert "update_posted" in kinds and len(kinds) >= 3  # created, posted, the check-in
    assert again is not None and again.deadline_version == 2  # the next check-in is planned


def test_an_update_slack_was_slow_to_confirm_is_found_in_the_thread_not_posted_twice(
    channels: BotServer, clock: Clock
) -> None:
    from bot.store.models import Delivery, Step

    bot = channels
    watch(bot, SHARED)
    said = bot.fake.post_as(SHARED, OWNER, "We'll send you the pilot data by 3pm")
    post_event(bot, said, shared=True)
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.TRACK_IT, "t")
    bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t")
    [promise] = promises(bot)
    bot.settle()
    # Slack posts it but answers after the bot gave up waiting (3 s)
    bot.fake.fail_next("chat.postMessage", status=200, delay=3.6)
    reply = bot.interact(
        view_submission_payload(
            callback_id=blocks.POST_UPDATE_VIEW,
            values={"update": {"value": {"type": "plain_text_input", "value": "Friday now."}}},
            user_id=OWNER,
            team_id=TEAM,
            private_metadata=json.dumps({"promise_id": promise.id}),
        )
    )
    assert reply.status == 200 and not reply.body, reply.body
    stored = None
    for _ in range(100):
        with bot.runtime.readers() as session:
            stored = session.scalars(
                select(Delivery).where(Delivery.step == Step.CHANNEL_UPDATE)
            ).first()
        if stored is not None and stored.uncertain:
            break
        time.sleep(0.1)
    assert stored is not None and stored.uncertain
    clock.set(stored.due_at)
    run_pass(bot.runtime)
    in_thread = [
        c
        for c in bot.fake.calls("chat.postMessage")
        if c.params.get("channel") == SHARED and c.params.get("thread_ts") == said["ts"]
    ]
    assert len(in_thread) == 1  # the slow one, found again by its metadata
    assert bot.fake.calls("conversations.replies")
    with bot.runtime.readers() as session:
        assert session.get(Delivery, stored.id).status == "sent"  # type: ignore[union-attr]


def test_edit_saved_then_track_it_is_still_one_promise(channels: BotServer) -> None:
    from tests.test_capture import form_values, future, submit

    bot = channels
    watch(bot, SALES)
    said = bot.fake.post_as(SALES, OWNER, "I'll send Acme the revised quote by Friday")
    post_event(bot, said)
    [shown] = wait_suggestion(bot)
    press(bot, shown, blocks.EDIT_IT, "e")
    [opened] = bot.fake.wait_for("views.open")
    meta = json.loads(opened.params["view"]["private_metadata"])
    submit(
        bot,
        form_values(description="send Acme the revised quote (v2)", deadline=future(bot)),
        metadata=meta,
    )
    [promise] = promises(bot)
    assert promise.source_message_ts == said["ts"] and promise.permalink
    press(bot, shown, blocks.TRACK_IT, "t")
    [answer] = bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "t")
    assert "already tracked" in message_text(answer.params)
    press(bot, shown, blocks.EDIT_IT, "e2")
    [again] = bot.fake.wait_for("response_url", where=lambda c: c.params.get("_key") == "e2")
    assert "already tracked" in message_text(again.params)
    assert len(promises(bot)) == 1
