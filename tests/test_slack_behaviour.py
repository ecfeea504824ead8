"""Kept behaving like a Slack app against a fake as strict as Slack (issue 9, findings 1, 2,
3, 4, 5 and 7). Signed HTTP to the bot, the fake Slack over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.slack import messages as blocks
from bot.store.models import Delivery, Person, Promise
from scheduler.passes import run_pass
from tests.conftest import ADMIN, LEAD, OTHER, OWNER, TEAM, BotServer, Clock, message_text
from tests.slackreq import (
    app_rate_limited_body,
    app_uninstalled_event,
    block_action_payload,
    event_body,
    message_im_event,
    message_shortcut_payload,
    new_trigger_id,
    tokens_revoked_event,
)
from tests.test_scheduler import key, make_promise

BOT_USER = "U0OTHERBOT"  # another app's bot user
GONE = "U0GONE"  # a deactivated member


def stored_promises(bot: BotServer) -> list[Promise]:
    with bot.runtime.readers() as session:
        return list(session.scalars(select(Promise).order_by(Promise.id)))


def post_event(bot: BotServer, event: dict[str, Any]) -> int:
    reply = bot.post(event_body(event, team_id=TEAM), content_type="application/json")
    return reply.status


# ---------------------------------------------------------------- 1. missing scope


def test_an_admin_listed_by_e_mail_is_recognised_with_the_manifests_scopes(
    bot: BotServer,
) -> None:
    """users.info only shows profile.email with users:read.email, which manifest.yml now asks
    for: an admin listed in KEPT_ADMINS by e-mail can set a supervisor."""
    assert "users:read.email" in bot.fake.scopes()
    bot.fake.add_user(OTHER, name="otto", email="otto@example.com", tz="America/Chicago")
    reply = _command_as(bot, f"supervisor <@{OWNER}> <@{LEAD}>", OTHER, admins={"otto@example.com"})
    assert "Only workspace admins" not in message_text(reply), message_text(reply)
    with bot.runtime.readers() as session:
        owner = session.get(Person, (TEAM, OWNER))
    assert owner is not None and owner.supervisor_id == LEAD


def _command_as(bot: BotServer, text: str, user: str, *, admins: set[str]) -> dict[str, Any]:
    """Run `/promise text` through a bot whose KEPT_ADMINS is `admins` (same database)."""
    import contextlib
    import threading

    import waitress

    from bot.app import create_app
    from bot.slack.web import KeptWSGI
    from tests.conftest import make_runtime

    runtime = make_runtime(bot.runtime, admins=frozenset(admins))
    app = create_app(runtime)
    server = waitress.create_server(KeptWSGI(app, runtime), host="127.0.0.1", port=0, threads=2)

    def serve() -> None:
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        port = server.effective_port  # type: ignore[union-attr]
        other = BotServer(
            url=f"http://127.0.0.1:{port}/slack/events", fake=bot.fake, runtime=runtime
        )
        return other.command(text, user=user)
    finally:
        server.close()
        thread.join(timeout=5)
        app.listener_runner.listener_executor.shutdown(wait=True)


def test_without_users_read_email_the_fake_hides_e_mails_like_slack(bot: BotServer) -> None:
    bot.fake.set_scopes(bot.fake.scopes() - {"users:read.email"})
    user = bot.runtime.fetch_user(OWNER)
    assert user is not None and "email" not in user["profile"]
    from slack_sdk.errors import SlackApiError

    try:
        bot.runtime.client.users_lookupByEmail(email="ada@example.com")
    except SlackApiError as error:
        assert error.response["error"] == "missing_scope"
        assert error.response["needed"] == "users:read.email"
    else:
        raise AssertionError("users.lookupByEmail worked without users:read.email")


# ---------------------------------------------------------------- 2. escaping


def test_ampersands_and_brackets_are_decoded_once_and_escaped_once(bot: BotServer) -> None:
    reply = bot.command("send Acme & Co the <revised> quote by tomorrow")
    text = message_text(reply)
    assert "Acme &amp; Co" in text and "&amp;amp;" not in text
    assert "&lt;revised&gt;" in text and "&amp;lt;" not in text
    [promise] = stored_promises(bot)
    assert promise.description == "send Acme & Co the <revised> quote"
    assert promise.counterpart == "Acme & Co"


def test_mentions_in_a_promise_are_stored_readably(bot: BotServer) -> None:
    bot.runtime.warm_person(TEAM, LEAD)
    bot.command(f"send <@{LEAD}> the notes from the call by tomorrow")
    [promise] = stored_promises(bot)
    assert "<@" not in promise.description
    assert "@Lena Lead" in promise.description


def test_the_shortcut_form_shows_the_message_as_people_read_it(bot: BotServer) -> None:
    payload = message_shortcut_payload(
        callback_id=blocks.TRACK_SHORTCUT,
        user_id=OWNER,
        message_text=(
            f"Sure & thanks <@{LEAD}>, I'll send <https://acme.example/q|the quote> Friday"
        ),
        message_user=LEAD,
        team_id=TEAM,
    )
    assert bot.interact(payload).status == 200
    [opened] = bot.fake.wait_for("views.open")
    values = [
        b["element"].get("initial_value")
        for b in opened.params["view"]["blocks"]
        if b.get("type") == "input" and b["element"].get("initial_value")
    ]
    description = values[0]
    assert description.startswith("Sure & thanks @Lena Lead, I'll send")
    assert "the quote (https://acme.example/q)" in description
    assert "&amp;" not in description and "<@" not in description


# ---------------------------------------------------------------- 3. Home-tab buttons


def _press_on_home(bot: BotServer, action_id: str, promise_id: int, user: str) -> None:
    payload = block_action_payload(
        action_id=action_id,
        value=str(promise_id),
        user_id=user,
        team_id=TEAM,
        view={"id": "VHOME1", "type": "home"},
        block_id=f"promise_{promise_id}",
    )
    assert "response_url" not in payload
    assert bot.interact(payload).status == 200


def _published_notice(bot: BotServer, user: str, needle: str) -> str:
    calls = bot.fake.wait_for(
        "views.publish",
        timeout=5,
        where=lambda c: (
            c.ok
            and c.params.get("user_id") == user
            and needle in message_text({"blocks": c.params["view"]["blocks"]})
        ),
    )
    return message_text({"blocks": calls[-1].params["view"]["blocks"]})


def test_kept_on_the_home_tab_for_a_closed_promise_says_so_on_the_tab(
    bot: BotServer, clock: Clock
) -> None:
    promise = make_promise(bot.runtime, deadline=clock() + timedelta(hours=2))
    bot.command(f"done {promise.id}")
    bot.fake.clear()
    _press_on_home(bot, blocks.KEPT, promise.id, OWNER)
    shown = _published_notice(bot, OWNER, "already")
    assert "Your promises" in shown  # the tab itself, with the answer on top
    assert not any(c.method == "response_url" for c in bot.fake.calls())


def test_hand_off_on_the_home_tab_for_a_closed_promise_is_answered(
    bot: BotServer, clock: Clock
) -> None:
    promise = make_promise(bot.runtime, deadline=clock() + timedelta(hours=2))
    bot.command(f"cancel {promise.id}")
    bot.fake.clear()
    _press_on_home(bot, blocks.HAND_OFF, promise.id, OWNER)
    _published_notice(bot, OWNER, "already")
    assert bot.fake.calls("views.open") == []


def test_kept_on_the_home_tab_closes_it_and_the_tab_shows_it(bot: BotServer, clock: Clock) -> None:
    from tests.slackreq import app_home_opened_event

    promise = make_promise(bot.runtime, deadline=clock() + timedelta(hours=2))
    assert post_event(bot, app_home_opened_event(OWNER)) == 200
    _published_notice(bot, OWNER, "call Jane Doe back")
    _press_on_home(bot, blocks.KEPT, promise.id, OWNER)
    _published_notice(bot, OWNER, "Nothing open")  # the tab refreshed: it's gone from it
    assert stored_promises(bot)[0].status == "kept"


# ---------------------------------------------------------------- 4. every event gets 200


def test_events_kept_does_not_act_on_still_get_200(bot: BotServer) -> None:
    assert post_event(bot, {"type": "channel_created", "channel": {"id": "C9"}}) == 200
    assert post_event(bot, {"type": "user_change", "user": {"id": OWNER}}) == 200
    reply = bot.post(app_rate_limited_body(team_id=TEAM), content_type="application/json")
    assert reply.status == 200


def test_uninstalling_pauses_deliveries_until_the_workspace_is_back(
    bot: BotServer, clock: Clock
) -> None:
    promise = make_promise(bot.runtime, deadline=clock() + timedelta(minutes=30))
    bot.command("help")  # Kept has seen the workspace active
    bot.fake.revoke()
    assert post_event(bot, app_uninstalled_event()) == 200
    assert post_event(bot, tokens_revoked_event()) == 200
    clock.advance(hours=1)
    result = run_pass(bot.runtime)
    assert result.claimed == 0 and bot.fake.calls("chat.postMessage") == []
    # a late retry of an older event does not resume it: the token still doesn't work
    assert post_event(bot, {"type": "user_change", "user": {"id": OWNER}}) == 200
    assert run_pass(bot.runtime).claimed == 0
    with bot.runtime.readers() as session:
        nudge = session.scalar(select(Delivery).where(Delivery.key == key(promise, "nudge")))
    assert nudge is not None and nudge.status == "pending"  # kept, not dropped
    # installed again: the next request from the workspace resumes it
    bot.fake.add_token(bot.fake.bot_token)
    bot.command("help")
    run_pass(bot.runtime)
    assert any("call Jane Doe" in message_text(m) for m in bot.fake.messages_to(OWNER))


def test_revoking_only_user_tokens_pauses_nothing(bot: BotServer, clock: Clock) -> None:
    make_promise(bot.runtime, deadline=clock() + timedelta(minutes=30))
    assert post_event(bot, tokens_revoked_event(bot=[], oauth=[OWNER])) == 200
    time.sleep(0.3)
    clock.advance(hours=1)
    assert run_pass(bot.runtime).sent >= 1


# ---------------------------------------------------------------- 5. DMs to Kept


def _dm_answers(bot: BotServer, user: str, count: int = 1) -> list[dict[str, Any]]:
    channel = bot.fake.im_id(user)
    calls = bot.fake.wait_for(
        "chat.postMessage",
        count=count,
        where=lambda c: c.ok and c.response is not None and c.response["channel"] == channel,
    )
    return [c.params for c in calls]


def test_a_dm_to_kept_records_the_promise_and_answers_in_the_dm(bot: BotServer) -> None:
    event = message_im_event(OWNER, "send Acme & Co the revised quote by tomorrow")
    assert post_event(bot, event) == 200
    [answer] = _dm_answers(bot, OWNER)
    assert "Acme &amp; Co" in message_text(answer)
    [promise] = stored_promises(bot)
    assert promise.owner_id == OWNER and promise.description.startswith("send Acme & Co")
    # Slack retries the same event: no second promise
    assert post_event(bot, event) == 200
    time.sleep(0.5)
    assert len(stored_promises(bot)) == 1


def test_a_dm_sub_command_is_answered_in_the_dm(bot: BotServer, clock: Clock) -> None:
    make_promise(bot.runtime, deadline=clock() + timedelta(hours=3))
    assert post_event(bot, message_im_event(OWNER, "list")) == 200
    [answer] = _dm_answers(bot, OWNER)
    assert "call Jane Doe back" in message_text(answer)


def test_kepts_own_messages_edits_and_other_bots_are_ignored(bot: BotServer) -> None:
    own = message_im_event(OWNER, "send the deck by tomorrow")
    own.update({"bot_id": "B0KEPT", "user": "U0KEPTBOT"})
    edited = message_im_event(OWNER, "send the deck by tomorrow")
    edited["subtype"] = "message_changed"
    other_bot = message_im_event(OWNER, "send the deck by tomorrow")
    other_bot["bot_id"] = "B0OTHER"
    for event in (own, edited, other_bot):
        assert post_event(bot, event) == 200
    time.sleep(0.6)
    assert stored_promises(bot) == []
    assert bot.fake.calls("chat.postMessage") == []


# ---------------------------------------------------------------- 7. recipients


def test_a_bot_a_deactivated_or_unknown_user_is_refused_as_supervisor(bot: BotServer) -> None:
    bot.fake.add_user(BOT_USER, name="otherbot", is_bot=True)
    bot.fake.add_user(GONE, name="gone", deleted=True)
    for who, says in ((BOT_USER, "is a bot"), (GONE, "deactivated"), ("U0NOBODY", "can't find")):
        reply = bot.command(f"supervisor <@{OWNER}> <@{who}>", user=ADMIN)
        assert says in message_text(reply), message_text(reply)
    with bot.runtime.readers() as session:
        owner = session.get(Person, (TEAM, OWNER))
    assert owner is None or owner.supervisor_id is None


def test_a_bot_is_refused_as_new_owner(bot: BotServer, clock: Clock) -> None:
    bot.fake.add_user(BOT_USER, name="otherbot", is_bot=True)
    promise = make_promise(bot.runtime, deadline=clock() + timedelta(hours=2))
    reply = bot.command(f"handoff {promise.id} <@{BOT_USER}>")
    assert "is a bot" in message_text(reply)
    assert stored_promises(bot)[0].owner_id == OWNER


def test_the_hand_off_reply_does_not_claim_the_dm_arrived(bot: BotServer, clock: Clock) -> None:
    promise = make_promise(bot.runtime, deadline=clock() + timedelta(hours=2))
    reply = bot.command(f"handoff {promise.id} <@{OTHER}>")
    text = message_text(reply)
    assert "I've told them" not in text and "on its way" in text


def test_trigger_ids_are_single_use_and_expire_after_3_seconds(bot: BotServer) -> None:
    from slack_sdk.errors import SlackApiError

    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "x"},
        "blocks": [{"type": "divider"}],
    }
    trigger = new_trigger_id()
    bot.runtime.client.views_open(trigger_id=trigger, view=view)
    errors = []
    for used in (trigger, new_trigger_id(time.time() - 4), "1.2.3", uuid.uuid4().hex):
        try:
            bot.runtime.client.views_open(trigger_id=used, view=view)
        except SlackApiError as error:
            errors.append(error.response["error"])
    assert errors == [
        "exchanged_trigger_id",
        "expired_trigger_id",
        "invalid_trigger_id",
        "invalid_trigger_id",
    ]


# ---------------------------------------------------------------- 7. fallback at delivery time


def _supervised_by(bot: BotServer, lead: str) -> None:
    """Set the supervisor behind the command's back (e.g. set before they became a bot)."""
    from bot.people.profiles import set_supervisor

    with bot.runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, lead)


