"""The scheduler's delivery pass (scheduler/passes.py run_pass) at 1,000,000 stored promises.

    .venv/bin/python bench/bench_scheduler.py [--promises 1000000] [--due 10000]
                                              [--only sqlite|postgresql]

For each database: bulk-load N open promises (3 pending deliveries each: heads-up, nudge,
escalation, all in the future; COPY on PostgreSQL, executemany on SQLite), then in a fresh
process (so its peak RSS is the scheduler's, not the loader's):

1. idle passes — nothing due: time per pass, SQL statements per pass (a
   `before_cursor_execute` listener), tracemalloc peak per pass, RSS over 300 passes;
   EXPLAIN ANALYZE (PostgreSQL) / EXPLAIN QUERY PLAN (SQLite) of the claim query as issued;
2. `--due` promises fall due together at T (their nudge is due at T, real clock): one pass
   started at T sends them all to the fake Slack (bench/fake_server.py, its own process):
   pass time, statements, RSS, sends/s and lag (fake's arrival - deadline);
3. nothing queued behind: 100 promises due one by one, 150 ms apart, delivered by the real
   SchedulerLoop (APScheduler, KEPT_TICK_SECONDS default, 1 s): lag per nudge.

Owners' profiles are cached fresh in `people` (no users.info calls) and working hours are not
respected (KEPT_RESPECT_WORKING_HOURS=false), so every due nudge is sent at once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import burst  # noqa: E402
from common import (  # noqa: E402
    BENCH,
    PYTHON,
    SECRET,
    TEAM,
    TOKEN,
    FakeProcess,
    loadavg,
    machine,
    median,
    percentile,
    pg_schema,
    table,
)
from sqlalchemy import event, text  # noqa: E402

from bot.store.db import make_engine  # noqa: E402
from bot.store.migrate import migrate  # noqa: E402

OWNERS = 1000
TRICKLE = 100
TRICKLE_GAP = 0.15
STEPS = ("heads_up", "nudge", "escalation")


# ---------------------------------------------------------------------------- loading


def owner(i: int) -> str:
    return f"U0OWN{i % OWNERS:04d}"


def load(url: str, promises: int) -> dict[str, Any]:
    """Bulk-load `promises` open promises with 3 pending future deliveries each."""
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    rng = random.Random(7)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        if engine.dialect.name == "postgresql":
            _load_pg(conn, promises, now, rng)
        else:
            _load_sqlite(conn, promises, now, rng)
    finally:
        raw.close()
    engine.dispose()
    return {
        "seconds": time.perf_counter() - started,
        "promises": promises,
        "deliveries": promises * 3,
    }


def _rows(promises: int, now: datetime, rng: random.Random) -> Any:
    for pid in range(1, promises + 1):
        deadline = now + timedelta(days=2, seconds=rng.randrange(88 * 86400))
        yield pid, deadline


def _load_pg(conn: Any, promises: int, now: datetime, rng: random.Random) -> None:
    with conn.cursor() as cur:
        with cur.copy(
            "COPY people (team_id, user_id, name, tz, is_admin, is_deleted, fetched_at) FROM STDIN"
        ) as copy:
            for i in range(OWNERS):
                copy.write_row(
                    (TEAM, owner(i), f"Owner {i}", "America/New_York", False, False, now)
                )
        deadlines = []
        with cur.copy(
            "COPY promises (id, team_id, owner_id, created_by, description, deadline, "
            "deadline_version, status, source_channel_id, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            for pid, deadline in _rows(promises, now, rng):
                deadlines.append(deadline)
                who = owner(pid)
                copy.write_row(
                    (
                        pid,
                        TEAM,
                        who,
                        who,
                        f"send Acme the revised quote #{pid}",
                        deadline,
                        1,
                        "open",
                        "C0BENCH",
                        now,
                        now,
                    )
                )
        with cur.copy(
            "COPY deliveries (id, team_id, key, promise_id, step, deadline_version, "
            "due_at, status, attempts, uncertain, created_at) FROM STDIN"
        ) as copy:
            did = 0
            hour, day = timedelta(hours=1), timedelta(hours=24)
            for pid, deadline in enumerate(deadlines, start=1):
                for step, due in zip(
                    STEPS, (deadline - hour, deadline, deadline + day), strict=True
                ):
                    did += 1
                    copy.write_row(
                        (
                            did,
                            TEAM,
                            f"promise:{pid}:v1:{step}",
                            pid,
                            step,
                            1,
                            due,
                            "pending",
                            0,
                            False,
                            now,
                        )
                    )
        cur.execute("SELECT setval(pg_get_serial_sequence('promises', 'id'), %s)", (promises,))
        cur.execute("SELECT setval(pg_get_serial_sequence('deliveries', 'id'), %s)", (did,))
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE people")
        cur.execute("VACUUM ANALYZE promises")
        cur.execute("VACUUM ANALYZE deliveries")


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _load_sqlite(
    conn: sqlite3.Connection, promises: int, now: datetime, rng: random.Random
) -> None:
    stamp = _sqlite_time(now)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO people (team_id, user_id, name, tz, is_admin, is_deleted, fetched_at) "
        "VALUES (?, ?, ?, ?, 0, 0, ?)",
        ((TEAM, owner(i), f"Owner {i}", "America/New_York", stamp) for i in range(OWNERS)),
    )
    deadlines = []

    def promise_rows() -> Any:
        for pid, deadline in _rows(promises, now, rng):
            deadlines.append(deadline)
            who = owner(pid)
            yield (
                pid,
                TEAM,
                who,
                who,
                f"send Acme the revised quote #{pid}",
                _sqlite_time(deadline),
                1,
                "open",
                "C0BENCH",
                stamp,
                stamp,
            )

    conn.executemany(
        "INSERT INTO promises (id, team_id, owner_id, created_by, description, deadline, "
        "deadline_version, status, source_channel_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        promise_rows(),
    )
    hour, day = timedelta(hours=1), timedelta(hours=24)

    def delivery_rows() -> Any:
        did = 0
        for pid, deadline in enumerate(deadlines, start=1):
            for step, due in zip(STEPS, (deadline - hour, deadline, deadline + day), strict=True):
                did += 1
                yield (
                    did,
                    TEAM,
                    f"promise:{pid}:v1:{step}",
                    pid,
                    step,
                    1,
                    _sqlite_time(due),
                    "pending",
                    0,
                    0,
                    stamp,
                )

    conn.executemany(
        "INSERT INTO deliveries (id, team_id, key, promise_id, step, deadline_version, due_at, "
        "status, attempts, uncertain, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        delivery_rows(),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")


# ---------------------------------------------------------------------------- the pass


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_kib()
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            self.peak = max(self.peak, rss_kib())

    def stop(self) -> int:
        self.stopped.set()
        self.join()
        return max(self.peak, rss_kib())


def set_due(engine: Any, ids: range, deadlines: list[datetime], now: datetime) -> None:
    """Make these promises' nudges due at their deadline (heads-up already sent)."""
    sqlite = engine.dialect.name == "sqlite"

    def stamp(moment: datetime) -> Any:
        return _sqlite_time(moment) if sqlite else moment

    with engine.begin() as conn:
        conn.execute(
            text("UPDATE promises SET deadline = :d WHERE id = :id"),
            [{"d": stamp(d), "id": i} for i, d in zip(ids, deadlines, strict=True)],
        )
        conn.execute(
            text("UPDATE deliveries SET due_at = :d WHERE promise_id = :id AND step = 'nudge'"),
            [{"d": stamp(d), "id": i} for i, d in zip(ids, deadlines, strict=True)],
        )
        conn.execute(
            text(
                "UPDATE deliveries SET due_at = :d, status = 'sent', sent_at = :n "
                "WHERE promise_id = :id AND step = 'heads_up'"
            ),
            [
                {"d": stamp(d - timedelta(hours=1)), "n": stamp(now), "id": i}
                for i, d in zip(ids, deadlines, strict=True)
            ],
        )
        conn.execute(
            text(
                "UPDATE deliveries SET due_at = :d WHERE promise_id = :id AND step = 'escalation'"
            ),
            [
                {"d": stamp(d + timedelta(hours=24)), "id": i}
                for i, d in zip(ids, deadlines, strict=True)
            ],
        )


