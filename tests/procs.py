"""Real `kept` processes for end-to-end tests: free ports, health checks, guaranteed cleanup.

    with KeptProcesses(tmp_path) as procs:
        proc = procs.start(env)        # python -m bot run --host 127.0.0.1 --port <free>
        proc.wait_healthy()
        proc.kill()                    # SIGKILL, like a crash

Every process started here is killed (SIGKILL) and reaped when the context exits, whatever
happened in the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(**settings: str) -> dict[str, str]:
    """The parent's environment minus any KEPT_/SLACK_ settings, plus `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KEPT_", "SLACK_", "DATABASE_URL", "PORT"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    # the fake enforces no rate limits unless a test switches them on: pacing off with them
    # (as conftest's settings; tests/test_pacing.py tests pacing)
    env["KEPT_SLACK_PACING"] = "false"
    env.update(settings)
    return env


class KeptProcess:
    def __init__(self, args: list[str], env: dict[str, str], log_path: Path, port: int) -> None:
        self.port = port
        self.log_path = log_path
        self._log = log_path.open("wb")
        # cwd: an empty directory, so no stray .env is read
        self.popen = subprocess.Popen(
            args,
            env=env,
            cwd=log_path.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict[str, Any] | None:
        try:
            with _OPENER.open(f"{self.url}/healthz", timeout=2) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except (OSError, urllib.error.URLError, ValueError):
            return None

    def wait_healthy(self, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"kept exited with {self.popen.returncode}:\n{self.logs()}")
            body = self.health()
            if body is not None and body.get("ok"):
                return body
            time.sleep(0.1)
        raise AssertionError(f"kept not healthy after {timeout}s:\n{self.logs()}")

    def kill(self) -> None:
        """SIGKILL the process (and anything it started), then reap it."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        self._log.close()

    def terminate(self) -> float:
        """Send SIGTERM (what systemd and Kubernetes send) to the process only; returns when
        it was sent (time.monotonic())."""
        sent = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            self.popen.send_signal(signal.SIGTERM)
        return sent

    def wait_exit(self, timeout: float) -> int | None:
        """The exit status once the process has ended, or None if it still runs after
        `timeout` seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def logs(self, tail: int = 4000) -> str:
        self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""


class KeptProcesses:
    """Starts `kept run` processes and kills every one of them on exit."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[KeptProcess] = []

    def start(self, env: dict[str, str], *extra: str) -> KeptProcess:
        port = free_port()
        number = len(self.started) + 1
        workdir = self.directory / f"kept-{number}"
        workdir.mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ]
        process = KeptProcess(args, env, workdir / "kept.log", port)
        self.started.append(process)
        return process

    def start_scheduler(self, env: dict[str, str]) -> KeptProcess:
        """`kept scheduler`: the delivery loop alone, no HTTP (port 0: nothing listens)."""
        number = len(self.started) + 1
        workdir = self.directory / f"kept-{number}"
        workdir.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "bot", "scheduler"]
        process = KeptProcess(args, env, workdir / "kept.log", 0)
        self.started.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.started:
            process.kill()

    def __enter__(self) -> KeptProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill_all()