def test_an_escalation_the_supervisor_cant_receive_goes_to_the_channel_and_the_owner_is_told(
    bot: BotServer, clock: Clock
) -> None:
    from bot.store.models import ChannelSetting
    from tests.test_scheduler import ESCALATIONS, SALES, kept_messages, passes, rows

    bot.fake.add_user(BOT_USER, name="otherbot", is_bot=True)
    _supervised_by(bot, BOT_USER)  # (set before the command refused bots)
    with bot.runtime.sessions.begin() as session:
        session.add(
            ChannelSetting(team_id=TEAM, channel_id=SALES, escalation_channel_id=ESCALATIONS)
        )
    deadline = clock() + timedelta(hours=1)
    promise = make_promise(bot.runtime, deadline=deadline, channel=SALES)
    clock.set(deadline + timedelta(hours=25))
    passes(bot.runtime)
    stored = rows(bot.runtime, promise)
    assert stored[key(promise, "escalation")].status == "failed"
    assert "cannot_dm_bot" in (stored[key(promise, "escalation")].last_error or "")
    sent = kept_messages(bot.fake)
    assert sent[key(promise, "escalation", suffix="channel")][0]["channel"] == ESCALATIONS
    told = sent.get(key(promise, "escalation", suffix="fallback:owner"))
    assert told, sorted(sent)
    text = message_text(told[0])
    assert f"<@{BOT_USER}> is a bot" in text and f"<#{ESCALATIONS}>" in text
    assert told[0]["channel"] == bot.fake.im_id(OWNER)


