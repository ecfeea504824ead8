"""`/promise` end to end over HTTP: Kept (`kept run`, waitress + KeptWSGI) vs two bare Bolt
apps (bench/bare_app.py): one that only acks, and one that does the least a durable answer
must — one INSERT and a commit, then the stored text in the ack — on SQLite and PostgreSQL, at
concurrency 1 and 20, all in the same run.

    .venv/bin/python bench/bench_http.py [--requests 400] [--warmup 60] [--only sqlite|postgresql]

Four processes besides this one: the Kept server, the two bare servers and the fake Slack
(bench/fake_server.py), so the load generator (threads with keep-alive http.client
connections, here) shares the GIL with none of them. Every request is a real slash command
signed with a fresh timestamp. Kept commits the promise, then answers in the acknowledgement
itself (an ephemeral message in the HTTP response); only when Slack is slow to tell who the
user is does it ack "working on it" and answer on the response_url. The table measures the
user-visible answer: the ack when it carries the reply, else the response_url post. The bare
apps' ack is their answer. After each database, the script checks that every
request Kept acked stored exactly one promise (request_key = "command:<trigger_id>"), and
that the durable bare app stored one row per ack.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
from sqlalchemy import create_engine, text  # noqa: E402

from bot.store.db import normalise_url  # noqa: E402
from tests.slackreq import new_trigger_id, sign, slash_command_body  # noqa: E402

USERS = [
    (f"U0BENCH{i:02d}", tz)
    for i, tz in enumerate(
        ["America/New_York", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"] * 5
    )
]
TEXTS = [
    "send Acme the revised quote by tomorrow 5pm",
    "call Jane Doe back about the supervisor role by Friday 5pm",
    "send the offer letter to Priya by next Tuesday 10am",
    "share the pricing deck with Globex by tomorrow noon",
]
CHANNEL = "C0BENCH"
ACK_ONLY = "bare Bolt, ack only"
DURABLE = "bare Bolt, INSERT + commit + answer"


@dataclass
class Sent:
    key: str
    trigger_id: str
    start: float
    end: float
    status: int
    body: bytes = b""


@dataclass
class Cell:
    db: str
    server: str
    concurrency: int
    sent: list[Sent]
    wall: float
    cpu: float  # server CPU seconds from the cell's start until its work was done
    roundtrips: list[float] = field(default_factory=list)
    answered_ok: int = 0
    answered_bad: int = 0
    answered_late: int = 0  # acked "working on it", answered on the response_url
    note: str = ""
    load: str = ""
    gate: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # Kept only

    @property
    def acks(self) -> list[float]:
        return [s.end - s.start for s in self.sent if s.status == 200]

    @property
    def non200(self) -> int:
        return sum(1 for s in self.sent if s.status != 200)

    @property
    def rps(self) -> float:
        return len(self.sent) / self.wall


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], log: Path, ready_path: str
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log = log
        self.log_file = log.open("w")
        cwd = tempfile.mkdtemp(prefix="kept-bench-cwd-")  # no stray .env is read
        self.proc = subprocess.Popen(
            argv + ["--port", str(self.port)],
            env=env,
            cwd=cwd,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: see {log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", ready_path)
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start: see {log}") from None
                time.sleep(0.1)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def warnings(self) -> list[str]:
        self.log_file.flush()
        return [
            line.strip()
            for line in self.log.read_text().splitlines()
            if " WARNING " in line or " ERROR " in line or "Traceback" in line
        ]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


def profile(pid: int, where: Path, db: str) -> list[subprocess.Popen[bytes]]:
    """py-spy attached to Kept for one cell: a flame graph (SVG) and the collapsed stacks
    that bench/where_time_goes.py sums into a table. Non-blocking sampling: Kept is never
    paused, so the profile does not slow what it measures."""
    where.mkdir(parents=True, exist_ok=True)
    name = db.lower()
    spies = []
    for fmt, suffix in (("flamegraph", "svg"), ("raw", "txt")):
        spies.append(
            subprocess.Popen(
                [
                    str(Path(PYTHON).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    "200",
                    "--nonblocking",
                    "--gil",
                    "--threads",
                    "--format",
                    fmt,
                    "--output",
                    str(where / f"profile-{name}.{suffix}"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    time.sleep(1.0)  # py-spy attaches before the load starts
    return spies


def load(port: int, fake: FakeProcess, total: int, concurrency: int) -> tuple[list[Sent], float]:
    """`total` signed /promise commands from `concurrency` keep-alive connections."""
    rng = random.Random(total * 31 + concurrency)
    prepared = []
    for _ in range(total):
        key, trigger = uuid.uuid4().hex, new_trigger_id()
        user, _tz = rng.choice(USERS)
        body = slash_command_body(
            text=rng.choice(TEXTS),
            user_id=user,
            team_id=TEAM,
            channel_id=CHANNEL,
            response_url=fake.response_url(key),
            trigger_id=trigger,
        )
        prepared.append((key, trigger, body))
    results: list[Sent | None] = [None] * total
    counter = itertools.count()
    errors: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            i = next(counter)
            if i >= total:
                break
            key, trigger, body = prepared[i]
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            headers.update(sign(body, SECRET))
            start = time.monotonic()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{type(error).__name__}: {error}")
                status, answer = 0, b""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            results[i] = Sent(key, trigger, start, time.monotonic(), status, answer)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = max(s.end for s in results if s) - began
    if errors:
        print(f"    {len(errors)} client errors, e.g. {errors[0]}", flush=True)
    return [s for s in results if s is not None], wall


def _answer_text(body: bytes) -> str:
    try:
        return str(json.loads(body or b"{}").get("text") or "")
    except ValueError:
        return ""


GATE_METRICS = ("kept_writer_gate_wait_seconds", "kept_writer_gate_held_seconds")


def gate_buckets(metrics_port: int) -> dict[str, list[tuple[float, float]]]:
    """Kept's writer-gate histograms from GET /metrics: {name: [(le, cumulative count)]}."""
    conn = http.client.HTTPConnection("127.0.0.1", metrics_port, timeout=5)
    conn.request("GET", "/metrics")
    body = conn.getresponse().read().decode()
    conn.close()
    found: dict[str, list[tuple[float, float]]] = {name: [] for name in GATE_METRICS}
    for line in body.splitlines():
        for name in GATE_METRICS:
            if line.startswith(f'{name}_bucket{{le="'):
                le = line.split('le="', 1)[1].split('"', 1)[0]
                found[name].append((float(le), float(line.rsplit(" ", 1)[1])))
    return found


