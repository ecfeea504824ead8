"""The kept-rate chart's upload (its file name, title, alt text and the words that go with
it) and the line a report adds about it: pure functions of a bot.reports.chart.Chart."""

from __future__ import annotations

from typing import Any

from bot.reports.chart import Chart, alt_text


def chart_upload(chart: Chart) -> dict[str, Any]:
    """What scheduler.upload sends: the chart (drawn there, outside any transaction), the
    file's title and alt text, and the comment posted with it."""
    weeks = len(chart.weeks)
    span = (
        "the last 8 weeks" if weeks >= 8 else f"the {weeks} week{'s' if weeks != 1 else ''} so far"
    )
    return {
        "chart": chart,
        "title": f"{chart.title}: promises per week",
        "alt_text": alt_text(chart),
        "text": (
            f":bar_chart: {chart.title}, {span}: promises kept on time, kept late, broken and "
            "check-ins missed, week by week."
        ),
    }


CHART_COMING = ":bar_chart: A chart of the last 8 weeks is on its way to your DM."
NO_CHART = ":bar_chart: No chart: nobody in this report has made a promise yet."


def with_chart_note(message: dict[str, Any], coming: bool) -> dict[str, Any]:
    """A report message with one more line: the chart is on its way, or why there is none."""
    note = CHART_COMING if coming else NO_CHART
    blocks = list(message.get("blocks") or [])
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return {**message, "blocks": blocks, "text": f"{message.get('text', '')}\n{note}".strip()}
