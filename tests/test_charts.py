"""The kept-rate chart (SPEC §3): weekly figures, the PNG itself, and its upload to the
reader's DM through the outbox with Slack's upload flow, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import time
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.people.acting import Actor
from bot.people.profiles import set_supervisor
from bot.promises.service import NewPromise, close_promise, create_promise
from bot.promises.steps import Timing
from bot.reports import chart_png
from bot.reports.chart import Chart, alt_text, build_chart
from bot.runtime import Runtime
from bot.store.models import Status
from scheduler.passes import plan_weekly_digests, run_pass
from tests.conftest import ADMIN, LEAD, OTHER, OWNER, TEAM, BotServer, Clock, message_text
from tests.fakeslack import FakeSlack

# the test clock starts on Wednesday 25 Nov 2026, 18:00 UTC
WEEK = timedelta(days=7)


def make(
    runtime: Runtime, at: datetime, due_in: timedelta, outcome: Status | None, after: timedelta
):
    """One promise made at `at`, due `due_in` later, closed `after` it was made (or open)."""
    with runtime.sessions.begin() as session:
        promise = create_promise(
            session,
            NewPromise(
                team_id=TEAM,
                owner_id=OWNER,
                created_by=OWNER,
                description="call Sam back",
                now=at,
                timing=Timing(),
            ),
            deadline=at + due_in,
        )
        if outcome is not None:
            close_promise(
                session,
                team_id=TEAM,
                promise_id=promise.id,
                actor=Actor(OWNER),
                outcome=outcome,
                note="reason" if outcome is Status.BROKEN else None,
                now=at + after,
            )


def history(runtime: Runtime, clock: Clock) -> None:
    """Owner (reports to Lead): two weeks ago 1 kept on time + 1 broken; last week 1 kept
    late; this week 1 kept on time and 1 still open."""
    now = clock()
    with runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OWNER, LEAD)
    hour, day = timedelta(hours=1), timedelta(days=1)
    make(runtime, now - 2 * WEEK, day, Status.KEPT, hour)
    make(runtime, now - 2 * WEEK, day, Status.BROKEN, 2 * hour)
    make(runtime, now - WEEK, hour, Status.KEPT, 3 * hour)  # two hours late
    make(runtime, now - 2 * hour, day, Status.KEPT, hour)
    make(runtime, now - hour, day, None, hour)


def test_a_new_team_gets_the_weeks_it_has(runtime: Runtime, clock: Clock) -> None:
    history(runtime, clock)
    with runtime.sessions() as session:
        chart = build_chart(session, TEAM, [OWNER], title="Your team", tz="UTC", now=clock())
        nobody = build_chart(session, TEAM, [OTHER], title="x", tz="UTC", now=clock())
        everyone = build_chart(session, TEAM, None, title="Everyone", tz="UTC", now=clock())
    assert nobody is None  # no promise at all: no chart
    assert chart is not None and everyone is not None
    # first promise two weeks ago: three weeks (Mon 9, 16 and 23 Nov), the last one running
    assert [w.label for w in chart.weeks] == ["9 Nov", "16 Nov", "23 Nov"]
    assert [w.current for w in chart.weeks] == [False, False, True]
    assert [w.numbers() for w in chart.weeks] == [
        (1, 0, 1, 0, 0),
        (0, 1, 0, 0, 0),
        (1, 0, 0, 0, 1),
    ]
    assert everyone.weeks == chart.weeks
    text = alt_text(chart)
    assert "week of 9 Nov: 1 kept on time, 0 kept late, 1 broken, 0 check-ins missed" in text
    assert "week of 16 Nov: 0 kept on time, 1 kept late" in text
    assert "week of 23 Nov (so far): 1 kept on time" in text and "1 still open" in text


def test_at_most_eight_weeks(runtime: Runtime, clock: Clock) -> None:
    make(runtime, clock() - 20 * WEEK, timedelta(days=1), Status.KEPT, timedelta(hours=1))
    with runtime.sessions() as session:
        chart = build_chart(
            session, TEAM, [OWNER], title="t", tz="America/Los_Angeles", now=clock()
        )
    assert chart is not None and len(chart.weeks) == 8
    assert all(w.numbers()[:4] == (0, 0, 0, 0) for w in chart.weeks)
    assert chart.weeks[-1].current and chart.weeks[-1].label == "23 Nov"


def test_the_png(runtime: Runtime, clock: Clock) -> None:
    history(runtime, clock)
    with runtime.sessions() as session:
        chart = build_chart(session, TEAM, [OWNER], title="Your team", tz="UTC", now=clock())
    assert chart is not None
    png = chart_png.render_png(chart)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (800, 400)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 20  # not blank: bars, text, axes
    greens = sum(n for n, (r, g, b) in colours if g > 100 and r < 80 and b < 80)
    reds = sum(n for n, (r, g, b) in colours if r > 170 and g < 70 and b < 70)
    assert greens > 1000 and reds > 500  # kept-on-time and broken bars are drawn
    # drawn once per content; a fresh chart takes well under 300 ms once matplotlib is loaded
    before = chart_png.renderings
    assert chart_png.render_png(chart) == png and chart_png.renderings == before
    timings = []
    for _ in range(3):  # best of three: the machine is shared, one slow run is not the code
        fresh = Chart(title=f"Another team {uuid.uuid4().hex[:6]}", weeks=chart.weeks)
        started = time.perf_counter()
        chart_png.render_png(fresh)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.3, timings
    assert chart_png.renderings == before + 3


def uploads(fake: FakeSlack, user: str) -> list[dict]:
    return fake.files(user)


def test_report_sends_the_chart_to_the_readers_dm(bot: BotServer, clock: Clock) -> None:
    history(bot.runtime, clock)
    reply = message_text(bot.command("report", user=LEAD))
    assert "chart of the last 8 weeks is on its way to your DM" in reply
    done = bot.fake.wait_for("files.completeUploadExternal", timeout=15)
    [shared] = uploads(bot.fake, LEAD)
    assert shared["png_size"] == (800, 400) and shared["filename"].endswith(".png")
    assert "week of 9 Nov: 1 kept on time, 0 kept late, 1 broken" in shared["alt_txt"]
    assert "1 still open" in shared["alt_txt"]
    assert "Your team" in shared["title"] and "week by week" in shared["initial_comment"]
    # Slack's flow, in order: a URL for the bytes, the bytes, then the share in the DM
    order = [
        c.method
        for c in bot.fake.calls()
        if c.method in {"files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"}
    ]
    assert order == ["files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]
    [ticket] = bot.fake.calls("files.getUploadURLExternal")
    assert int(ticket.params["length"]) == len(shared["data"])
    assert done[0].params["channel_id"] == bot.fake.im_id(LEAD)
    bot.settle()
    assert len(uploads(bot.fake, LEAD)) == 1  # once


def test_an_admin_gets_the_workspace_and_a_team_without_promises_gets_none(
    bot: BotServer, clock: Clock
) -> None:
    with bot.runtime.sessions.begin() as session:
        set_supervisor(session, TEAM, OTHER, LEAD)
    reply = message_text(bot.command("report", user=LEAD))
    assert "No chart: nobody in this report has made a promise yet" in reply
    history(bot.runtime, clock)
    admin = message_text(bot.command("report", user=ADMIN))
    assert "on its way" in admin
    bot.fake.wait_for("files.completeUploadExternal", timeout=15)
    bot.settle()
    [shared] = uploads(bot.fake, ADMIN)
    assert shared["title"].startswith("Everyone")
    assert uploads(bot.fake, LEAD) == []


def test_the_weekly_digest_brings_the_chart(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    history(runtime, clock)
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
    assert plan_weekly_digests(runtime) == 1
    for _ in range(2):
        run_pass(runtime)
        plan_weekly_digests(runtime)
    [shared] = fake_slack.files(LEAD)
    assert shared["png_size"] == (800, 400)
    assert "week of 23 Nov: 1 kept on time" in shared["alt_txt"]
    assert "(so far)" in shared["alt_txt"]  # the new week, just begun


def test_a_failed_upload_is_retried_and_shared_once(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    from bot.reports.chart import send_chart

    history(runtime, clock)
    with runtime.sessions.begin() as session:
        assert send_chart(session, TEAM, LEAD, None, clock())
    fake_slack.fail_next("files.completeUploadExternal", status=500, error="internal_error")
    run_pass(runtime)
    assert fake_slack.files(LEAD) == []
    clock.advance(minutes=10)
    run_pass(runtime)
    run_pass(runtime)
    [shared] = fake_slack.files(LEAD)
    assert shared["png_size"] == (800, 400)


# ---------------------------------------------------------------------- the fake's strictness


def test_the_fake_upload_flow_is_strict(fake_slack: FakeSlack) -> None:
    import urllib.error
    import urllib.request

    import pytest
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
    png = chart_png.render_png(
        Chart(title=f"t{uuid.uuid4().hex[:6]}", weeks=())  # no weeks: an empty frame
    )

    def error_of(call: object) -> str:
        with pytest.raises(SlackApiError) as raised:
            call()  # type: ignore[operator]
        return str(raised.value.response["error"])

    def post(url: str, data: bytes) -> int:
        request = urllib.request.Request(url, data=data, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert (
        error_of(lambda: client.files_getUploadURLExternal(filename="c.png", length=0))
        == "missing_argument"
    )
    ticket = client.files_getUploadURLExternal(filename="c.png", length=len(png), alt_txt="x")
    # completing before the bytes arrived, or an unknown file
    assert (
        error_of(lambda: client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}]))
        == "file_upload_not_complete"
    )
    assert (
        error_of(lambda: client.files_completeUploadExternal(files=[{"id": "F0NOPE"}]))
        == "file_not_found"
    )
    assert post(ticket["upload_url"], png[:-1]) == 400  # not the length announced
    assert post(ticket["upload_url"], b"x" * len(png)) == 400  # not a PNG
    assert post(ticket["upload_url"], png) == 200
    dm = client.conversations_open(users=LEAD)["channel"]["id"]
    client.files_completeUploadExternal(
        files=[{"id": ticket["file_id"], "title": "Chart"}], channel_id=dm
    )
    [shared] = fake_slack.files(LEAD)
    assert shared["title"] == "Chart" and shared["png_size"] is not None
    # without files:write, Slack refuses the upload
    fake_slack.set_scopes(fake_slack.scopes() - {"files:write"})
    assert (
        error_of(lambda: client.files_getUploadURLExternal(filename="c.png", length=10))
        == "missing_scope"
    )


def test_start_up_does_not_load_matplotlib() -> None:
    """`kept run` starts as fast as before: the plotting library loads with the first chart."""
    import subprocess
    import sys

    code = (
        "import sys; import bot.__main__, bot.app, scheduler.loop, scheduler.send; "
        "from bot.reports import chart, chart_png; "
        "print(sorted(m for m in ('matplotlib', 'numpy', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_an_upload_that_timed_out_after_slack_shared_it_is_not_shared_again(
    runtime: Runtime, clock: Clock, fake_slack: FakeSlack
) -> None:
    from sqlalchemy import select

    from bot.reports.chart import send_chart
    from bot.store.models import Delivery, Step

    history(runtime, clock)
    with runtime.sessions.begin() as session:
        assert send_chart(session, TEAM, LEAD, None, clock())
    # Slack shares the file but answers after Kept's client has given up
    fake_slack.fail_next(
        "files.completeUploadExternal", status=200, delay=runtime.settings.slack_timeout + 0.5
    )
    run_pass(runtime)
    fake_slack.wait_for("files.completeUploadExternal")  # Slack finishes it meanwhile
    with runtime.sessions() as session:
        row = session.scalars(select(Delivery).where(Delivery.step == Step.CHART)).one()
        assert row.uncertain and row.status == "pending"
    clock.advance(minutes=10)
    run_pass(runtime)
    assert len(fake_slack.files(LEAD)) == 1
    assert len(fake_slack.calls("files.getUploadURLExternal")) == 1  # not uploaded again
    with runtime.sessions() as session:
        row = session.scalars(select(Delivery).where(Delivery.step == Step.CHART)).one()
        assert row.status == "sent" and row.message_ts is not None
