"""Slack text decoded once on the way in and escaped once on the way out (bot/slack/text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.text import escape, from_slack, unescape, user_ids_in
from tests.slackreq import slack_escaped


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("Acme &amp; Co", "Acme & Co"),
        ("a &lt;b&gt; c", "a <b> c"),
        ("&amp;lt; stays literal", "&lt; stays literal"),
        ("ask <@U123|jane> today", "ask @jane today"),
        ("ask <@U123> today", "ask @U123 today"),
        ("in <#C123|sales>", "in #sales"),
        ("in <#C123>", "in #C123"),
        ("<!here> please", "@here please"),
        ("<!subteam^S1|@design> please", "@design please"),
        ("<!date^1392734382^{date}|Feb 18, 2014> ok", "Feb 18, 2014 ok"),
        ("see <https://x.io/q?a=1&amp;b=2|the quote>", "see the quote (https://x.io/q?a=1&b=2)"),
        ("see <https://x.io>", "see https://x.io"),
        ("mail <mailto:a@b.io|a@b.io>", "mail a@b.io"),
        ("", ""),
    ],
)
def test_slack_text_reads_as_people_read_it(sent: str, read: str) -> None:
    assert from_slack(sent) == read


def test_unlabelled_mentions_are_named_when_a_name_is_known() -> None:
    names = {"U1": "Jane Doe"}
    assert from_slack("call <@U1> and <@U2>", name_of=names.get) == "call @Jane Doe and @U2"
    assert user_ids_in("call <@U1> and <@W2|bob> in <#C1>") == ["U1", "W2"]


@given(st.text())
def test_plain_text_survives_the_round_trip_through_slack(text: str) -> None:
    """Whatever a person types (without Slack's own <…> references) comes back unchanged."""
    plain = text.replace("<", "").replace(">", "")
    assert from_slack(slack_escaped(plain)) == plain
    assert unescape(escape(text)) == text