def test_a_deleted_escalation_channel_falls_back_to_the_admins(
    bot: BotServer, clock: Clock
) -> None:
    from bot.store.models import ChannelSetting
    from tests.conftest import make_runtime
    from tests.test_scheduler import ESCALATIONS, SALES, kept_messages, passes

    runtime = make_runtime(bot.runtime, admins=frozenset({ADMIN}))
    with runtime.sessions.begin() as session:
        session.add(
            ChannelSetting(team_id=TEAM, channel_id=SALES, escalation_channel_id=ESCALATIONS)
        )
    bot.fake.delete_channel(ESCALATIONS)
    deadline = clock() + timedelta(hours=1)
    promise = make_promise(runtime, deadline=deadline, channel=SALES)  # no supervisor
    clock.set(deadline + timedelta(hours=25))
    for _ in range(8):  # "not found" may be a glitch: retried a few times, then it falls back
        passes(runtime)
        clock.advance(minutes=5)
    sent = kept_messages(bot.fake)
    admin_key = key(promise, "escalation", suffix=f"fallback:admin:{ADMIN}")
    assert sent[admin_key][0]["channel"] == bot.fake.im_id(ADMIN), sorted(sent)
    told = sent[key(promise, "escalation", suffix="fallback:owner")]
    assert f"<#{ESCALATIONS}> doesn't exist any more" in message_text(told[0])


