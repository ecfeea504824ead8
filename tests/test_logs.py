"""What `kept` logs under load: waitress's per-request queue warnings folded into one line a
minute that still says how deep the queue got."""

from __future__ import annotations

import logging

import pytest

from bot.cli.logs import QueueDepthSummary, configure_logging


def test_queue_depth_warnings_are_folded_into_one_line_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    logger = logging.getLogger("waitress.queue.test")
    summary = QueueDepthSummary(every=60.0, clock=lambda: now[0])
    logger.addFilter(summary)
    try:
        with caplog.at_level(logging.WARNING, logger="waitress.queue.test"):
            for depth in (1, 5, 12, 3):  # a burst: only the first is written
                logger.warning("Task queue depth is %d", depth)
                now[0] += 1
            now[0] += 60
            logger.warning("Task queue depth is %d", 2)  # a minute on: one line, the summary
    finally:
        logger.removeFilter(summary)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Task queue depth is 1",
        "Task queue depth is 2 (deepest 12; 3 more such warnings folded)",
    ]


def test_kept_run_folds_waitress_queue_warnings() -> None:
    configure_logging(verbose=False)
    filters = logging.getLogger("waitress.queue").filters
    assert any(isinstance(f, QueueDepthSummary) for f in filters)
