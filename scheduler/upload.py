"""Uploading a chart to a reader's DM with Slack's upload flow, outside any transaction:
files.getUploadURLExternal (a URL and a file id for this many bytes), the PNG posted to that
URL, then files.completeUploadExternal shares the file in the DM with its title, alt text and
a comment. The chart is drawn here (bot.reports.chart_png), not while the row was claimed.

A reclaimed row (a crash or timeout mid-upload) is uploaded again: Slack offers no way to
tag a file with the delivery key, so at worst a reader sees the same chart twice.
"""

from __future__ import annotations

import urllib.request

from slack_sdk import WebClient

from scheduler.steps import Outgoing


class UploadFailed(Exception):
    """Slack's upload URL did not take the file (retried like a timeout)."""


def post_bytes(url: str, data: bytes, *, timeout: float, proxy: str | None) -> None:
    """POST the file's bytes to the URL files.getUploadURLExternal gave (raw body)."""
    handlers = [urllib.request.ProxyHandler({"http": proxy, "https": proxy})] if proxy else []
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    with opener.open(request, timeout=timeout) as response:
        if response.status != 200:
            raise UploadFailed(f"upload URL answered HTTP {response.status}")


def upload(client: WebClient, outgoing: Outgoing) -> tuple[str | None, str | None]:
    from bot.reports.chart_png import render_png

    message = outgoing.message
    png = render_png(message["chart"])
    opened = client.conversations_open(users=outgoing.target.channel)
    channel = str(opened["channel"]["id"])
    ticket = client.files_getUploadURLExternal(
        filename=message["filename"], length=len(png), alt_txt=message["alt_text"]
    )
    post_bytes(str(ticket["upload_url"]), png, timeout=float(client.timeout), proxy=client.proxy)
    client.files_completeUploadExternal(
        files=[{"id": str(ticket["file_id"]), "title": message["title"]}],
        channel_id=channel,
        initial_comment=message["text"],
    )
    return channel, None
