"""The promise detector's readings (bot.language.detector): what, to whom, by when, how sure,
and its speed. The corpus scores are in test_detector_corpus.py."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.language.deadlines import format_deadline
from bot.language.detector import THRESHOLD, Voice, detect_promise, warm_up
from bot.language.holidays import Holidays
from bot.language.workdays import WorkingDay

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
TZ = "America/New_York"


def read(text: str, **kwargs: object) -> object:
    return detect_promise(text, now=NOW, tz=TZ, **kwargs)  # type: ignore[arg-type]


def when(text: str, **kwargs: object) -> str:
    found = detect_promise(text, now=NOW, tz=TZ, **kwargs)  # type: ignore[arg-type]
    assert found.is_promise and found.deadline is not None and found.deadline.deadline
    return format_deadline(found.deadline.deadline, TZ, now=NOW)


@pytest.mark.parametrize(
    ("text", "voice", "what"),
    [
        (
            "I'll send Acme the revised quote by Friday",
            Voice.FIRST_PERSON,
            "send Acme the revised quote",
        ),
        ("we'll have an answer for you by Monday", Voice.FIRST_PERSON, "have an answer for you"),
        ("Will send the deck tomorrow", Voice.SUBJECTLESS, "send the deck"),
        ("You'll get the contract Monday.", Voice.ADDRESSED, "the contract"),
        ("I owe you the numbers, will send tonight", Voice.OWED, "send you the numbers"),
        ("Sure, will do by Friday", Voice.AGREEMENT, ""),
    ],
)
def test_each_voice_reads_its_deliverable(text: str, voice: str, what: str) -> None:
    found = detect_promise(text, now=NOW, tz=TZ)
    assert found.is_promise and found.voice == voice and found.what == what
    assert found.confidence >= THRESHOLD


def test_the_deadline_is_read_with_the_parser_in_the_owners_zone() -> None:
    assert when("I'll get the contract over to you before lunch tomorrow") == "Thu 3 Dec, 12:00 EST"
    assert when("count on me for the references, Wednesday at the latest") == "Wed 2 Dec, 17:00 EST"
    # numeric dates by the owner's locale
    assert when("I'll send the offer by 12/11", locale="en-US") == "Fri 11 Dec, 17:00 EST"
    gb = detect_promise("I'll send the offer by 11/12", now=NOW, tz="Europe/London", locale="en-GB")
    assert gb.has_date and gb.deadline is not None and gb.deadline.deadline is not None
    assert gb.deadline.deadline.day == 11 and gb.deadline.deadline.month == 12


def test_workspace_holidays_move_working_day_deadlines() -> None:
    plain = when("We'll refund you within 2 working days")
    us = WorkingDay(holidays=Holidays.of(["US"]))
    # Thursday 24 Dec / Friday 25 Dec 2026: Christmas Day is a US holiday
    christmas = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    found = detect_promise(
        "We'll refund you within 2 working days", now=christmas, tz=TZ, working_day=us
    )
    assert found.deadline is not None and found.deadline.deadline is not None
    assert format_deadline(found.deadline.deadline, TZ, now=christmas) == "Mon 28 Dec, 17:00 EST"
    assert plain == "Fri 4 Dec, 17:00 EST"


def test_a_rhythm_makes_a_cadence_promise() -> None:
    found = detect_promise(
        "I'll keep you posted every Friday until the role is filled", now=NOW, tz=TZ
    )
    assert found.is_promise and found.cadence is not None and found.cadence.stated
    assert found.cadence.end_event == "the role is filled"
    single = detect_promise("I'll be in touch by Friday about next steps", now=NOW, tz=TZ)
    assert single.is_promise and single.cadence is None and single.has_date


def test_the_counterpart_is_read_from_the_words_or_the_greeting() -> None:
    found = detect_promise("I'll send the offer letter over to Priya tomorrow", now=NOW, tz=TZ)
    assert found.counterpart is not None and found.counterpart.name == "Priya"
    greeted = detect_promise(
        "Hi Leo, thanks for your patience. I'll have an update for you by Friday.", now=NOW, tz=TZ
    )
    assert greeted.counterpart is not None and greeted.counterpart.name == "Leo"
    assert greeted.to_reader


def test_one_sentence_in_a_longer_message() -> None:
    found = detect_promise(
        "Thanks everyone for the call today. Great to meet the Acme team. I'll send the recap "
        "and next steps by tomorrow. Talk soon!",
        now=NOW,
        tz=TZ,
    )
    assert found.is_promise and found.sentence.startswith("I'll send the recap")


def test_no_date_said_is_a_promise_without_a_deadline() -> None:
    found = detect_promise("I'll send you the case study", now=NOW, tz=TZ)
    assert found.is_promise and not found.has_date


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "```\nI'll send it tomorrow\n```",
        "I won't be able to send the quote today",
        "Once you send me the PO I can release the order",
        "I'll pass on the team lunch today",
        "x" * 20000,
    ],
)
def test_not_promises_and_odd_input_never_raise(text: str) -> None:
    assert not detect_promise(text, now=NOW, tz=TZ).is_promise


def test_well_under_five_milliseconds_a_message_warm() -> None:
    warm_up()
    texts = [
        "Hi Leo, the panel really enjoyed meeting you. We're still finishing interviews with two "
        "other candidates. I'll have an update for you by Friday.",
        "Reminder: pipeline review tomorrow at 10am",
        "I'll keep you posted every Friday until the role is filled",
        "lol same",
    ] * 50
    started = time.perf_counter()
    for text in texts:
        detect_promise(text, now=NOW, tz=TZ)
    per_message = (time.perf_counter() - started) / len(texts)
    print(f"\ndetector: {per_message * 1000:.3f} ms a message (warm)")
    assert per_message < 0.005