def gate_delta(
    before: dict[str, list[tuple[float, float]]], after: dict[str, list[tuple[float, float]]]
) -> dict[str, list[tuple[float, float]]]:
    return {
        name: [(le, n - n0) for (le, n), (_, n0) in zip(after[name], before[name], strict=True)]
        for name in after
    }


def bucket_quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """The upper bound of the bucket holding the q-quantile (seconds; inf past the last)."""
    total = buckets[-1][1] if buckets else 0
    for le, count in buckets:
        if total and count >= q * total:
            return le
    return float("nan")


def run_cell(
    db: str,
    server: Server,
    fake: FakeProcess,
    total: int,
    concurrency: int,
    kept: bool,
    metrics_port: int | None = None,
) -> Cell:
    fake.reset()
    load_before = loadavg().split()[0]
    cpu0 = server.cpu()
    gate0 = gate_buckets(metrics_port) if metrics_port else None
    sent, wall = load(server.port, fake, total, concurrency)
    cell = Cell(db, server.name, concurrency, sent, wall, 0.0, load=load_before)
    if gate0 is not None and metrics_port:
        cell.gate = gate_delta(gate0, gate_buckets(metrics_port))
    if kept:
        # the user sees the answer in the ack itself, or (after "working on it", when Slack
        # was slow to say who they are) on the response_url: measure whichever carries it
        later = []
        for s in sent:
            words = _answer_text(s.body)
            if words.startswith("Got it"):
                cell.roundtrips.append(s.end - s.start)
                cell.answered_ok += 1
            elif "Working on it" in words:
                later.append(s)
            elif s.status == 200:
                cell.answered_bad += 1
        if later:
            got = fake.wait_count("response_url", len(later), timeout=120)
            if got < len(later):
                cell.note = f"only {got}/{len(later)} late answers within 120 s"
            answers = {row["key"]: row for row in fake.dump("response_url")}
            for s in later:
                row = answers.get(s.key)
                if row is None:
                    continue
                cell.roundtrips.append(row["at"] - s.start)
                if row["text"].startswith("Got it"):
                    cell.answered_ok += 1
                else:
                    cell.answered_bad += 1
        cell.answered_late = len(later)
    cell.cpu = server.cpu() - cpu0
    return cell


