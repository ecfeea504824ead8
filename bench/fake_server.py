"""Run tests.fakeslack.FakeSlack in its own process, driven over stdin/stdout.

The benchmarks keep the fake Slack out of the process they measure, so it shares the GIL
with neither the bot nor the load generator. One JSON line is printed at start
(``{"api_url": ..., "base_url": ...}``), then one line per command read from stdin:

    users <json [[user_id, tz(, team_id)], ...]>   add users (answers "ok")
    workspace <team_id> <token>         another workspace, its bot token (OAuth installs)
    limits <json>                       enforce rate limits: tests.fakeslack.RateLimits fields
                                        (real-time buckets); "null" switches them off
    tally <path>                        write [[method, status, token], count] of every call
    count <method>                      how many calls of method arrived ("ok N")
    dump <method> <path>                write those calls as JSON ("ok N")
    reset                               forget calls and messages ("ok")
    quit

A dumped call is ``{"key", "at", "wall", "ok", "text"}``: ``key`` is the response URL key or
the delivery key in the message metadata; ``at`` is time.monotonic() on arrival (the clock is
system-wide on Linux, so comparable with other processes); ``wall`` the same moment in
time.time().
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakeslack import Call, FakeSlack, RateLimits  # noqa: E402


def _key(call: Call) -> str:
    if call.method == "response_url":
        return str(call.params.get("_key", ""))
    metadata = call.params.get("metadata") or {}
    payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
    return str((payload or {}).get("key", ""))


def main() -> int:
    token = sys.argv[1] if len(sys.argv) > 1 else "xoxb-bench"
    fake = FakeSlack(bot_token=token, team_id="T0BENCH").start()
    offset = time.time() - time.monotonic()
    print(json.dumps({"api_url": fake.api_url, "base_url": fake.base_url}), flush=True)
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        if word == "users":
            for user_id, tz, *team in json.loads(rest):
                fake.add_user(user_id, tz=tz, team_id=team[0] if team else None)
            print("ok", flush=True)
        elif word == "workspace":
            team_id, _, workspace_token = rest.partition(" ")
            fake.add_workspace(team_id, token=workspace_token, name=team_id)
            print("ok", flush=True)
        elif word == "limits":
            fields = json.loads(rest)
            if fields is None:
                fake.unlimit_rates()
            else:
                fake.limit_rates(RateLimits(**fields, clock=time.monotonic))
            print("ok", flush=True)
        elif word == "tally":
            counts: dict[tuple[str, int, str], int] = {}
            for c in fake.calls():
                counts[(c.method, c.status, c.token or "")] = (
                    counts.get((c.method, c.status, c.token or ""), 0) + 1
                )
            Path(rest).write_text(json.dumps([[list(k), n] for k, n in counts.items()]))
            print(f"ok {len(counts)}", flush=True)
        elif word == "count":
            print(f"ok {len(fake.calls(rest))}", flush=True)
        elif word == "dump":
            method, _, path = rest.partition(" ")
            rows = [
                {
                    "key": _key(c),
                    "at": c.at,
                    "wall": c.at + offset,
                    "ok": c.ok,
                    "text": str(c.params.get("text") or "")[:120],
                    "token": c.token,
                }
                for c in fake.calls(method)
            ]
            Path(path).write_text(json.dumps(rows))
            print(f"ok {len(rows)}", flush=True)
        elif word == "reset":
            fake.reset()
            print("ok", flush=True)
        elif word == "quit":
            break
        else:
            print(f"error unknown command {word!r}", flush=True)
    fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