def test_with_no_channel_the_admins_get_what_the_supervisor_couldnt(
    bot: BotServer, clock: Clock
) -> None:
    from tests.conftest import make_runtime
    from tests.test_scheduler import kept_messages, passes, rows

    bot.fake.add_user(GONE, name="gone")
    _supervised_by(bot, GONE)
    runtime = make_runtime(bot.runtime, admins=frozenset({ADMIN}))
    deadline = clock() + timedelta(hours=1)
    promise = make_promise(runtime, deadline=deadline)
    clock.set(deadline + timedelta(minutes=5))
    passes(runtime)  # the nudge goes out
    clock.set(deadline + timedelta(hours=25))
    runtime.warm_person(TEAM, GONE)  # Kept last saw them active...
    bot.fake.add_user(GONE, name="gone", deleted=True)  # ...then they were deactivated
    passes(runtime)
    bot.settle()  # the fall-back rows wake the bot's own sender too: it may be the one sending
    sent = kept_messages(bot.fake)
    escalated = sent.get(key(promise, "escalation", suffix=f"fallback:admin:{ADMIN}"))
    assert escalated and escalated[0]["channel"] == bot.fake.im_id(ADMIN)
    assert f"<@{OWNER}>" in message_text(escalated[0])
    told = sent.get(key(promise, "escalation", suffix="fallback:owner"))
    assert told and "is deactivated" in message_text(told[0])
    assert f"<@{ADMIN}>" in message_text(told[0])
    assert rows(runtime, promise)[key(promise, "escalation")].attempts == 1  # no 5 retries
    clock.advance(days=2)
    passes(runtime)
    assert kept_messages(bot.fake) == sent  # exactly once


