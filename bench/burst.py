"""The Monday-9:00 burst (issue 20): `--due` nudges due at once in one workspace, `--quiet` in a
second, sent by the real SchedulerLoop to the fake Slack (its own process) enforcing Slack's
rate limits (tests.fakeslack.RateLimits: tiers per method and workspace, chat.postMessage one a
second per channel with a burst of 4 and a workspace allowance, 429 + Retry-After).

    .venv/bin/python bench/bench_scheduler.py --burst [--due 10000] [--quiet 100]
                                              [--scale 10] [--only sqlite|postgresql]

Every rate (the fake's and Kept's pacing) is Slack's times `--scale`, bucket sizes unchanged,
so the run takes minutes; times at Slack's own rates are the measured ones times the scale.
Owners are known (fresh profiles stored, no users.info); their statuses are read as Kept
does before a nudge (users.profile.get, Tier 4). Reports: time to drain each workspace, the
ideal at the allowance, 429s received by method, nudges delivered, duplicates.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from common import SECRET, table  # type: ignore[import-not-found]
from sqlalchemy import func, select

BUSY, QUIET = "T0BUSY", "T0QUIET"
PER_OWNER = 10  # nudges per owner (one DM channel each)
POSTS_PER_MINUTE = 600.0  # the workspace allowance, Kept's default and the fake's here
CHANNEL_BURST = 4  # the fake's; Kept keeps inside it (bot.slack.pacing.CHANNEL_BURST)
WORKSPACE_BURST = 30


def token(team_id: str) -> str:
    return f"xoxb-{team_id}"


def owners(team_id: str, nudges: int) -> list[str]:
    return [f"U0{team_id[2:6]}{i:05d}" for i in range(max(1, nudges // PER_OWNER))]


def fake_limits(scale: float) -> dict[str, Any]:
    return {
        "workspace_posts_per_minute": POSTS_PER_MINUTE,
        "workspace_posts_burst": WORKSPACE_BURST,
        "channel_burst": CHANNEL_BURST,
        "scale": scale,
    }


def run(url: str, api_url: str, due: int, quiet: int, scale: float) -> dict[str, Any]:
    """In the scheduler's own process: load, then let the SchedulerLoop drain the burst."""
    from slack_sdk.oauth.installation_store import Installation

    from bot.promises.service import NewPromise, create_promise
    from bot.promises.steps import Timing
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.store.migrate import migrate
    from bot.store.models import Delivery, DeliveryStatus, Person, Step
    from scheduler.loop import SchedulerLoop
    from tests.fakeslack import APP_ID, BOT_ID, BOT_USER_ID, FakeSlack

    settings = Settings(
        slack_bot_token="",
        slack_signing_secret=SECRET,
        slack_client_id=FakeSlack.CLIENT_ID,
        slack_client_secret=FakeSlack.CLIENT_SECRET,
        database_url=url,
        slack_api_url=api_url,
        respect_working_hours=False,
        digest=None,
        slack_posts_per_minute=POSTS_PER_MINUTE,
        slack_rate_scale=scale,
    )
    runtime = Runtime.build(settings)
    migrate(runtime.engine)
    assert runtime.installations is not None
    now = runtime.now()
    loaded = time.perf_counter()
    for team_id, count in ((BUSY, due), (QUIET, quiet)):
        runtime.installations.store.save(
            Installation(
                app_id=APP_ID,
                team_id=team_id,
                bot_token=token(team_id),
                bot_id=BOT_ID,
                bot_user_id=BOT_USER_ID,
                user_id="U0INSTALLER",
                installed_at=time.time(),
            )
        )
        people = owners(team_id, count)
        with runtime.sessions.begin() as session:
            session.add_all(
                Person(team_id=team_id, user_id=u, name=u, tz="America/New_York", fetched_at=now)
                for u in people
            )
        for start in range(0, count, 1000):
            with runtime.sessions.begin() as session:
                for i in range(start, min(count, start + 1000)):
                    create_promise(
                        session,
                        NewPromise(
                            team_id=team_id,
                            owner_id=people[i % len(people)],
                            created_by=people[i % len(people)],
                            description=f"call candidate {i} back",
                            now=now,
                            timing=Timing(
                                remind_before=timedelta(0), escalate_after=timedelta(days=1)
                            ),
                        ),
                        deadline=now + timedelta(seconds=1),
                    )
    loaded = time.perf_counter() - loaded
    time.sleep(max(0.0, (now + timedelta(seconds=1) - datetime.now(UTC)).total_seconds()))

    def sent() -> int:
        with runtime.readers() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(Delivery)
                    .where(Delivery.step == Step.NUDGE, Delivery.status == DeliveryStatus.SENT)
                )
                or 0
            )

    loop = SchedulerLoop(runtime)
    cpu0 = time.process_time()
    started = time.monotonic()
    loop.start()
    total = due + quiet
    deadline = started + 60 + 4 * total / (POSTS_PER_MINUTE * scale / 60)
    done = sent()
    while done < total and time.monotonic() < deadline:
        time.sleep(0.5)
        done = sent()
    ended = time.monotonic()
    loop.stop()
    with runtime.readers() as session:
        statuses = dict(
            session.execute(
                select(Delivery.status, func.count())
                .where(Delivery.step == Step.NUDGE)
                .group_by(Delivery.status)
            ).all()
        )
    out = {
        "db": runtime.engine.dialect.name,
        "load_s": loaded,
        "started": started,
        "ended": ended,
        "cpu": time.process_time() - cpu0,
        "sent_in_db": done,
        "statuses": {str(k): v for k, v in statuses.items()},
        "postponed": runtime.pacer.postponed,
        "held": runtime.pacer.held,
    }
    runtime.engine.dispose()
    return out


