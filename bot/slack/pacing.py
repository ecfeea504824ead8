"""Pacing Kept's calls to Slack per workspace and method, so a burst goes out as fast as Slack
allows instead of as a storm of 429s.

Slack counts calls per method per workspace (Web API tiers: Tier 3 50+/min, Tier 4 100+/min);
chat.postMessage is special: about one message per second per channel with short bursts, plus
a workspace-wide allowance Slack does not publish (KEPT_SLACK_POSTS_PER_MINUTE, default 600).

One `Pacer` per process, shared by every sender thread. Each (workspace, method) and, for
chat.postMessage, each (workspace, channel) is paced by GCRA (a token bucket kept as the
theoretical time of the next call): a call takes the next free slot and sleeps until it.
A row whose slot is further away than `max_wait` is not held in a thread: it is *postponed*
(back to the queue, due at its estimated slot), and the postponed rows of one key are booked
one interval apart, so they come back at the pace Slack allows and other workspaces' rows,
claimed meanwhile, go out beside them (fairness).

A 429 holds the whole workspace's method for Retry-After (`hold`), not just the row that got
it. Buckets and holds run on the runtime clock (the one `due_at` is on: the wall clock in
production; in tests the test clock, so a test that freezes it sees a turn come only when it
moves the clock — the fake Slack's buckets run on the same clock).

Limits are per process: with several scheduler processes on one database, give each its
share (KEPT_SLACK_POSTS_PER_MINUTE divided by the number of processes); a 429 one of them
gets holds only that process, the others hear their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

POST = "chat.postMessage"
# Slack's tiers of the methods the scheduler calls (each method's reference, "Rate limits")
METHOD_TIERS: dict[str, int] = {
    "chat.update": 3,
    "conversations.open": 3,
    "conversations.history": 3,
    "views.publish": 4,
    "files.completeUploadExternal": 4,  # a chart's upload takes its turn here
    "users.info": 4,
    "users.profile.get": 4,
}
TIER_PER_MINUTE: dict[int, float] = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}
# Kept stays a little inside Slack's bursts: a call's arrival at Slack jitters around its slot
CHANNEL_PER_SECOND = 1.0
CHANNEL_BURST = 3
BURST_SECONDS = 2.0  # a workspace or tier bucket holds this many seconds of its rate
MAX_WAIT = 2.0  # seconds a sender thread may sleep for its slot before the row is postponed


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


@dataclass(frozen=True)
class Slot:
    """A call's turn. taken: it may start at `start` (clock s; sleep until then).
    Not taken: come back in `delay` seconds (postpone the row; nothing was used up)."""

    taken: bool
    start: float = 0.0
    delay: float = 0.0


class _Key:
    __slots__ = ("rate", "tat", "booked")

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.tat = 0.0  # theoretical arrival time of the next call (clock s)
        self.booked = 0.0  # the last slot handed to a postponed row


class Pacer:
    def __init__(
        self,
        *,
        enabled: bool = True,
        posts_per_minute: float = 600.0,
        scale: float = 1.0,
        max_wait: float = MAX_WAIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.enabled = enabled  # off: every call's turn is now (KEPT_SLACK_PACING=false)
        self.posts_per_minute = posts_per_minute
        self.scale = scale
        self.max_wait = max_wait
        self.clock = clock
        self._lock = threading.Lock()
        self._keys: dict[tuple[str, str, str], _Key] = {}
        self._workspace_keys: dict[tuple[str, str], _Key] = {}  # the keys without a channel
        self._holds: dict[tuple[str, str], float] = {}
        self.postponed = 0  # rows sent back to the queue to wait for their slot
        self.held = 0  # 429s that held a workspace's method
        # (team, user) -> the turn booked for reading their status (scheduler.passes)
        self.read_turns: dict[tuple[str, str], datetime] = {}

    def rate(self, method: str, channel: bool = False) -> Rate:
        if channel:
            return Rate(CHANNEL_PER_SECOND * self.scale, CHANNEL_BURST)
        if method == POST:
            per_second = self.posts_per_minute / 60.0
        else:
            per_second = TIER_PER_MINUTE[METHOD_TIERS.get(method, 3)] / 60.0
        # the scale speeds the rate, not the burst (as tests.fakeslack.RateLimits does)
        return Rate(per_second * self.scale, max(1, int(per_second * BURST_SECONDS)))

    def _key(self, team_id: str, method: str, channel: str) -> _Key:
        found = self._keys.get((team_id, method, channel))
        if found is None:
            if len(self._keys) > 100_000:  # idle keys are full buckets: forgetting them is free
                now = self.clock()
                self._keys = {k: v for k, v in self._keys.items() if v.tat > now}
                self._workspace_keys = {(k[0], k[1]): v for k, v in self._keys.items() if not k[2]}
            found = self._keys[(team_id, method, channel)] = _Key(
                self.rate(method, channel=bool(channel))
            )
            if not channel:
                self._workspace_keys[(team_id, method)] = found
        return found

    def take(
        self,
        team_id: str,
        method: str,
        *,
        channel: str | None = None,
        workspace: bool = True,
        max_wait: float | None = None,
        lead: float = 0.0,
        book: bool = True,
    ) -> Slot:
        """The next slot for one call: the workspace's method bucket (unless `workspace` is
        False: already taken, e.g. when the row was claimed) and, given a channel, that
        channel's bucket. Taken only if it starts within `max_wait` s and no hold is on.
        `lead`: the turn starts no sooner than that (s): the time the row needs to be
        prepared, so a turn taken at the claim is not already past when the call is made.
        `book`: when not taken, book the turn the row is to come back at (False: the row
        stays due as it is and asks again; nothing is booked)."""
        limit = self.max_wait if max_wait is None else max_wait
        if not self.enabled:
            return Slot(True, start=self.clock())
        with self._lock:
            keys = []
            if workspace:
                keys.append(self._key(team_id, method, ""))
            if channel:
                keys.append(self._key(team_id, method, channel))
            t = self.clock()
            held = self._holds.get((team_id, method))
            hold = held - t if held is not None else 0.0
            if hold <= 0 and held is not None:
                del self._holds[(team_id, method)]
            start = max([t + lead, *(k.tat - k.rate.tolerance for k in keys)])
            if hold <= 0 and start - t <= limit + 1e-6:
                for k in keys:
                    k.tat = max(k.tat, start) + k.rate.interval
                return Slot(True, start=start)
            if not book:
                return Slot(False, delay=max(t + hold, start) - t)
            # postponed: book the next free turn after those already booked
            turn = max([t + hold, start, *(k.booked + k.rate.interval for k in keys)])
            for k in keys:
                k.booked = turn
            self.postponed += 1
            return Slot(False, delay=turn - t)

    def full(self, method: str, within: float) -> tuple[set[str], float]:
        """The workspaces with no turn for `method` within `within` s (or held), and the
        seconds until the first of them has one again."""
        if not self.enabled:
            return set(), 0.0
        with self._lock:
            t = self.clock()
            teams: set[str] = set()
            soonest = float("inf")
            for (team_id, key_method), key in self._workspace_keys.items():
                if key_method != method:
                    continue
                wait = key.tat - key.rate.tolerance - t
                if wait > within:
                    teams.add(team_id)
                    soonest = min(soonest, wait - within)
            for (team_id, key_method), until in self._holds.items():
                if key_method == method and until > t:
                    teams.add(team_id)
                    soonest = min(soonest, until - t)
        return teams, (soonest if teams else 0.0)

    def refund(self, team_id: str, method: str, start: float) -> None:
        """A turn taken for a call that will not be made (the row was put back): free it,
        if it has not come yet."""
        if not self.enabled:
            return
        with self._lock:
            key = self._keys.get((team_id, method, ""))
            t = self.clock()
            if key is not None and start > t:
                key.tat = max(t, key.tat - key.rate.interval)

    def hold(self, team_id: str, method: str, seconds: float) -> None:
        """Slack said 429: nobody calls `method` in this workspace for `seconds`."""
        if not self.enabled:
            return
        with self._lock:
            until = self.clock() + seconds
            held = self._holds.get((team_id, method))
            if held is None or held < until:
                self._holds[(team_id, method)] = until
            self.held += 1

    def sleep_until(self, start: float) -> None:
        wait = start - self.clock()
        if wait > 0:
            time.sleep(wait)


def method_of(transport: str) -> str:
    """The Slack method a delivery's transport calls (scheduler.steps.Transport values)."""
    return {
        "post": POST,
        "update": "chat.update",
        "publish": "views.publish",
        "upload": "files.completeUploadExternal",
    }[transport]


def postpone_until(now: datetime, slot: Slot, early: float = 0.0) -> datetime:
    """When a postponed row is due again: at its turn, or `early` seconds before it (rows that
    may be claimed a little ahead of their turn come back together, not one by one)."""
    return now + timedelta(seconds=max(slot.delay - early, 0.001))