# ---------------------------------------------------------------- 3. every press answered


def test_a_button_kept_no_longer_serves_is_answered_not_404(bot: BotServer) -> None:
    response_key = uuid.uuid4().hex
    payload = block_action_payload(
        action_id="promise_snooze_v0",
        value="1",
        user_id=OWNER,
        team_id=TEAM,
        response_url=bot.fake.response_url(response_key),
    )
    assert bot.interact(payload).status == 200
    [answer] = bot.fake.wait_for("response_url", where=lambda c: c.params["_key"] == response_key)
    assert "older message" in message_text(answer.params)


def test_the_shortcut_says_so_when_its_form_cant_open_in_time(bot: BotServer) -> None:
    payload = message_shortcut_payload(
        callback_id=blocks.TRACK_SHORTCUT,
        user_id=OWNER,
        message_text="send the deck by Friday",
        message_user=LEAD,
        team_id=TEAM,
        trigger_id=new_trigger_id(time.time() - 5),  # Slack's 3 seconds are over
    )
    assert bot.interact(payload).status == 200
    [refused] = bot.fake.wait_for("views.open", where=lambda c: True)
    assert refused.response is not None and refused.response["error"] == "expired_trigger_id"
    [dm] = bot.fake.wait_for("chat.postMessage")
    assert "couldn't open" in message_text(dm.params)


def test_a_form_kept_no_longer_serves_stays_open_with_a_reason(bot: BotServer) -> None:
    from tests.slackreq import input_values, interactive_body, view_submission_payload

    payload = view_submission_payload(
        callback_id="promise_snooze_form_v0",
        values=input_values({"description": {"value": "call Sam back"}}),
        user_id=OWNER,
        team_id=TEAM,
    )
    payload["view"]["blocks"] = [
        {"type": "input", "block_id": "description", "element": {"type": "plain_text_input"}}
    ]
    reply = bot.post(interactive_body(payload))
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert "older version" in answer["errors"]["description"]
