"""Channel settings: `/promise channel ...`, their effect on new promises, and the settings
file (bot/channels.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.channels.service import dump_settings, load_settings, values_of
from bot.runtime import Runtime
from bot.store.models import ChannelSetting, Delivery, Promise
from tests.conftest import ADMIN, DEFAULT_NOW, OTHER, OWNER, TEAM, BotServer, message_text


def settings_rows(runtime: Runtime) -> dict[str, ChannelSetting]:
    with runtime.sessions() as session:
        return {s.channel_id: s for s in session.scalars(select(ChannelSetting))}


def due_times(bot: BotServer, promise_id: int) -> dict[str, object]:
    with bot.runtime.sessions() as session:
        return {
            d.step: d.due_at
            for d in session.scalars(select(Delivery).where(Delivery.promise_id == promise_id))
        }


def newest_promise(bot: BotServer) -> Promise:
    with bot.runtime.sessions() as session:
        return session.scalars(select(Promise).order_by(Promise.id.desc())).first()  # type: ignore[return-value]


def test_only_admins_see_or_change_channel_settings(bot: BotServer) -> None:
    for text in ("channel", "channel show", "channel set remind_before 30m", "channel clear"):
        reply = message_text(bot.command(text, user=OTHER))
        assert "Only workspace admins" in reply, (text, reply)
    assert settings_rows(bot.runtime) == {}


def test_set_show_and_clear(bot: BotServer) -> None:
    replies = [
        message_text(bot.command(text, user=ADMIN))
        for text in (
            "channel set escalation <#C0ESC|sales-escalations>",
            "channel set kind customer",
            "channel set remind_before 30m",
            "channel set escalate_after 4h",
        )
    ]
    assert all("Saved for <#C0SALES>" in r for r in replies), replies
    shown = message_text(bot.command("channel show", user=ADMIN))
    assert "Escalation channel (`escalation`): <#C0ESC>" in shown
    assert "Counterpart kind (`kind`): customer" in shown
    assert "(`remind_before`): 30 min" in shown
    assert "(`escalate_after`): 4 h" in shown
    row = settings_rows(bot.runtime)["C0SALES"]
    assert (
        row.escalation_channel_id,
        row.counterpart_kind,
        row.remind_before_seconds,
        row.escalate_after_seconds,
    ) == ("C0ESC", "customer", 1800, 14400)
    assert row.updated_by == ADMIN and row.updated_at == DEFAULT_NOW

    cleared = message_text(bot.command("channel clear remind_before", user=ADMIN))
    assert "`remind_before` is back to the default" in cleared
    assert "(`remind_before`): _workspace default_" in cleared
    assert settings_rows(bot.runtime)["C0SALES"].remind_before_seconds is None
    assert "Every setting is back" in message_text(bot.command("channel clear", user=ADMIN))
    assert settings_rows(bot.runtime) == {}
    # an empty `/promise channel` shows the settings too
    assert "Kept settings for <#C0SALES>" in message_text(bot.command("channel", user=ADMIN))


def test_a_named_channel_and_a_direct_message(bot: BotServer) -> None:
    reply = message_text(bot.command("channel <#C0HIRING|hiring> set kind candidate", user=ADMIN))
    assert "Saved for <#C0HIRING>" in reply
    assert set(settings_rows(bot.runtime)) == {"C0HIRING"}
    in_dm = message_text(bot.command("channel show", user=ADMIN, channel="D0ADMIN"))
    assert "isn't a channel" in in_dm and "/promise channel #sales show" in in_dm
    named = message_text(bot.command("channel <#C0HIRING> show", user=ADMIN, channel="D0ADMIN"))
    assert "candidate" in named
    unescaped = message_text(bot.command("channel #hiring show", user=ADMIN))
    assert "can't tell which channel" in unescaped


def test_wrong_values_are_explained_and_change_nothing(bot: BotServer) -> None:
    cases = {
        "channel set remind_before soon": "isn't a duration for `remind_before`",
        "channel set kind vendor": "one of candidate, customer, other",
        "channel set escalate_after 0": "must be more than 0",
        "channel set escalate_after 45d": "at most 30 days",
        "channel set colour red": "isn't a channel setting",
        "channel set escalation #esc": "isn't a channel I can use",
        "channel set kind": "Usage: `/promise channel set <key> <value>`",
    }
    for text, expected in cases.items():
        reply = message_text(bot.command(text, user=ADMIN))
        assert expected in reply, (text, reply)
    assert settings_rows(bot.runtime) == {}
    assert "`/promise channel [#channel] show`" in message_text(
        bot.command("channel help", user=ADMIN)
    )


def test_new_promises_take_the_settings_of_their_channel(bot: BotServer) -> None:
    bot.command("channel set remind_before 30m", user=ADMIN)
    bot.command("channel set escalate_after 4h", user=ADMIN)
    bot.command("channel <#C0QUIET> set remind_before 0", user=ADMIN)
    bot.command("channel <#C0HIRING> set kind candidate", user=ADMIN)

    bot.command("send Acme the revised quote by Friday 5pm", channel="C0SALES")
    sales = newest_promise(bot)
    deadline = sales.deadline
    assert deadline.isoformat() == "2026-11-28T01:00:00+00:00"
    assert due_times(bot, sales.id) == {
        "heads_up": deadline - timedelta(minutes=30),
        "nudge": deadline,
        "escalation": deadline + timedelta(hours=4),
    }
    bot.command("send Acme the revised quote by Friday 5pm", channel="C0ELSEWHERE")
    elsewhere = newest_promise(bot)
    assert due_times(bot, elsewhere.id) == {
        "heads_up": deadline - timedelta(hours=1),
        "nudge": deadline,
        "escalation": deadline + timedelta(hours=24),
    }
    bot.command("send Acme the revised quote by Friday 5pm", channel="C0QUIET")
    quiet = newest_promise(bot)
    assert set(due_times(bot, quiet.id)) == {"nudge", "escalation"}

    bot.command("call Jane Doe back by Friday 5pm", channel="C0HIRING")
    assert newest_promise(bot).counterpart_kind == "candidate"
    bot.command("send Acme (customer) the revised quote by Friday 5pm", channel="C0HIRING")
    assert newest_promise(bot).counterpart_kind == "customer"  # the text says otherwise
    bot.command("call Jane Doe back by Friday 5pm", channel="C0ELSEWHERE")
    assert newest_promise(bot).counterpart_kind == "other"  # a name, nothing telling


def test_a_promise_that_starts_with_channel_is_still_a_promise(bot: BotServer) -> None:
    reply = bot.command("channel the feedback to Sam by tomorrow", user=OWNER)
    assert "hold you to this" in message_text(reply)


FILE = """\
team: T0001
channels:
  C0SALES:
    escalation: C0ESC
    kind: customer
    remind_before: 30m
    escalate_after: 4h
  C0HIRING:
    kind: candidate
    remind_before: 0
