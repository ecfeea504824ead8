"""Where Kept's CPU goes under load: sums py-spy's collapsed stacks (written by
`bench_http.py --profile DIR`, sampling only the thread holding the GIL) into the parts of a
request, and prints a markdown table.

    .venv/bin/python bench/where_time_goes.py bench/profile-sqlite.txt [...]

A sample counts for the first part (top to bottom of the table) whose frame is on its stack,
so a part's share excludes the parts listed above it that it calls.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

# (part, frames that mark it): the first match, in this order, takes the sample
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("logging (waitress's queue warnings, Kept's own lines)", ("logging/__init__.py",)),
    ("metrics (answer histogram, writer-gate timing)", ("bot/ops/metrics.py", "prometheus_client")),
    (
        "reading and deciding before the transaction: the command's words, its deadline",
        ("decide_command (",),
    ),
    ("who is acting: the cached profile, on a reader session", ("who_is (", "as_person (")),
    (
        "the write transaction: BEGIN, the INSERTs, COMMIT (SQLAlchemy and the driver)",
        ("run_once (",),
    ),
    ("Kept's listener glue: profiles ready, the answer in the ack", ("handlers/",)),
    (
        "Bolt: signature check, middleware, listener matching, kwargs",
        ("slack_bolt/", "slack_sdk/"),
    ),
    ("Kept's WSGI front: hostile-request checks, health", ("bot/slack/web.py",)),
    ("waitress request threads: parsing HTTP, writing the response", ("waitress/task.py",)),
    ("waitress's I/O thread: the poll loop, reading and writing sockets", ("waitress/",)),
    (
        "SQLAlchemy, stack cut short (py-spy reads a running thread's stack without pausing it)",
        ("sqlalchemy/", "Sessions.begin", "WriterGate"),
    ),
    ("JSON, stack cut short (the stored reply, the ack's body)", ("JSONEncoder",)),
]


def where(paths: list[str]) -> tuple[Counter[str], int]:
    parts: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in Path(path).read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            total += n
            for part, marks in PARTS:
                if any(mark in stack for mark in marks):
                    parts[part] += n
                    break
            else:
                parts["other (stacks too short to place)"] += n
    return parts, total


def main() -> int:
    parts, total = where(sys.argv[1:])
    if not total:
        print("no samples")
        return 1
    print("| part of a request | share of the GIL's time |")
    print("| --- | --- |")
    order = [p for p, _ in PARTS] + [p for p in parts if p not in dict(PARTS)]
    for part in order:
        if parts[part]:
            print(f"| {part} | {parts[part] / total * 100:.0f}% |")
    print(f"\n{total} samples.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