def stored_promises(url: str) -> dict[str, int]:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT request_key, count(*) FROM promises GROUP BY request_key")
        ).all()
    engine.dispose()
    return {str(k): int(n) for k, n in rows}


def stored_rows(url: str, table_name: str) -> int:
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        count = conn.execute(text(f"SELECT count(*) FROM {table_name}")).scalar_one()
    engine.dispose()
    return int(count)


def bench_database(
    db: str, url: str, fake: FakeProcess, bare: Server, args: argparse.Namespace, logs: Path
) -> tuple[list[Cell], list[str]]:
    bare_url = f"sqlite:///{logs}/bare-durable.db" if url.startswith("sqlite") else url
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=url,
    )
    env.pop("SLACK_APP_TOKEN", None)
    metrics_port = free_port()
    kept = Server(
        f"kept ({db})",
        [PYTHON, "-m", "bot", "run", "--no-scheduler", "--host", "127.0.0.1"],
        dict(env, KEPT_METRICS_ADDR=f"127.0.0.1:{metrics_port}"),
        logs / f"kept-{db}.log",
        "/healthz",
    )
    durable = Server(
        f"bare durable ({db})",
        [PYTHON, str(BENCH / "bare_app.py"), "--durable", "--host", "127.0.0.1"],
        dict(env, DATABASE_URL=bare_url),
        logs / f"bare-durable-{db}.log",
        "/",
    )
    notes: list[str] = []
    cells: list[Cell] = []
    kept_triggers: list[str] = []
    durable_acks = 0
    durable_answers = 0
    servers = ((kept, True, "Kept"), (bare, False, ACK_ONLY), (durable, False, DURABLE))
    try:
        for server, is_kept, name in servers:
            warm = run_cell(db, server, fake, args.warmup, 4, is_kept)
            if is_kept:
                kept_triggers += [s.trigger_id for s in warm.sent if s.status == 200]
            if name == DURABLE:
                durable_acks += sum(1 for s in warm.sent if s.status == 200)
        for concurrency in (1, 20):
            for server, is_kept, name in servers:
                print(f"  {db}: {server.name} c={concurrency} (load {loadavg()})", flush=True)
                spies = (
                    profile(server.proc.pid, Path(args.profile), db)
                    if args.profile and is_kept and concurrency == 20
                    else []
                )
                cell = run_cell(
                    db,
                    server,
                    fake,
                    args.requests,
                    concurrency,
                    is_kept,
                    metrics_port if is_kept else None,
                )
                for spy in spies:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=60)
                cell.server = name
                cells.append(cell)
                if is_kept:
                    kept_triggers += [s.trigger_id for s in cell.sent if s.status == 200]
                if name == DURABLE:
                    durable_acks += sum(1 for s in cell.sent if s.status == 200)
                    durable_answers += sum(
                        1 for s in cell.sent if _answer_text(s.body).startswith("Got it")
                    )
                if cell.gate:
                    print(f"    gate: {' | '.join(map(str, gate_row(cell)[2:]))}", flush=True)
                print(
                    f"    {cell.rps:.1f} req/s, ack p50 {median(cell.acks) * 1000:.1f} ms "
                    f"p99 {percentile(cell.acks, 99) * 1000:.1f} ms, non-200 {cell.non200}"
                    + (
                        f", answer p50 {median(cell.roundtrips) * 1000:.0f} ms "
                        f"p99 {percentile(cell.roundtrips, 99) * 1000:.0f} ms"
                        if is_kept
                        else ""
                    ),
                    flush=True,
                )
        kept_cells = [c for c in cells if c.server == "Kept"]
        notes.append(
            f"{db}: answers in the measured Kept cells: "
            f'{sum(c.answered_ok for c in kept_cells)} "Got it" '
            f"({sum(c.answered_late for c in kept_cells)} of them after a 'working on it' ack), "
            f"{sum(c.answered_bad for c in kept_cells)} other, "
            f"{sum(len(c.sent) - len(c.roundtrips) for c in kept_cells)} missing"
            + "".join(f"; {c.note}" for c in kept_cells if c.note)
        )
        stored = stored_promises(url)
        expected = {f"command:{t}" for t in kept_triggers}
        duplicates = sum(1 for n in stored.values() if n > 1)
        missing = len(expected - stored.keys())
        extra = len(stored.keys() - expected)
        notes.append(
            f"{db}: {len(expected)} commands acked with 200, {sum(stored.values())} promises "
            f"stored, {missing} missing, {duplicates} stored more than once, {extra} unexpected"
            + (
                " — exactly one promise per request"
                if not (missing or duplicates or extra)
                else " — MISMATCH"
            )
        )
        durable_rows = stored_rows(bare_url, "bare_commands")
        notes.append(
            f"{db}: the durable bare app acked {durable_acks} commands with 200 and stored "
            f"{durable_rows} rows; {durable_answers} of its measured acks carried the stored text"
        )
        warnings = kept.warnings()
        queue_warnings = [w for w in warnings if "Task queue depth" in w]
        others = [w for w in warnings if "Task queue depth" not in w]
        if queue_warnings:
            depths = [
                int(w.rsplit(" ", 1)[1]) for w in queue_warnings if w.rsplit(" ", 1)[1].isdigit()
            ]
            notes.append(
                f"{db}: waitress logged 'Task queue depth' {len(queue_warnings)} times"
                + (f" (max {max(depths)})" if depths else "")
            )
        if others:
            notes.append(
                f"{db}: Kept logged {len(others)} other warnings/errors, e.g. `{others[0][:200]}`"
            )
    finally:
        kept.stop()
        durable.stop()
    return cells, notes


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def render(cells: list[Cell], notes: list[str], args: argparse.Namespace, started: str) -> str:
    rows = []
    for c in cells:
        rows.append(
            [
                c.db,
                c.server,
                c.concurrency,
                len(c.sent),
                f"{c.rps:.1f}",
                ms(median(c.acks)),
                ms(percentile(c.acks, 99)),
                ms(median(c.roundtrips)) if c.roundtrips else "—",
                ms(percentile(c.roundtrips, 99)) if c.roundtrips else "—",
                c.non200,
                f"{c.cpu / len(c.sent) * 1000:.1f}",
                c.load,
            ]
        )
    out = [
        f"### HTTP `/promise` — {started}",
        "",
        f"Machine: {machine()}. {args.requests} requests per cell after {args.warmup} warm-up "
        "requests per server; waitress threads 8 (KEPT_HTTP_THREADS default), "
        "channel_timeout 30, connection_limit 1000 for both servers.",
        "",
        table(
            [
                "DB",
                "server",
                "conc.",
                "requests",
                "req/s",
                "ack p50 ms",
                "ack p99 ms",
                "answer p50 ms",
                "answer p99 ms",
                "non-200",
                "server CPU ms/req",
                "load avg",
            ],
            rows,
        ),
        "",
        "Answer = from sending the command to the user-visible answer: Kept's ack body (or, "
        "after a 'working on it' ack, the response_url post); the ack-only bare app answers "
        "nothing but its ack, the durable one answers in its ack with the text it stored. "
        "req/s counts answered commands. Server CPU = user+system "
        "time of the server process from the cell's start until its last answer was posted, "
        "per request. Load avg = the machine's 1-minute load average when the cell started (other "
        "people's test runs share the 2 cores).",
        "",
        "Ratios (Kept vs each bare Bolt app, same run, DB and concurrency; the targets of "
        "issue 20 are against the durable one):",
        "",
    ]
    target_rows = []
    for db in dict.fromkeys(c.db for c in cells):
        for conc in (1, 20):
            found = {c.server: c for c in cells if c.db == db and c.concurrency == conc}
            k = found.get("Kept")
            if k is None:
                continue
            row: list[Any] = [db, conc]
            # what the user feels: Kept's answer (in its ack) against each bare app's ack
            kept_p99 = percentile(k.roundtrips or k.acks, 99)
            for name in (ACK_ONLY, DURABLE):
                b = found.get(name)
                if b is None:
                    row += ["—", "—"]
                    continue
                ratio = k.rps / b.rps
                p99 = kept_p99 / percentile(b.acks, 99)
                if name == DURABLE:
                    row += [
                        f"{ratio:.2f} ({'met' if ratio >= 2 / 3 else 'NOT met'})",
                        f"{p99:.2f} ({'met' if p99 <= 1.5 else 'NOT met'})",
                    ]
                else:
                    row += [f"{ratio:.2f}", f"{p99:.2f}"]
            target_rows.append(row)
    out.append(
        table(
            [
                "DB",
                "conc.",
                "answered/s Kept / ack-only",
                "answer p99 Kept / ack-only p99",
                "answered/s Kept / durable (≥ 0.67)",
                "answer p99 Kept / durable p99 (≤ 1.5)",
            ],
            target_rows,
        )
    )
    gated = [c for c in cells if c.gate]
    if gated:
        out += [
            "",
            "Kept's writer gate per cell (`kept_writer_gate_*_seconds` from GET /metrics, the "
            "cell's requests only): how many write transactions passed it, and how long each "
            "waited for it and held it. Quantiles are bucket upper bounds; the histogram gives "
            "the share of transactions that held the gate up to each bound.",
            "",
            table(
                [
                    "DB",
                    "conc.",
                    "passes",
                    "wait p50 ms",
                    "wait p99 ms",
                    "held p50 ms",
                    "held p99 ms",
                    "held ≤ 1 / 2 / 5 / 10 / 25 ms",
                ],
                [gate_row(c) for c in gated],
            ),
        ]
    out += ["", *[f"- {n}" for n in notes], ""]
    return "\n".join(out)


