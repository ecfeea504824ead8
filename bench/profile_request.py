"""Where one `/promise` spends its CPU, in process and without contention: Kept's whole WSGI
stack (KeptWSGI, Bolt, the listener, the transaction) called directly with signed requests,
one after another, beside the two bare Bolt apps of bench_http.py built the same way.

    .venv/bin/python bench/profile_request.py [--requests 2000] [--only sqlite|postgresql]

First the plain CPU per request of each app (time.process_time, no profiler); then Kept
again under cProfile, its time split into the parts of a request by the cumulative time of
the functions that mark them (shares of the profiled total: cProfile inflates small calls,
so read the shares, not the milliseconds). bench_http.py's py-spy profile (--profile) shows
the same parts under 20 concurrent requests, where waitress's I/O thread joins in.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bare_app import make_app  # noqa: E402
from bench_http import CHANNEL, TEXTS, USERS  # noqa: E402
from common import SECRET, TEAM, TOKEN, FakeProcess, machine, pg_schema, table  # noqa: E402
from slack_bolt.adapter.wsgi import SlackRequestHandler  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.web import HealthState, KeptWSGI  # noqa: E402
from bot.store.migrate import migrate  # noqa: E402
from tests.slackreq import new_trigger_id, sign, slash_command_body  # noqa: E402

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# (part, file, function): nested parts are indented; a part's share is its cumulative time
PARTS = [
    ("whole request: KeptWSGI, Bolt, the listener", "bot/slack/web.py", "__call__"),
    ("  Bolt before and after the listener (= whole − listener)", "", ""),
    ("  the listener: on_command", "handlers/commands.py", "on_command"),
    ("    who is acting (reader session, cached profile)", "handlers/answer.py", "who_is"),
    ("    reading and deciding: words, cadence, deadline", "handlers/run.py", "decide"),
    ("      of which the deadline parse", "bot/language/deadlines/parse.py", "parse_deadline"),
    ("    the write transaction: run_once", "bot/once.py", "run_once"),
    ("      the command's writes and reply (flows.record)", "bot/promises/flows.py", "record"),
    (
        "        of which INSERTs: promise, history, steps",
        "bot/promises/service.py",
        "create_promise",
    ),
    ("        of which the reply's blocks", "bot/slack/messages/replies.py", "promise_recorded"),
    ("      recall, key INSERT, BEGIN/COMMIT (= run_once − writes)", "", ""),
    ("    metrics", "bot/ops/metrics.py", "observe_command"),
    ("    the answer in the ack", "handlers/answer.py", "ack_message"),
]


def request(wsgi: Wsgi, fake: FakeProcess, rng: random.Random) -> None:
    user, _tz = rng.choice(USERS)
    body = slash_command_body(
        text=rng.choice(TEXTS),
        user_id=user,
        team_id=TEAM,
        channel_id=CHANNEL,
        response_url=fake.response_url("profile"),
        trigger_id=new_trigger_id(),
    )
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "3000",
        "wsgi.url_scheme": "http",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in sign(body, SECRET).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    status: list[str] = []
    answer = b"".join(wsgi(environ, lambda s, _h, _e=None: status.append(s)))
    if not status[0].startswith("200"):
        raise RuntimeError(f"{status[0]}: {answer[:200]!r}")


def cpu_per_request(wsgi: Wsgi, fake: FakeProcess, count: int) -> float:
    rng = random.Random(7)
    for _ in range(200):  # warm: statement caches, the pool, the parser
        request(wsgi, fake, rng)
    started = time.process_time()
    for _ in range(count):
        request(wsgi, fake, rng)
    return (time.process_time() - started) / count * 1000


def parts(wsgi: Wsgi, fake: FakeProcess, count: int) -> list[list[Any]]:
    rng = random.Random(11)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(count):
        request(wsgi, fake, rng)
    profile.disable()
    stats: dict[tuple[str, str], float] = {}
    for (path, _line, name), row in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        key = (path, name)
        stats[key] = max(stats.get(key, 0.0), row[3])

    def cumulative(file: str, function: str) -> float:
        return sum(t for (p, n), t in stats.items() if p.endswith(file) and n == function)

    found = {label: cumulative(f, fn) for label, f, fn in PARTS if f}
    labels = [label for label, _f, _fn in PARTS]
    found[labels[1]] = found[labels[0]] - found[labels[2]]
    found[labels[10]] = found[labels[6]] - found[labels[7]]
    whole = found[labels[0]]
    return [[shown(label), f"{found[label] / whole * 100:.0f}%"] for label in labels]


def shown(label: str) -> str:
    """A part's label with its depth drawn (markdown drops leading spaces)."""
    depth = (len(label) - len(label.lstrip())) // 2
    return "› " * depth + label.strip()


@contextlib.contextmanager
def database(db: str, logs: Path) -> Iterator[str]:
    if db == "SQLite":
        yield f"sqlite:///{logs}/kept.db"
    else:
        with pg_schema("kept_bench_profile") as url:
            yield url


def bench(db: str, args: argparse.Namespace, logs: Path) -> list[str]:
    fake = FakeProcess()
    fake.add_users(USERS)
    out: list[str] = []
    try:
        with database(db, logs) as url:
            env = dict(
                os.environ,
                SLACK_BOT_TOKEN=TOKEN,
                SLACK_SIGNING_SECRET=SECRET,
                SLACK_API_URL=fake.api_url,
                DATABASE_URL=url,
            )
            runtime = Runtime.build(Settings.from_env(env, env_file=None))
            migrate(runtime.engine)
            kept = KeptWSGI(create_app(runtime), runtime, HealthState())
            bare_url = f"sqlite:///{logs}/bare.db" if db == "SQLite" else url
            made = {"durable_url": bare_url, "signing_secret": SECRET, "api_url": fake.api_url}
            durable = SlackRequestHandler(make_app(**made, token=TOKEN), path="/slack/events")
            ack_only = SlackRequestHandler(
                make_app(**{**made, "durable_url": None}, token=TOKEN), path="/slack/events"
            )
            rows = [
                [name, f"{cpu_per_request(app, fake, args.requests):.2f}"]
                for name, app in (
                    ("Kept", kept),
                    ("bare Bolt, INSERT + commit + answer", durable),
                    ("bare Bolt, ack only", ack_only),
                )
            ]
            out += [f"#### {db}", "", table(["app", "CPU ms per request"], rows), ""]
            out += [
                table(
                    ["part of Kept's request (cProfile)", "share"], parts(kept, fake, args.requests)
                ),
                "",
            ]
            runtime.engine.dispose()
    finally:
        fake.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results-profile.md"))
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="kept-bench-profile-"))
    report = [
        "### CPU per `/promise`, in process, one at a time — "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "",
        f"Machine: {machine()}. {args.requests} requests per app after 200 to warm up.",
        "",
    ]
    for db in ("SQLite", "PostgreSQL"):
        if args.only in (None, db.lower()):
            report += bench(db, args, logs)
    text = "\n".join(report)
    print(text)
    Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
