from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language.counterparts import Counterpart, CounterpartKind, find_counterpart


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("call Jane Doe back about the supervisor role", "Jane Doe"),
        ("send Acme the revised quote", "Acme"),
        ("stay in touch with Sam (candidate)", "Sam"),
        ("refund order 1182 for Mrs. Lee", "Mrs. Lee"),
        ("Call José Álvarez about the offer", "José Álvarez"),
        ("follow up with Dr. Ng about next steps", "Dr. Ng"),
        ("reply to Bob's email", "Bob"),
        ("get back to Priya Sharma", "Priya Sharma"),
        ("ping IBM about the renewal", "IBM"),
        ("send the contract to Mrs. O'Brien-Smith.", "Mrs. O'Brien-Smith"),
        ("Jane Doe (customer) wants a refund", "Jane Doe"),
        ("email Tom, then update Sara", "Tom"),
    ],
)
def test_names(text: str, name: str) -> None:
    assert find_counterpart(text).name == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stay in touch with Sam (candidate)", Counterpart("Sam", CounterpartKind.CANDIDATE)),
        ("Jane Doe (customer) wants a refund", Counterpart("Jane Doe", CounterpartKind.CUSTOMER)),
        ("follow up with Dr. Ng (client)", Counterpart("Dr. Ng", CounterpartKind.CUSTOMER)),
        ("email Ali (Candidate) the schedule", Counterpart("Ali", CounterpartKind.CANDIDATE)),
        ("call the candidate back", Counterpart(None, CounterpartKind.CANDIDATE)),
        ("call Tom, our new client", Counterpart("Tom", CounterpartKind.CUSTOMER)),
        ("text Kim about the candidate pipeline", Counterpart("Kim", CounterpartKind.CANDIDATE)),
        ("send Acme the revised quote", Counterpart("Acme", CounterpartKind.CUSTOMER)),
        ("ping Lou", Counterpart("Lou", CounterpartKind.OTHER)),
    ],
)
def test_kinds(text: str, expected: Counterpart) -> None:
    assert find_counterpart(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "do the thing",
        "",
        "   ",
        "send the report",
        "call back on Friday",
        "update the EOD numbers",
        "with The team",
        "x" * 10000,
    ],
)
def test_no_counterpart(text: str) -> None:
    assert find_counterpart(text) == Counterpart(None, None)


def test_long_input_is_bounded() -> None:
    text = "call " + "Aa " * 50000
    start = time.perf_counter()
    result = find_counterpart(text)
    assert time.perf_counter() - start < 1.0
    assert result.name is not None


def test_non_str_input_does_not_raise() -> None:
    assert find_counterpart(None) == Counterpart(None, None)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_property_never_raises(text: str) -> None:
    result = find_counterpart(text)
    assert isinstance(result, Counterpart)
    assert result.name is None or (isinstance(result.name, str) and result.name.strip())
    assert result.kind is None or isinstance(result.kind, CounterpartKind)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(max_size=30),
    name=st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=1, max_size=10),
    suffix=st.text(max_size=30),
)
def test_property_with_trigger(prefix: str, name: str, suffix: str) -> None:
    result = find_counterpart(f"{prefix} call {name} {suffix}")
    assert isinstance(result, Counterpart)
