"""Benchmark parse_deadline over the SPEC §2.3 examples and the phrase corpus (issues 10 and 19,
held-out phrases included).

Usage: python bench/bench_parse.py [--rounds N]

Prints a small markdown table: cold first-call times (each measured in a fresh interpreter)
and warm per-call median / p99 / max over all examples (with the owner's locale and the US
holidays, as a workspace with KEPT_HOLIDAYS=US would parse them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.language.deadlines import parse_deadline, warm_up  # noqa: E402
from bot.language.holidays import Holidays  # noqa: E402
from bot.language.workdays import WorkingDay  # noqa: E402
from tests.deadline_corpus import CORPUS, HELDOUT  # noqa: E402

ZONES = ["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"]
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)

EXAMPLES = [
    "call Jane Doe back about the supervisor role by Friday 5pm",
    "send Acme the revised quote by tomorrow",
    "stay in touch with Sam (candidate) over the next two weeks",
    "refund order 1182 for Mrs. Lee by EOD",
    "Friday 5pm",
    "2026-12-03 14:00",
    "Dec 3 at 2pm",
    "by Friday",
    "Dec 3",
    "on the 3rd",
    "EOD",
    "COB",
    "end of day",
    "today",
    "tomorrow",
    "tomorrow morning",
    "end of week",
    "this week",
    "EOW",
    "end of the week",
    "next week",
    "in 2 hours",
    "within 48 hours",
    "in 3 days",
    "over the next two weeks",
    "within a week",
    "in 30 minutes",
    "2026-11-24T15:00:05Z",
    "2026-11-24T15:00:05+02:00",
    "send the offer letter by yesterday",
    "ship it 2020-01-01 10:00",
    "do the thing",
    "send it by 12/03",
    "report due by next tuesday at noon",
    "a long message " * 600 + "by Friday",
    # issue 10: zones, words, weeks, problems
    "call back Raj about the supervisor role by 2pm ET",
    "send the take-home task to Kim by half past three",
    "first thing Thursday send Ella the offer",
    "check in with Leo Thursday week",
    "send the paperwork to Grace within 5 business days",
    "demo for the customer by 2pm Europe/Paris on Friday",
    "call the customer back by April 31",
    "we promised the refund last Monday",
    "send the revised quote to Acme by Friday 12/4",
    "reply to Initech in 100 years",
    *(case.text for case in CORPUS),
    *(case.text for case in HELDOUT),  # issue 19's held-out phrases
]
WORKING_DAY = WorkingDay(holidays=Holidays(("US",)))

COLD_SNIPPET = """
import json, sys, time
from datetime import UTC, datetime
t0 = time.perf_counter()
from bot.language.deadlines import parse_deadline, warm_up
t1 = time.perf_counter()
mode, text = sys.argv[1], sys.argv[2]
if mode == "warm_up":
    warm_up()
    t2 = time.perf_counter()
    parse_deadline(text, now=datetime(2026, 11, 24, 18, tzinfo=UTC), tz="Europe/Berlin")
else:
    t2 = time.perf_counter()
    parse_deadline(text, now=datetime(2026, 11, 24, 18, tzinfo=UTC), tz="Europe/Berlin")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "warm_up": t2 - t1, "call": t3 - t2}))
"""


def cold(mode: str, text: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", COLD_SNIPPET, mode, text],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    regex_cold = cold("first", EXAMPLES[0])
    zone_cold = cold("first", "call back Raj by 2pm ET")
    warm_cold = cold("warm_up", "call back Raj by 2pm ET")

    warm_up(WORKING_DAY)
    timings: list[float] = []
    per_example: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for tz in ZONES:
            for text in EXAMPLES:
                start = time.perf_counter()
                parse_deadline(text, now=NOW, tz=tz, working_day=WORKING_DAY, locale="en-US")
                elapsed = time.perf_counter() - start
                timings.append(elapsed)
                per_example.setdefault(text, []).append(elapsed)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms"

    slowest = max(per_example, key=lambda t: statistics.median(per_example[t]))
    label = slowest if len(slowest) <= 40 else slowest[:37] + "..."
    print("| measurement | value |")
    print("|---|---|")
    print(f"| import bot.language.deadlines (cold) | {ms(regex_cold['import'])} |")
    print(f"| cold first call (example 1) | {ms(regex_cold['call'])} |")
    print(f"| cold first call naming a zone (`by 2pm ET`) | {ms(zone_cold['call'])} |")
    print(f"| warm_up() | {ms(warm_cold['warm_up'])} |")
    print(f"| first call after warm_up(), naming a zone | {ms(warm_cold['call'])} |")
    print(
        f"| warm calls measured | {len(timings)} ({len(EXAMPLES)} examples x {len(ZONES)} zones"
        f" x {args.rounds} rounds) |"
    )
    print(f"| warm median | {ms(statistics.median(timings))} |")
    print(f"| warm p99 | {ms(percentile(timings, 0.99))} |")
    print(f"| warm max | {ms(max(timings))} |")
    print(
        f"| slowest example (median) | `{label}`: {ms(statistics.median(per_example[slowest]))} |"
    )


if __name__ == "__main__":
    main()
