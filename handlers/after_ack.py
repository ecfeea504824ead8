"""Work that runs once a request's acknowledgement is on its way (opening a form, answering on
a response URL, publishing a Home tab), on the listeners' small pool."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor

log = logging.getLogger("kept.handlers")


def later(executor: Executor, work: Callable[[], None], what: str) -> None:
    """Run `work` on the pool once this request's acknowledgement is on its way."""

    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - the change is stored; the rest is best effort
            log.exception("%s (after the ack) failed", what)

    executor.submit(run)