def explain(engine: Any, statement: str, params: Any) -> str:
    """The plan of the claim query exactly as run_pass issued it (rolled back)."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            lines = [row[0] for row in cur.fetchall()]
        else:
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            lines = [str(row[-1]) for row in cur.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(lines)


def run(url: str, api_url: str, promises: int, due: int) -> dict[str, Any]:
    from bot.runtime import Runtime
    from bot.settings import Settings
    from scheduler.loop import SchedulerLoop
    from scheduler.passes import run_pass

    settings = Settings(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        database_url=url,
        slack_api_url=api_url,
        respect_working_hours=False,
        # the pass's own throughput, against a fake that never says no (the paced burst
        # against a rate-limiting fake is --burst)
        slack_pacing=False,
    )
    runtime = Runtime.build(settings)
    engine = runtime.engine
    statements: list[int] = [0]
    claims: list[tuple[str, Any]] = []
    lock = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _count(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        with lock:
            statements[0] += 1
        if "FROM deliveries" in statement and "ORDER BY deliveries.due_at" in statement:
            claims.append((statement, parameters))

    out: dict[str, Any] = {"db": engine.dialect.name, "promises": promises}

    # 1. idle passes
    for _ in range(5):
        run_pass(runtime)
    rss_before = rss_kib()
    times, counts = [], []
    for _ in range(300):
        before = statements[0]
        start = time.perf_counter()
        result = run_pass(runtime)
        times.append(time.perf_counter() - start)
        counts.append(statements[0] - before)
        assert result.claimed == 0, result
    rss_after = rss_kib()
    tracemalloc.start()
    peaks = []
    for _ in range(20):
        tracemalloc.reset_peak()
        run_pass(runtime)
        peaks.append(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
    out["idle"] = {
        "times": times,
        "statements": counts,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "tracemalloc_peak": peaks,
    }
    statement, params = claims[-1]
    out["explain_idle"] = explain(engine, statement, params)
    out["claim_sql"] = statement

    # 2. `due` promises fall due together at T
    moment = datetime.now(UTC) + timedelta(seconds=4)
    set_due(engine, range(1, due + 1), [moment] * due, datetime.now(UTC))
    if isinstance(params, dict):
        due_params = {k: (moment if isinstance(v, datetime) else v) for k, v in params.items()}
    else:
        due_params = tuple(
            moment
            if isinstance(v, datetime)
            else (_sqlite_time(moment) if isinstance(v, str) and v[:2] == "20" else v)
            for v in params
        )
    out["explain_due"] = explain(engine, statement, due_params)
    out["due_at"] = moment.timestamp()
    time.sleep(max(0.0, moment.timestamp() - time.time()))
    sampler = RssSampler()
    rss0 = rss_kib()
    sampler.start()
    before = statements[0]
    cpu0 = time.process_time()
    started = time.time()
    result = run_pass(runtime)
    ended = time.time()
    cpu = time.process_time() - cpu0
    peak = sampler.stop()
    out["due"] = {
        "count": due,
        "started": started,
        "ended": ended,
        "statements": statements[0] - before,
        "cpu": cpu,
        "rss_before": rss0,
        "rss_peak": peak,
        "rss_after": rss_kib(),
        "claimed": result.claimed,
        "sent": result.sent,
        "failed": result.failed,
        "deferred": result.deferred,
        "skipped": result.skipped,
        "errors": len(result.errors),
    }
    with engine.connect() as conn:
        out["due"]["sent_in_db"] = conn.execute(
            text(
                "SELECT count(*) FROM deliveries WHERE step = 'nudge' AND status = 'sent' "
                "AND promise_id <= :n"
            ),
            {"n": due},
        ).scalar()
    after_idle = []
    for _ in range(20):
        start = time.perf_counter()
        run_pass(runtime)
        after_idle.append(time.perf_counter() - start)
    out["idle_after_due"] = {"times": after_idle, "rss": rss_kib()}

    # 3. nothing queued behind: the real loop, one nudge due every TRICKLE_GAP seconds
    first = datetime.now(UTC) + timedelta(seconds=3)
    trickle_ids = range(due + 1, due + 1 + TRICKLE)
    deadlines = [first + timedelta(seconds=TRICKLE_GAP * k) for k in range(TRICKLE)]
    set_due(engine, trickle_ids, deadlines, datetime.now(UTC))
    out["trickle"] = {
        f"promise:{i}:v1:nudge": d.timestamp() for i, d in zip(trickle_ids, deadlines, strict=True)
    }
    loop = SchedulerLoop(runtime)
    loop.start()
    time.sleep(max(0.0, deadlines[-1].timestamp() - time.time()) + 5)
    loop.stop()
    out["tick_seconds"] = settings.tick_seconds
    out["maxrss"] = maxrss_kib()
    engine.dispose()
    return out


# ---------------------------------------------------------------------------- report


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def analyse(
    data: dict[str, Any],
    calls: list[dict[str, Any]],
    load_info: dict[str, Any],
) -> dict[str, Any]:
    due = data["due"]
    moment = data["due_at"]
    due_keys = {f"promise:{i}:v1:nudge" for i in range(1, due["count"] + 1)}
    arrivals: dict[str, list[float]] = {}
    for call in calls:
        arrivals.setdefault(call["key"], []).append(call["wall"])
    due_arrivals = [min(arrivals[k]) for k in due_keys if k in arrivals]
    dup = sum(1 for k in due_keys | data["trickle"].keys() if len(arrivals.get(k, [])) > 1)
    lags = [a - moment for a in due_arrivals]
    trickle_lags = [min(arrivals[k]) - d for k, d in data["trickle"].items() if k in arrivals]
    idle = data["idle"]
    return {
        "db": "PostgreSQL" if data["db"] == "postgresql" else "SQLite",
        "load_s": load_info["seconds"],
        "idle_p50": median(idle["times"]),
        "idle_p99": percentile(idle["times"], 99),
        "idle_max": max(idle["times"]),
        "idle_statements": sorted(set(idle["statements"])),
        "idle_tracemalloc_kib": max(idle["tracemalloc_peak"]) / 1024,
        "idle_rss": (idle["rss_before"], idle["rss_after"]),
        "due_pass_s": due["ended"] - due["started"],
        "due_statements": due["statements"],
        "cpu_per_send": due["cpu"] / max(1, due["sent"]),
        "due_received": len(due_arrivals),
        "duplicates": dup,
        "sends_per_s": len(due_arrivals) / (due["ended"] - due["started"]),
        "first_lag": min(lags) if lags else float("nan"),
        "lag_p50": median(lags),
        "lag_p99": percentile(lags, 99),
        "lag_max": max(lags or [0]),
        "due_rss": (due["rss_before"], due["rss_peak"], due["rss_after"]),
        "idle_after_p50": median(data["idle_after_due"]["times"]),
        "rss_end": data["idle_after_due"]["rss"],
        "sent_in_db": due["sent_in_db"],
        "result": due,
        "trickle_n": len(trickle_lags),
        "trickle_p50": median(trickle_lags),
        "trickle_p99": percentile(trickle_lags, 99),
        "trickle_max": max(trickle_lags or [0]),
        "maxrss": data["maxrss"],
        "tick": data["tick_seconds"],
        "explain_idle": data["explain_idle"],
        "explain_due": data["explain_due"],
    }


def render(
    results: list[dict[str, Any]], args: argparse.Namespace, started: str, notes: list[str]
) -> str:
    n = f"{args.promises:,}"
    rows = []
    for r in results:
        rows.append(
            [
                r["db"],
                f"{r['load_s']:.0f} s",
                ms(r["idle_p50"]),
                ms(r["idle_p99"]),
                "/".join(str(s) for s in r["idle_statements"]),
                f"{r['idle_tracemalloc_kib']:.0f} KiB",
                f"{r['idle_rss'][0] / 1024:.1f} → {r['idle_rss'][1] / 1024:.1f} MiB",
            ]
        )
    due_rows = []
    for r in results:
        due_rows.append(
            [
                r["db"],
                f"{r['due_pass_s']:.2f} s",
                f"{r['due_received']:,}/{args.due:,}",
                r["duplicates"],
                r["due_statements"],
                f"{r['due_statements'] / args.due:.1f}",
                f"{r['sends_per_s']:.0f}",
                f"{r['first_lag']:.2f} s",
                f"{r['lag_p50']:.2f} s",
                f"{r['lag_p99']:.2f} s",
                ms(r["cpu_per_send"]),
                "{:.0f} → {:.0f} → {:.0f} MiB".format(*(x / 1024 for x in r["due_rss"])),
                ms(r["idle_after_p50"]),
            ]
        )
    trickle_rows = [
        [
            r["db"],
            r["trickle_n"],
            f"{r['tick']:g} s",
            f"{r['trickle_p50']:.2f} s",
            f"{r['trickle_p99']:.2f} s",
            f"{r['trickle_max']:.2f} s",
        ]
        for r in results
    ]
    target_rows = []
    for r in results:
        target_rows += [
            [
                r["db"],
                f"idle pass < 20 ms at {n}",
                f"p99 {ms(r['idle_p99'])} ms",
                "met" if r["idle_p99"] < 0.020 else "NOT met",
            ],
            [
                r["db"],
                "≥ 600 sends/s",
                f"{r['sends_per_s']:.0f}/s",
                "met" if r["sends_per_s"] >= 600 else "NOT met",
            ],
            [
                r["db"],
                "p99 lag < 250 ms, nothing queued behind",
                f"p99 {r['trickle_p99']:.2f} s",
                "met" if r["trickle_p99"] < 0.25 else "NOT met",
            ],
            [
                r["db"],
                "memory flat (idle +< 1 MiB over 300 passes; after the due pass +< 10 MiB)",
                f"idle RSS {r['idle_rss'][0] / 1024:.1f} → {r['idle_rss'][1] / 1024:.1f} MiB; "
                f"{args.due:,}-due pass peak +{(r['due_rss'][1] - r['due_rss'][0]) / 1024:.1f}, "
                f"after +{(r['due_rss'][2] - r['due_rss'][0]) / 1024:.1f} MiB",
                "met"
                if (
                    r["idle_rss"][1] - r["idle_rss"][0] < 1024
                    and r["due_rss"][2] - r["due_rss"][0] < 10 * 1024
                )
                else "NOT met",
            ],
        ]
    out = [
        f"### Scheduler pass — {started}",
        "",
        f"Machine: {machine()}. {n} open promises stored ({args.promises * 3:,} pending "
        f"deliveries: heads-up, nudge, escalation, due 2–90 days ahead), {OWNERS:,} owners "
        "with fresh cached profiles; run_pass defaults (batch 32, 8 sender threads); fake "
        "Slack in its own process on loopback.",
        "",
        "**(a) Idle pass, nothing due** (300 passes after 5 warm-up; SQL = statements per "
        "pass counted by a `before_cursor_execute` listener, which sees BEGIN IMMEDIATE on "
        "SQLite but not the pool's pre-ping; tracemalloc = peak traced allocation in one "
        "pass, max of 20)",
        "",
        table(
            [
                "DB",
                "bulk load",
                "pass p50 ms",
                "pass p99 ms",
                "SQL/pass",
                "tracemalloc peak",
                "RSS over 300 passes",
            ],
            rows,
        ),
        "",
        f"**(a)+(b) {args.due:,} nudges due together at T**, pass started at T with a real "
        "clock; sends/s = nudges received by the fake / pass time; lag = fake's arrival − "
        "deadline; CPU = the scheduler process's CPU time during the pass per nudge sent; "
        "RSS = before → peak during → after the pass (sampled every 20 ms)",
        "",
        table(
            [
                "DB",
                "pass time",
                "received",
                "dupes",
                "SQL",
                "SQL/send",
                "sends/s",
                "first lag",
                "lag p50",
                "lag p99",
                "CPU ms/send",
                "RSS",
                "next idle pass p50 ms",
            ],
            due_rows,
        ),
        "",
        f"**(b) Nothing queued behind**: {TRICKLE} nudges due one by one, {TRICKLE_GAP} s "
        "apart, delivered by the real SchedulerLoop",
        "",
        table(["DB", "nudges", "tick", "lag p50", "lag p99", "lag max"], trickle_rows),
        "",
        "Targets:",
        "",
        table(["DB", "target", "measured", ""], target_rows),
        "",
    ]
    for r in results:
        how = "EXPLAIN (ANALYZE, BUFFERS)" if r["db"] == "PostgreSQL" else "EXPLAIN QUERY PLAN"
        out += [
            f"{how} of the claim query on {r['db']}, nothing due:",
            "",
            "```",
            r["explain_idle"],
            "```",
            "",
            f"… and with {args.due:,} due (before the pass):",
            "",
            "```",
            r["explain_due"],
            "```",
            "",
        ]
    out += [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--promises", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--out",
        help="where the table goes (results-scheduler.md, or results-burst.md with --burst)",
    )
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--burst", action="store_true", help="the rate-limited burst only")
    parser.add_argument("--quiet", type=int, default=100, help="--burst: the other workspace")
    parser.add_argument("--scale", type=float, default=10.0, help="--burst: Slack's rates times")
    parser.add_argument("--burst-run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.burst_run:
        print(json.dumps(burst.run(args.burst_run, args.api_url, args.due, args.quiet, args.scale)))
        return 0
    if args.burst:
        return main_burst(args)
    if args.load:
        print(json.dumps(load(args.load, args.promises)))
        return 0
    if args.run:
        print(json.dumps(run(args.run, args.api_url, args.promises, args.due)))
        return 0

    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    work = Path(tempfile.mkdtemp(prefix="kept-bench-sched-"))
    fake = FakeProcess()
    fake.add_users([(owner(i), "America/New_York") for i in range(OWNERS)])
    results, notes = [], []
    script = str(Path(__file__).resolve())

    def child(*extra: str) -> dict[str, Any]:
        proc = subprocess.run(
            [PYTHON, script, "--promises", str(args.promises), "--due", str(args.due), *extra],
            capture_output=True,
            text=True,
            cwd=str(work),
            env=dict(os.environ),
            timeout=900,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"child {extra[0]} failed:\n{proc.stderr[-3000:]}")
        if proc.stderr.strip():
            warnings = [ln for ln in proc.stderr.splitlines() if "WARNING" in ln or "ERROR" in ln]
            if warnings:
                notes.append(f"{len(warnings)} warnings/errors logged, e.g. `{warnings[0][:200]}`")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def bench(url: str, name: str) -> None:
        print(f"{name}: loading {args.promises:,} promises (load {loadavg()})", flush=True)
        load_info = child("--load", url)
        print(
            f"  loaded in {load_info['seconds']:.0f} s; running passes (load {loadavg()})",
            flush=True,
        )
        fake.reset()
        fake_cpu = fake.cpu()
        data = child("--run", url, "--api-url", fake.api_url)
        fake_cpu = fake.cpu() - fake_cpu
        fake.wait_count("chat.postMessage", args.due + TRICKLE, timeout=30)
        calls = fake.dump("chat.postMessage")
        r = analyse(data, calls, load_info)
        results.append(r)
        print(
            f"  idle p50 {ms(r['idle_p50'])} ms p99 {ms(r['idle_p99'])} ms, "
            f"{args.due} due: {r['due_pass_s']:.2f} s, {r['sends_per_s']:.0f} sends/s, "
            f"lag p99 {r['lag_p99']:.2f} s; trickle lag p99 {r['trickle_p99']:.2f} s "
            f"(load {loadavg()})",
            flush=True,
        )
        res = r["result"]
        notes.append(
            f"{r['db']}: due pass claimed {res['claimed']:,}, sent {res['sent']:,}, failed "
            f"{res['failed']}, deferred {res['deferred']}, skipped {res['skipped']}, errors "
            f"{res['errors']}; {r['sent_in_db']:,} nudges marked sent in the database, "
            f"{r['due_received']:,} received by the fake, {r['duplicates']} keys received "
            f"more than once; peak RSS of the scheduler process {r['maxrss'] / 1024:.0f} MiB; "
            f"the fake Slack used {fake_cpu:.1f} s CPU over the whole run "
            f"({fake_cpu / (args.due + TRICKLE) * 1000:.1f} ms per message received)"
        )

    try:
        if args.only in (None, "postgresql"):
            with pg_schema("kept_bench_sched") as url:
                bench(url, "PostgreSQL")
        if args.only in (None, "sqlite"):
            path = work / "kept.db"
            bench(f"sqlite:///{path}", "SQLite")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    finally:
        fake.close()
    report = render(results, args, started, notes)
    print()
    print(report)
    Path(args.out or BENCH / "results-scheduler.md").write_text(report)
    return 0


def main_burst(args: argparse.Namespace) -> int:
    """The rate-limited burst (bench/burst.py) on each database, into results-burst.md."""
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    work = Path(tempfile.mkdtemp(prefix="kept-bench-burst-"))
    fake = FakeProcess()
    for team_id, count in ((burst.BUSY, args.due), (burst.QUIET, args.quiet)):
        fake.add_workspace(team_id, burst.token(team_id))
        fake.add_users([(u, "America/New_York", team_id) for u in burst.owners(team_id, count)])
    results, notes = [], [f"{started}, {machine()}"]

    def one(url: str, name: str) -> None:
        fake.reset()
        fake.limit_rates(burst.fake_limits(args.scale))
        before = loadavg()
        proc = subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "--burst-run", url, "--api-url", fake.api_url]
            + ["--due", str(args.due), "--quiet", str(args.quiet), "--scale", str(args.scale)],
            capture_output=True,
            text=True,
            cwd=str(work),
            env=dict(os.environ),
            timeout=3600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"burst run failed:\n{proc.stderr[-3000:]}")
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        r = burst.analyse(
            data, fake.dump("chat.postMessage"), fake.tally(), args.due, args.quiet, args.scale
        )
        results.append(r)
        busy, calm = r[burst.BUSY], r[burst.QUIET]
        notes.append(
            f"{name}: load average {before} before, {loadavg()} after (shared machine); "
            f"{data['sent_in_db']:,} nudges marked sent in the database "
            f"(nudge rows by status: {data['statuses']}); busy workspace first post after "
            f"{busy['first_s']:.1f} s; the quiet workspace's first after {calm['first_s']:.1f} s, "
            f"last after {calm['drain_s']:.1f} s; rows postponed to their turn "
            f"{data['postponed']:,}; 429s that held a workspace {data['held']}; calls by method "
            f"{r['by_method']}; 429s by method {r['limited'] or 'none'}; scheduler CPU "
            f"{data['cpu']:.0f} s; loading took {data['load_s']:.0f} s; the busy workspace's "
            f"posts in each second from the start: {r['busy_per_second']}"
        )
        print(notes[-1], flush=True)

    try:
        if args.only in (None, "postgresql"):
            with pg_schema("kept_bench_burst") as url:
                one(url, "PostgreSQL")
        if args.only in (None, "sqlite"):
            path = work / "kept.db"
            one(f"sqlite:///{path}", "SQLite")
    finally:
        fake.close()
    report = burst.render(results, args.due, args.quiet, args.scale, notes)
    print()
    print(report)
    Path(args.out or BENCH / "results-burst.md").write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
