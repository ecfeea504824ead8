"""The `/promise` grammar as a pure function: text in, one frozen intent out. No database,
no Slack: each case is a string and the dataclass it must read as."""

from __future__ import annotations

import dataclasses

import pytest

from bot.language import commands as g
from bot.language.commands import (
    Away,
    Back,
    ChannelAt,
    ChannelClear,
    ChannelHelp,
    ChannelList,
    ChannelSet,
    ChannelShow,
    Close,
    Extend,
    HandOff,
    Help,
    ListPromises,
    ListScope,
    NewPromise,
    OpenForm,
    Outcome,
    Problem,
    Report,
    ReportScope,
    SetSupervisor,
    ShowSupervisor,
    TooLong,
    Unclear,
    Updated,
    WatchElsewhere,
    named_people,
    parse_command,
    parse_promise_id,
)

SAM = "<@U0SAM|sam>"
LEAD = "<@U0LEAD>"


CASES: list[tuple[str, object]] = [
    # nothing typed: the form
    ("", OpenForm()),
    ("   ", OpenForm()),
    ("\n\t ", OpenForm()),
    # help
    ("help", Help()),
    ("HELP", Help()),
    ("  help  ", Help()),
    ("help me with the contract by Friday", NewPromise("help me with the contract by Friday")),
    # list
    ("list", ListPromises(ListScope.MINE)),
    ("LIST", ListPromises(ListScope.MINE)),
    ("list page 3", ListPromises(ListScope.MINE, page=3)),
    ("list page 0", ListPromises(ListScope.MINE, page=1)),
    ("list team", ListPromises(ListScope.TEAM, scope_word="team")),
    ("list Team page 2", ListPromises(ListScope.TEAM, page=2, scope_word="Team")),
    ("list everyone", ListPromises(ListScope.EVERYONE, scope_word="everyone")),
    ("list all   page   7", ListPromises(ListScope.EVERYONE, page=7, scope_word="all")),
    (
        f"list {SAM}",
        ListPromises(ListScope.PERSON, owner="U0SAM", scope_word=SAM),
    ),
    (
        f"list {SAM} page 2",
        ListPromises(ListScope.PERSON, page=2, owner="U0SAM", scope_word=SAM),
    ),
    ("list bananas", Unclear(Problem.LIST_SCOPE)),
    ("list team extra", Unclear(Problem.LIST_SCOPE)),
    ("list page ²", Unclear(Problem.LIST_SCOPE)),  # a superscript is no page number
    # done / kept / broken / cancel: ids as 42, #42, P42, p-42
    ("done 42", Close(42, Outcome.KEPT)),
    ("DONE #42", Close(42, Outcome.KEPT)),
    ("kept P42 sent it", Close(42, Outcome.KEPT, "sent it")),
    # the note is everything after the id's first space (the flow trims it)
    ("done p-42   sent it  twice", Close(42, Outcome.KEPT, "  sent it  twice")),
    ("broken 7 legal said no", Close(7, Outcome.BROKEN, "legal said no")),
    ("cancel #9", Close(9, Outcome.CANCELLED)),
    ("done ４２", Close(42, Outcome.KEPT)),  # full-width digits are digits
    ("done", Unclear(Problem.NO_ID, "/promise done <id> [note]")),
    ("kept", Unclear(Problem.NO_ID, "/promise done <id> [note]")),
    ("broken soon", Unclear(Problem.BAD_ID, "/promise broken <id> <reason>", word="soon")),
    ("cancel 0", Unclear(Problem.BAD_ID, "/promise cancel <id> [reason]", word="0")),
    ("done 2147483648", Unclear(Problem.BAD_ID, "/promise done <id> [note]", word="2147483648")),
    ("done #", Unclear(Problem.BAD_ID, "/promise done <id> [note]", word="#")),
    ("done 💥", Unclear(Problem.BAD_ID, "/promise done <id> [note]", word="💥")),
    # extend
    ("extend 42 Friday 5pm legal", Extend(42, "Friday 5pm legal")),
    ("extend #42 tomorrow", Extend(42, "tomorrow")),
    ("extend 42", Unclear(Problem.NO_WHEN, "/promise extend <id> <when> [note]", promise_id=42)),
    ("extend", Unclear(Problem.NO_ID, "/promise extend <id> <when> [note]")),
    (
        "extend tomorrow 42",
        Unclear(Problem.BAD_ID, "/promise extend <id> <when> [note]", word="tomorrow"),
    ),
    # hand-off, both spellings
    (f"handoff 42 {SAM}", HandOff(42, "U0SAM")),
    (f"hand-off #42   {LEAD}", HandOff(42, "U0LEAD")),
    (f"Handoff P42 {SAM} thanks", HandOff(42, "U0SAM")),
    ("handoff 42 sam", Unclear(Problem.NO_NEW_OWNER, "/promise handoff <id> @user")),
    ("handoff 42", Unclear(Problem.NO_NEW_OWNER, "/promise handoff <id> @user")),
    ("handoff", Unclear(Problem.NO_ID, "/promise handoff <id> @user")),
    (f"handoff {SAM} 42", Unclear(Problem.BAD_ID, "/promise handoff <id> @user", word=SAM)),
    # supervisor
    (f"supervisor {SAM}", ShowSupervisor("U0SAM")),
    (f"supervisor {SAM} {LEAD}", SetSupervisor("U0SAM", "U0LEAD")),
    (f"supervisor {SAM} lead", SetSupervisor("U0SAM", None)),
    ("supervisor", Unclear(Problem.NO_REP)),
    ("supervisor sam", Unclear(Problem.NO_REP)),
    # updated
    ("updated 42", Updated(42)),
    ("updated #42 sent the draft", Updated(42, "sent the draft")),
    ("updated the deck by Friday", NewPromise("updated the deck by Friday")),
    ("updated", NewPromise("updated")),
    # away
    ("away Dec 18", Away("Dec 18")),
    (f"away Dec 18 {SAM}", Away("Dec 18", cover_id="U0SAM")),
    (f"away {SAM} Dec 18 {LEAD}", Away("Dec 18", user_id="U0SAM", cover_id="U0LEAD")),
    (f"away {SAM}", Unclear(Problem.AWAY_UNTIL)),
    (f"away {SAM} {LEAD}", Unclear(Problem.AWAY_UNTIL)),
    ("away", NewPromise("away")),
    # back
    ("back", Back()),
    (f"back {SAM}", Back("U0SAM")),
    ("back to Jane by Friday", NewPromise("back to Jane by Friday")),
    # watch typed where it can't run
    ("watch", WatchElsewhere()),
    ("watch this channel", WatchElsewhere()),
    # channel
    ("channel", ChannelShow()),
    ("channel show", ChannelShow()),
    ("channel <#C0SALES|sales> show", ChannelShow(ChannelAt("C0SALES"))),
    ("channel <#C0SALES|sales>", ChannelShow(ChannelAt("C0SALES"))),
    ("channel show C0SALES", ChannelShow()),  # a channel named after the action is ignored
    # a bare channel id first is not a channel command today (only `<#C…>`, `#…` or an action)
    ("channel C0SALES clear", NewPromise("channel C0SALES clear")),
    ("channel #nowhere show", ChannelShow(ChannelAt(unreadable="#nowhere"))),
    ("channel help", ChannelHelp()),
    ("channel <#C0SALES> frobnicate", ChannelHelp(ChannelAt("C0SALES"))),
    ("channel list", ChannelList()),
    ("channel list page 4", ChannelList(page=4)),
    (
        "channel set remind_before 30m",
        ChannelSet(key="remind_before", value="30m"),
    ),
    (
        "channel <#C0SALES|sales> SET kind   candidate  care",
        ChannelSet(ChannelAt("C0SALES"), key="kind", value="candidate care"),
    ),
    ("channel set remind_before", ChannelSet()),
    ("channel clear", ChannelClear()),
    ("channel clear kind", ChannelClear(key="kind")),
    ("channel partners by Friday", NewPromise("channel partners by Friday")),
    # report
    ("report", Report()),
    ("report team", Report(7, ReportScope.TEAM)),
    ("report everyone 30", Report(30, ReportScope.EVERYONE)),
    ("report 30d all", Report(30, ReportScope.EVERYONE)),
    (f"report {SAM} 14days", Report(14, ReportScope.PERSON, owner="U0SAM")),
    ("report 366", Report(366)),
    ("report 0", Unclear(Problem.REPORT_DAYS)),
    ("report 367", Unclear(Problem.REPORT_DAYS)),
    ("report team everyone", Report(7, ReportScope.EVERYONE)),  # the last scope wins
    ("report the numbers to Jane by Friday", NewPromise("report the numbers to Jane by Friday")),
    ("report to Jane", NewPromise("report to Jane")),
    # a new promise: anything else, exactly as typed (only the ends trimmed)
    ("send Jane the contract by Friday", NewPromise("send Jane the contract by Friday")),
    ("  send   Jane  by Friday  ", NewPromise("send   Jane  by Friday")),
    ("frobnicate 42", NewPromise("frobnicate 42")),
    ("done\t42", NewPromise("done\t42")),  # only a space ends the sub-command word
    ("Ｄone 42", NewPromise("Ｄone 42")),  # a full-width letter is not `done`
    ("📞 call Jane tomorrow", NewPromise("📞 call Jane tomorrow")),
    ("enviar a Ana el contrato el viernes", NewPromise("enviar a Ana el contrato el viernes")),
    ("\u200bdone 42", NewPromise("\u200bdone 42")),  # a zero-width space is not a space
    (
        "call &lt;Jane&gt; &amp; <@U0SAM|sam> by Friday",
        NewPromise("call &lt;Jane&gt; &amp; <@U0SAM|sam> by Friday"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[repr(t)[:40] for t, _ in CASES])
def test_reads_as(text: str, expected: object) -> None:
    assert parse_command(text) == expected


def test_every_intent_is_frozen() -> None:
    intents = {type(expected) for _text, expected in CASES} | {TooLong}
    for intent in intents:
        assert dataclasses.is_dataclass(intent)
        assert intent.__dataclass_params__.frozen, intent.__name__  # type: ignore[attr-defined]
    command = parse_command("done 42 sent")
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.note = "changed"  # type: ignore[misc, union-attr]


def test_every_sub_command_word_is_covered() -> None:
    """Each sub-command word reads as something other than a new promise in some case."""
    words = {
        "help",
        "list",
        "done",
        "kept",
        "broken",
        "cancel",
        "extend",
        "handoff",
        "hand-off",
        "supervisor",
        "updated",
        "away",
        "back",
        "watch",
        "channel",
        "report",
    }
    recognised = {
        text.split()[0].lower()
        for text, expected in CASES
        if text.strip() and not isinstance(expected, NewPromise)
    }
    assert words <= recognised


def test_too_long_is_not_read() -> None:
    text = "done 42 " + "x" * g.MAX_COMMAND_TEXT
    assert parse_command(text) == TooLong(text)
    at_limit = "y" * g.MAX_COMMAND_TEXT
    assert parse_command(at_limit) == NewPromise(at_limit)
    assert parse_command(f"  {at_limit}  ") == NewPromise(at_limit)  # measured once trimmed


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("42", 42),
        ("#42", 42),
        ("P42", 42),
        ("p42", 42),
        ("p-42", 42),
        (" 42 ", 42),
        ("0", None),
        ("-1", None),
        ("#-1", None),
        ("42a", None),
        ("4 2", None),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        ("1234567890123", None),
        ("", None),
        ("##42", None),
        ("٤٢", 42),  # Arabic-Indic digits
    ],
)
def test_promise_ids(word: str, expected: int | None) -> None:
    assert parse_promise_id(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("<@U0SAM>", "U0SAM"),
        ("<@U0SAM|sam>", "U0SAM"),
        ("<@W0ENT|Ann Lee>", "W0ENT"),
        (" <@U0SAM|sam> ", "U0SAM"),
        ("<@u0sam>", None),
        ("@sam", None),
        ("<#C0SALES|sales>", None),
        ("<!channel>", None),
        ("<@U0SAM|sam>,", None),
        ("", None),
    ],
)
def test_mentions(word: str, expected: str | None) -> None:
    assert g.mention(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("<#C0SALES|sales>", "C0SALES"),
        ("<#G0PRIV>", "G0PRIV"),
        ("C0SALES", "C0SALES"),
        ("#sales", None),
        ("<#D0DM>", None),
        ("c0sales", None),
    ],
)
def test_channel_references(word: str, expected: str | None) -> None:
    assert g.channel_ref(word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"handoff 42 {SAM}", ["U0SAM"]),
        (f"hand-off 42 {SAM}", ["U0SAM"]),
        (f"supervisor {SAM} {LEAD}", ["U0SAM", "U0LEAD"]),
        (f"away {SAM} Dec 18 {LEAD}", ["U0SAM", "U0LEAD"]),
        (f"report {SAM}", ["U0SAM"]),
        (f"away Dec 18 {SAM} {SAM}", ["U0SAM"]),  # each person once
        (f"  AWAY Dec 18 {SAM}", ["U0SAM"]),
        (f"send {SAM} the deck by Friday", []),  # a new promise names no owner
        (f"done 42 thanks {SAM}", []),
        ("", []),
    ],
)
def test_named_people(text: str, expected: list[str]) -> None:
    assert named_people(text) == expected


def test_unclear_answers_name_the_usage() -> None:
    """The runner's words for each problem (one per Problem) mention what to type."""
    from bot.promises.commands import unclear_message

    for problem in Problem:
        message = unclear_message(Unclear(problem, "/promise done <id> [note]", "x", 42))
        assert "`/promise" in message or "days" in message, problem
    escaped = unclear_message(Unclear(Problem.BAD_ID, "u", word="<!channel>&"))
    assert "&lt;!channel&gt;&amp;" in escaped and "<!channel>" not in escaped


def test_every_intent_has_one_handler() -> None:
    """The runner's table answers every intent the grammar can read (and nothing else)."""
    import typing

    from bot.promises.commands import HANDLERS

    assert set(typing.get_args(g.Command)) == set(HANDLERS)
