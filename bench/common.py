"""Shared helpers for the benchmark scripts: the fake Slack process, PostgreSQL schemas,
percentiles and markdown tables."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
PG_URL = os.environ.get("KEPT_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = "xoxb-bench"
SECRET = "bench-signing-secret"
TEAM = "T0BENCH"


class FakeProcess:
    """bench/fake_server.py in a subprocess."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, str(BENCH / "fake_server.py"), TOKEN],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=str(ROOT),
        )
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.api_url: str = info["api_url"]
        self.base_url: str = info["base_url"]
        self.dir = Path(tempfile.mkdtemp(prefix="kept-bench-fake-"))

    def _ask(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if not answer.startswith("ok"):
            raise RuntimeError(f"fake slack: {line!r} -> {answer!r}")
        return answer[2:].strip()

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/response/{quote(key, safe='')}"

    def add_users(self, users: Sequence[tuple[str, ...]]) -> None:
        self._ask("users " + json.dumps([list(u) for u in users]))

    def add_workspace(self, team_id: str, token: str) -> None:
        self._ask(f"workspace {team_id} {token}")

    def limit_rates(self, fields: dict[str, Any] | None) -> None:
        """tests.fakeslack.RateLimits fields (real-time buckets); None: no limits."""
        self._ask("limits " + json.dumps(fields))

    def tally(self) -> list[tuple[str, int, str, int]]:
        """(method, status, token, calls) over every call received."""
        path = self.dir / f"tally-{uuid.uuid4().hex[:6]}.json"
        self._ask(f"tally {path}")
        rows = json.loads(path.read_text())
        path.unlink()
        return [(m, status, token, n) for (m, status, token), n in rows]

    def count(self, method: str) -> int:
        return int(self._ask(f"count {method}"))

    def wait_count(self, method: str, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        seen = self.count(method)
        while seen < count and time.monotonic() < deadline:
            time.sleep(0.05)
            seen = self.count(method)
        return seen

    def dump(self, method: str) -> list[dict[str, Any]]:
        path = self.dir / f"{method}-{uuid.uuid4().hex[:6]}.json"
        self._ask(f"dump {method} {path}")
        rows: list[dict[str, Any]] = json.loads(path.read_text())
        path.unlink()
        return rows

    def cpu(self) -> float:
        """CPU seconds (user + system) the fake Slack process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        if self.proc.poll() is None:
            with suppress(RuntimeError, OSError, ValueError):
                self._ask("quit")
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@contextmanager
def pg_schema(prefix: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan")
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"