def analyse(
    data: dict[str, Any],
    posts: list[dict[str, Any]],
    tally: list[tuple[str, int, str, int]],
    due: int,
    quiet: int,
    scale: float,
) -> dict[str, Any]:
    started = data["started"]
    out: dict[str, Any] = {"db": data["db"], "data": data, "scale": scale}
    for team_id, count in ((BUSY, due), (QUIET, quiet)):
        mine = [p for p in posts if p["token"] == token(team_id) and p["ok"] and p["key"]]
        keys = [p["key"] for p in mine]
        out[team_id] = {
            "expected": count,
            "delivered": len(set(keys)),
            "duplicates": len(keys) - len(set(keys)),
            "drain_s": max((p["at"] for p in mine), default=started) - started,
            "first_s": min((p["at"] for p in mine), default=started) - started,
        }
    busy_posts = [p["at"] - started for p in posts if p["token"] == token(BUSY) and p["ok"]]
    seconds = int(max(busy_posts, default=0)) + 1
    out["busy_per_second"] = [
        sum(1 for at in busy_posts if k <= at < k + 1) for k in range(min(seconds, 60))
    ]
    per_second = POSTS_PER_MINUTE * scale / 60
    out["ideal_s"] = max(0.0, due - WORKSPACE_BURST) / per_second
    calls = sum(n for _, _, _, n in tally)
    limited: dict[str, int] = {}
    for method, status, _, n in tally:
        if status == 429:
            limited[method] = limited.get(method, 0) + n
    out["calls"] = calls
    out["limited"] = limited
    out["limited_share"] = sum(limited.values()) / calls if calls else 0.0
    out["by_method"] = {}
    for method, _, _, n in tally:
        out["by_method"][method] = out["by_method"].get(method, 0) + n
    return out


def render(
    results: list[dict[str, Any]], due: int, quiet: int, scale: float, notes: list[str]
) -> str:
    rows = []
    for r in results:
        busy, calm = r[BUSY], r[QUIET]
        rows.append(
            [
                r["db"],
                f"{busy['delivered']:,}/{busy['expected']:,}",
                f"{busy['drain_s']:.1f} s (x{scale:g} = {busy['drain_s'] * scale / 60:.1f} min)",
                f"{r['ideal_s']:.1f} s ({r['ideal_s'] / busy['drain_s']:.0%})"
                if busy["drain_s"]
                else "-",
                f"{calm['delivered']}/{calm['expected']}, last after {calm['drain_s']:.1f} s",
                f"{sum(r['limited'].values())} of {r['calls']:,} ({r['limited_share']:.2%})",
                busy["duplicates"] + calm["duplicates"],
            ]
        )
    lines = [
        f"## Burst: {due:,} nudges due at once in one workspace, {quiet} in another",
        "",
        f"Fake Slack enforcing rate limits at {scale:g}x Slack's rates (chat.postMessage "
        f"{POSTS_PER_MINUTE:g}/min per workspace, burst {WORKSPACE_BURST}; 1/s per channel, "
        f"burst {CHANNEL_BURST}; Tier 4 100/min; Tier 3 50/min), Kept pacing at the same "
        f"rates. {PER_OWNER} nudges per owner.",
        "",
        table(
            [
                "database",
                "busy delivered",
                "busy drained in",
                "ideal at the allowance",
                "quiet workspace",
                "calls answered 429",
                "duplicates",
            ],
            rows,
        ),
        "",
        *[f"- {n}" for n in notes],
    ]
    return "\n".join(lines) + "\n"
