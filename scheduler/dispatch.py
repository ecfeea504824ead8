"""Handing sends to the sender threads at their turn (bot.slack.pacing), so no sender thread
sleeps waiting for one: the threads only make calls, and a pool of a few threads keeps up with
any rate Slack allows."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Dispatcher(Generic[T, R]):
    """Runs `work(item)` in `pool` once the item's delay has passed (real time: the pacer's
    clock may be a test's, frozen; its delays are bounded by the pacer's max wait)."""

    def __init__(self, pool: ThreadPoolExecutor, work: Callable[[T], R]) -> None:
        self.pool = pool
        self.work = work
        self.clock = time.monotonic
        self._heap: list[tuple[float, int, T, Future[R]]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None  # started with the first delayed item

    def submit(self, delay: float, item: T) -> Future[R]:
        """Run `item` in `delay` seconds (at once if not positive)."""
        if delay <= 0:
            return self.pool.submit(self.work, item)
        future: Future[R] = Future()
        with self._cond:
            heapq.heappush(self._heap, (self.clock() + delay, next(self._order), item, future))
            self._cond.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kept-dispatch", daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._cond.wait()
                if not self._heap:
                    return  # closed and nothing left
                start = self._heap[0][0]
                wait = start - self.clock()
                if wait > 0 and not self._closed:
                    self._cond.wait(min(wait, 0.5))
                    continue
                _, _, item, future = heapq.heappop(self._heap)
            self.pool.submit(self._call, item, future)

    def _call(self, item: T, future: Future[R]) -> None:
        try:
            future.set_result(self.work(item))
        except BaseException as error:  # noqa: BLE001 - handed to whoever waits on it
            future.set_exception(error)

    def close(self) -> None:
        """Hand over what is left at once (the pool still runs it) and stop."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