def gate_row(c: Cell) -> list[Any]:
    wait = c.gate["kept_writer_gate_wait_seconds"]
    held = c.gate["kept_writer_gate_held_seconds"]
    total = held[-1][1] if held else 0
    shares = []
    for bound in (0.001, 0.002, 0.005, 0.01, 0.025):
        count = next((n for le, n in held if abs(le - bound) < 1e-9), 0)
        shares.append(f"{count / total * 100:.0f}%" if total else "—")
    return [
        c.db,
        c.concurrency,
        int(total),
        ms(bucket_quantile(wait, 0.5)),
        ms(bucket_quantile(wait, 0.99)),
        ms(bucket_quantile(held, 0.5)),
        ms(bucket_quantile(held, 0.99)),
        " / ".join(shares),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--out", default=str(BENCH / "results-http.md"))
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="attach py-spy to Kept during its 20-concurrent cell; write the flame graph there",
    )
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    logs = Path(tempfile.mkdtemp(prefix="kept-bench-http-"))
    print(f"logs in {logs}", flush=True)
    fake = FakeProcess()
    fake.add_users(USERS)
    env = dict(
        os.environ, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url
    )
    bare = None
    cells: list[Cell] = []
    notes: list[str] = []
    try:
        bare = Server(
            "bare",
            [PYTHON, str(BENCH / "bare_app.py"), "--host", "127.0.0.1"],
            env,
            logs / "bare.log",
            "/",
        )
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{logs}/kept.db"
            c, n = bench_database("SQLite", url, fake, bare, args, logs)
            cells += c
            notes += n
        if args.only in (None, "postgresql"):
            with pg_schema("kept_bench_http") as url:
                c, n = bench_database("PostgreSQL", url, fake, bare, args, logs)
                cells += c
                notes += n
    finally:
        if bare is not None:
            bare.stop()
        fake.close()
    report = render(cells, notes, args, started)
    print()
    print(report)
    Path(args.out).write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
