"""The promise detector scored on the labelled corpus (tests/promise_corpus): precision and
recall on the held-out half (written before the rules) and the tuning half, printed with every
miss so a failure can be read. Run with ``-s`` to see the figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.language.detector import detect_promise

CORPUS = Path(__file__).parent / "promise_corpus"
# A Wednesday morning in the owner's zone: "today", "Friday" and "next week" all lie ahead.
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
TZ = "America/New_York"

PRECISION_TARGET = 0.9
RECALL_TARGET = 0.8


@dataclass(frozen=True)
class Example:
    promise: bool
    kind: str
    text: str
    line: int


def load(name: str) -> list[Example]:
    examples = []
    for number, line in enumerate((CORPUS / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, kind, text = line.split("\t", 2)
        assert label in {"P", "N"}, f"{name}:{number}: label {label!r}"
        examples.append(Example(label == "P", kind, text.replace("\\n", "\n"), number))
    return examples


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int
    tn: int
    misses: list[str]


def score(examples: list[Example]) -> Score:
    tp = fp = fn = tn = 0
    misses = []
    for ex in examples:
        got = detect_promise(ex.text, now=NOW, tz=TZ, locale="en-US").is_promise
        if got and ex.promise:
            tp += 1
        elif got:
            fp += 1
            misses.append(f"  false promise  line {ex.line} [{ex.kind}] {ex.text!r}")
        elif ex.promise:
            fn += 1
            misses.append(f"  missed promise line {ex.line} [{ex.kind}] {ex.text!r}")
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return Score(precision, recall, tp, fp, fn, tn, misses)


def report(name: str, s: Score) -> str:
    total = s.tp + s.fp + s.fn + s.tn
    head = (
        f"{name}: {total} messages ({s.tp + s.fn} promises): precision {s.precision:.3f}, "
        f"recall {s.recall:.3f} (tp {s.tp}, fp {s.fp}, fn {s.fn}, tn {s.tn})"
    )
    return "\n".join([head, *s.misses])


def test_corpus_is_big_enough_and_balanced() -> None:
    heldout, tuning = load("heldout.tsv"), load("tuning.tsv")
    assert len(heldout) + len(tuning) >= 300
    for half in (heldout, tuning):
        promises = sum(e.promise for e in half)
        assert 0.3 < promises / len(half) < 0.7
    texts = [e.text for e in heldout + tuning + load("probe.tsv")]
    assert len(texts) == len(set(texts)), "a message appears twice"


@pytest.mark.parametrize("name", ["heldout.tsv", "tuning.tsv", "probe.tsv"])
def test_detector_meets_its_targets(name: str) -> None:
    s = score(load(name))
    print("\n" + report(name, s))
    assert s.precision >= PRECISION_TARGET, report(name, s)
    assert s.recall >= RECALL_TARGET, report(name, s)
