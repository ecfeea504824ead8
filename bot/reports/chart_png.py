"""Drawing a chart (bot.reports.chart) as a PNG with matplotlib's Agg backend.

matplotlib is imported on the first chart, not at start-up (`kept run` starts as fast as
before), and without pyplot: a Figure with its own Agg canvas needs no global state, so
senders in several threads may draw at once. A chart is drawn once per content (team, week and
numbers): the same chart asked for again is served from a small in-process cache.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from bot.reports.chart import Chart

WIDTH_PX, HEIGHT_PX, DPI = 800, 400, 100
CACHE_SIZE = 128
# kept on time, kept late, broken, check-ins missed: green, amber, red, grey
SERIES = (
    ("kept on time", "#2e7d32"),
    ("kept late", "#f9a825"),
    ("broken", "#c62828"),
    ("check-ins missed", "#757575"),
)
OPEN_COLOUR = "#90a4ae"

_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
_lock = threading.Lock()
renderings = 0  # how many charts were actually drawn (the rest came from the cache)


def render_png(chart: Chart) -> bytes:
    """The chart as PNG bytes, from the cache when the same chart was drawn before."""
    global renderings
    key = chart.key()
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    png = _draw(chart)
    with _lock:
        renderings += 1
        _cache[key] = png
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return png


def _draw(chart: Chart) -> bytes:
    # lazy on purpose (tests/test_seams.py lists it): importing these two takes 400-650 ms
    # (time.perf_counter around them, after bot.app and the scheduler are imported), about
    # as long again as all of `kept run`'s own imports; only a chart needs them
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(chart.weeks)))
    bottoms = [0] * len(chart.weeks)
    for index, (label, colour) in enumerate(SERIES):
        heights = [week.numbers()[index] for week in chart.weeks]
        axes.bar(positions, heights, 0.6, bottom=bottoms, label=label, color=colour)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    current = [i for i, week in enumerate(chart.weeks) if week.current and week.open]
    if current:  # the running week: what is still open, as an outline on top
        i = current[0]
        axes.bar(
            [i],
            [chart.weeks[i].open],
            0.6,
            bottom=[bottoms[i]],
            label="still open",
            facecolor="none",
            edgecolor=OPEN_COLOUR,
            hatch="//",
        )
        bottoms[i] += chart.weeks[i].open
    axes.set_xticks(positions)
    axes.set_xticklabels(
        [week.label + (" (now)" if week.current else "") for week in chart.weeks], fontsize=9
    )
    axes.set_title(chart.title, fontsize=12)
    axes.set_ylabel("promises / check-ins")
    top = max(bottoms, default=0)
    axes.set_ylim(0, max(1, top) * 1.15)
    axes.yaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=5)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
