"""Uploading a chart to a reader's DM with Slack's upload flow, outside any transaction:
files.getUploadURLExternal (a URL and a file id for this many bytes), the PNG posted to that
URL, then files.completeUploadExternal shares the file in the DM with its title, alt text and
a comment. The chart is drawn here (bot.reports.chart_png), not while the row was claimed.

The file is named after its delivery (`kept-chart-<delivery id>.png`): a row reclaimed after
a crash or a timeout mid-upload (`uncertain`) first looks in the DM's recent history for a
file of that name, and is recorded as sent if Slack already shared it.
"""

from __future__ import annotations

import urllib.request
from datetime import datetime

from slack_sdk import WebClient

from bot.reports.chart_png import render_png
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


def file_name(outgoing: Outgoing) -> str:
    return f"kept-chart-{outgoing.delivery_id}.png"


def find_shared(client: WebClient, channel: str, name: str, since: datetime) -> str | None:
    """The ts of the message that shared a file of this name in the channel, if any."""
    cursor = None
    for _page in range(5):
        response = client.conversations_history(
            channel=channel, oldest=f"{since.timestamp() - 60:.6f}", limit=200, cursor=cursor
        )
        for message in response.get("messages") or []:
            if any(f.get("name") == name for f in message.get("files") or []):
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return None


def upload(client: WebClient, outgoing: Outgoing) -> tuple[str | None, str | None]:
    message = outgoing.message
    opened = client.conversations_open(users=outgoing.target.channel)
    channel = str(opened["channel"]["id"])
    name = file_name(outgoing)
    if outgoing.uncertain:  # an earlier attempt may have got through
        found = find_shared(client, channel, name, outgoing.since)
        if found is not None:
            return channel, found
    png = render_png(message["chart"])
    ticket = client.files_getUploadURLExternal(
        filename=name, length=len(png), alt_txt=message["alt_text"]
    )
    post_bytes(str(ticket["upload_url"]), png, timeout=float(client.timeout), proxy=client.proxy)
    client.files_completeUploadExternal(
        files=[{"id": str(ticket["file_id"]), "title": message["title"]}],
        channel_id=channel,
        initial_comment=message["text"],
    )
    return channel, None