"""


def test_settings_file_round_trip(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        result = load_settings(session, FILE, team_id=None, actor_id="kept-cli", now=DEFAULT_NOW)
    assert result.ok and result.team_id == TEAM
    with runtime.sessions() as session:
        dumped = dump_settings(session, TEAM)
        rows = {s.channel_id: values_of(s) for s in session.scalars(select(ChannelSetting))}
    assert rows == {
        "C0SALES": {
            "escalation": "C0ESC",
            "kind": "customer",
            "remind_before": 1800,
            "escalate_after": 14400,
        },
        "C0HIRING": {"kind": "candidate", "remind_before": 0},
    }
    # the dump lists channels by id, with the same keys; loading it back changes nothing
    assert (
        dumped
        == """\
team: T0001
channels:
  C0HIRING:
    kind: candidate
    remind_before: 0
  C0SALES:
    escalation: C0ESC
    kind: customer
    remind_before: 30m
    escalate_after: 4h
"""
    )
    with runtime.sessions.begin() as session:
        again = load_settings(session, dumped, team_id=TEAM, actor_id="kept-cli", now=DEFAULT_NOW)
    assert again.ok
    with runtime.sessions() as session:
        assert dump_settings(session, TEAM) == dumped


def test_a_listed_channel_gets_exactly_its_keys_and_prune_removes_the_rest(
    runtime: Runtime,
) -> None:
    with runtime.sessions.begin() as session:
        load_settings(session, FILE, team_id=TEAM, actor_id="kept-cli", now=DEFAULT_NOW)
    smaller = "team: T0001\nchannels:\n  C0SALES:\n    kind: candidate\n"
    with runtime.sessions.begin() as session:
        result = load_settings(
            session, smaller, team_id=TEAM, actor_id="kept-cli", now=DEFAULT_NOW, prune=True
        )
    assert result.ok and result.removed == ["C0HIRING"]
    with runtime.sessions() as session:
        rows = {s.channel_id: values_of(s) for s in session.scalars(select(ChannelSetting))}
    assert rows == {"C0SALES": {"kind": "candidate"}}


def test_a_bad_file_is_reported_line_by_line_and_nothing_is_applied(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        load_settings(
            session,
            "team: T0001\nchannels:\n  C0SALES:\n    kind: customer\n",
            team_id=TEAM,
            actor_id="kept-cli",
            now=DEFAULT_NOW,
        )
    bad = """\
team: T0001
channels:
  C0SALES:
    kind: candidate
    colour: red
  sales-team:
    kind: customer
  C0HIRING:
    remind_before: soon
    escalation: '#hiring-escalations'
    escalate_after: 0
extra: 1
"""
    with runtime.sessions.begin() as session:
        result = load_settings(session, bad, team_id=TEAM, actor_id="kept-cli", now=DEFAULT_NOW)
    assert result.problems == [
        "line 5: unknown setting `colour` for C0SALES (settings: escalation, kind, "
        "remind_before, escalate_after)",
        "line 6: `sales-team` isn't a channel id (C… or G…; channels are checked by the shape "
        "of their id, not with Slack)",
        "line 9: C0HIRING remind_before: soon isn't a duration for remind_before: use e.g. 30m, "
        "4h or 2d (0 turns the heads-up off).",
        "line 10: C0HIRING escalation: #hiring-escalations isn't a channel I can use. Pick it "
        "from the list Slack shows when you type #, e.g. /promise channel set escalation "
        "#sales-escalations.",
        "line 11: C0HIRING escalate_after: escalate_after must be more than 0: the owner gets "
        "the nudge first. /promise channel clear escalate_after goes back to the default.",
        "line 12: unknown key `extra` (expected `team` and `channels`)",
    ]
    with runtime.sessions() as session:
        rows = {s.channel_id: values_of(s) for s in session.scalars(select(ChannelSetting))}
    assert rows == {"C0SALES": {"kind": "customer"}}  # the good lines were not applied either


def test_file_team_must_match_and_yaml_errors_have_a_line(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        wrong_team = load_settings(session, FILE, team_id="T0OTHER", actor_id="x", now=DEFAULT_NOW)
        broken = load_settings(
            session,
            "team: T0001\nchannels:\n  C0SALES: [\n",
            team_id=None,
            actor_id="x",
            now=DEFAULT_NOW,
        )
        no_team = load_settings(
            session,
            "channels:\n  C0SALES:\n    kind: customer\n",
            team_id=None,
            actor_id="x",
            now=DEFAULT_NOW,
        )
    assert wrong_team.problems == ["line 1: the file is for team T0001, but this is team T0OTHER"]
    assert len(broken.problems) == 1 and broken.problems[0].startswith("line 4:")
    assert no_team.problems == ["line 1: no `team:` in the file and no team given"]
    assert settings_rows(runtime) == {}
