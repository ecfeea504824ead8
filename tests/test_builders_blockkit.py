"""Every Block Kit builder, over worst-case and hostile data, through Slack's validation
(tests/blockkit.py: slack_sdk's validators plus the limits Slack enforces server-side).

Hostile text: `<!channel>`, `<!here>`, a mention, a disguised link and `&<>` typed by a person
must reach Slack as text; the essentials (the deadline, a closing code fence) survive."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from bot.channels.views import ChannelView
from bot.language.cadence import RhythmKind
from bot.promises.service import MAX_DESCRIPTION
from bot.promises.views import PromiseView
from bot.reports.service import Figures, OwnerLine, Report
from bot.slack import messages
from bot.slack.text import code_block, cut_markup, cut_plain, mrkdwn
from bot.store.models import CheckInOutcome, Promise, Status
from tests.blockkit import (
    MAX_BLOCK_TEXT,
    assert_valid_message,
    assert_valid_view,
    block_text_length,
)

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
TZ = "America/Los_Angeles"
HOSTILE = "<!channel> <!here> <!everyone> <@U0EVIL> <https://evil.example|click> &amp; "
TEXTS = {
    "hostile": (HOSTILE * 60)[:MAX_DESCRIPTION],
    "ampersands": ("&<>" * 1000)[:MAX_DESCRIPTION],
    "emoji": (":palm_tree: 👩🏽‍💻 " * 300)[:MAX_DESCRIPTION],
    "cjk": ("約束を守ります。田中さんに金曜日までに見積もりを送る。" * 120)[:MAX_DESCRIPTION],
    "fences": ("``` note ``` " * 300)[:MAX_DESCRIPTION],
}
LIVE = ("<!channel", "<!here", "<!everyone", "<@U0EVIL", "<https://evil")


def promise(text: str, n: int = 1, **extra: Any) -> PromiseView:
    """A promise row as its callers hand it to the builders: its view."""
    p = Promise(
        id=n,
        team_id="T0001",
        owner_id="U0OWNER",
        created_by="U0OWNER",
        description=text,
        counterpart=text[:255],
        counterpart_kind="candidate",
        deadline=NOW - timedelta(hours=n),
        deadline_version=1,
        status=Status.OPEN,
        closure_note=None,
        created_at=NOW - timedelta(days=3),
        updated_at=NOW,
    )
    for key, value in extra.items():
        setattr(p, key, value)
    return PromiseView.of(p)


def figures() -> Figures:
    return Figures(
        made=9,
        kept_on_time=3,
        kept_late=1,
        broken=1,
        open=4,
        overdue=2,
        lateness=[timedelta(hours=5)],
    )


def report(people: int) -> Report:
    lines = [OwnerLine(f"U{n:08d}", None, figures()) for n in range(people)]
    return Report("T0001", NOW - timedelta(days=7), NOW, lines, figures())


def builders(text: str) -> list[tuple[str, Any]]:
    """(name, output) of every builder, with `text` wherever a person's words go."""
    p = promise(text)
    cadence = promise(
        text,
        2,
        rhythm_kind=RhythmKind.WORKING_DAYS,
        rhythm_every=3,
        series_end_event=text[:255],
    )
    closed = promise(
        text, 3, status=Status.BROKEN, closure_note=text, closed_at=NOW, closed_by="U0OWNER"
    )
    many = [promise(text, n) for n in range(1, 151)]
    setting = ChannelView(
        channel_id="C0SALES",
        escalation_channel_id="C0ESC",
        counterpart_kind="customer",
        remind_before_seconds=3600,
        escalate_after_seconds=86400,
    )
    home = SimpleNamespace(
        user_id="U0ADMIN",
        tz=TZ,
        now=NOW,
        mine=many[:15],
        mine_total=150,
        mine_overdue=150,
        record=SimpleNamespace(made=1, kept_on_time=1, kept_late=0, broken=0),
        team=[SimpleNamespace(user_id=f"U{n:08d}", open=8, overdue=3) for n in range(40)],
        team_away=[(f"U{n:08d}", NOW + timedelta(days=3), "U0LEAD") for n in range(40)],
        away=(NOW + timedelta(days=5), "U0LEAD"),
        is_admin=True,
        supervisors=[(f"U{n:08d}", "U0LEAD") for n in range(200)],
        channels=[setting] * 50,
        watched=(60, [(f"C{n:08d}", (text * 3)[:255]) for n in range(25)]),
    )
    digest = SimpleNamespace(
        supervisor_id="U0LEAD",
        tz=TZ,
        now=NOW,
        last_week=report(40),
        week_before=report(40),
        overdue=many[:10],
        overdue_total=300,
    )
    summary_lines = [
        ("closed as kept", f"*#{n}* {mrkdwn(text, 80)} — closed as kept by <@U0LEAD>")
        for n in range(80)
    ]
    update_view = messages.new_date_done(
        promise(("&" * 300) + " " + text, 4), TZ, ("&" * 1900) + "```", now=NOW
    )
    return [
        ("promise_recorded", messages.promise_recorded(p, TZ, NOW, ignored=(text[:300],))),
        ("cadence_recorded", messages.cadence_recorded(cadence, TZ, NOW)),
        ("deadline_problem", messages.deadline_problem(text, "unclear", None, TZ, detail=text)),
        ("far_deadline", messages.far_deadline_question(text, NOW, TZ, NOW, "C1")),
        ("too_long", messages.too_long(text * 2)),
        ("help", messages.help_message()),
        ("list", messages.promise_list("Your promises", many[:20], TZ, NOW, total=150)),
        ("closed", messages.promise_closed(closed, TZ, now=NOW)),
        ("extended", messages.promise_extended(p, TZ, now=NOW, ignored=(text,))),
        ("handed_off", messages.promise_handed_off(p, "U0OTHER")),
        ("handoff_notice", messages.handoff_notice(p, "U0OTHER", TZ, NOW)),
        ("handover", messages.deactivated_handover("U0GONE", many[:120], TZ, NOW)),
        ("heads_up", messages.heads_up(p, TZ, NOW)),
        ("nudge", messages.nudge(p, TZ, NOW)),
        ("escalation", messages.escalation(p, TZ, NOW, nudged_at=NOW)),
        ("nobody", messages.nobody_to_escalate_to(p, admins_told=True)),
        ("undeliverable", messages.undeliverable(p, "nudge", "U0X", "user_disabled", ["C0"])),
        ("owner_reminder", messages.owner_reminder(p, "U0LEAD", TZ, NOW)),
        ("settled", messages.settled(closed, TZ, text, now=NOW)),
        ("check_in_nudge", messages.check_in_nudge(cadence, TZ, NOW)),
        ("covering", messages.covering(messages.nudge(p, TZ, NOW), "U0OWNER")),
        ("check_in_logged", messages.check_in_logged(cadence, TZ, CheckInOutcome.ON_TIME, now=NOW)),
        ("cadence_problem", messages.cadence_problem(text, "too_often")),
        (
            "return_summary",
            messages.return_summary("U0OWNER", NOW, NOW, summary_lines, TZ, now=NOW),
        ),
        ("report", messages.report_message(report(300), "Your team", TZ, now=NOW)),
        ("digest", messages.digest_message(digest)),
        ("channel_list", messages.channel_settings_list([setting] * 120, 2)),
        ("compact", messages.compact_message(messages.promise_recorded(p, TZ, NOW))),
        ("view:promise_form", messages.promise_form(owner_id="U1", description=text * 2)),
        ("view:edit_form", messages.edit_form(p)),
        ("view:new_date_form", messages.new_date_form(p)),
        ("view:new_date_done", messages.new_date_done(p, TZ, text, now=NOW)),
        ("view:new_date_done_amp", update_view),
        ("view:hand_off_form", messages.hand_off_form(p)),
        ("view:couldnt_keep_form", messages.couldnt_keep_form(p)),
        ("view:notice", messages.notice_view(text)),
        ("view:updated_form", messages.updated_form(cadence, TZ, now=NOW)),
        ("view:new_rhythm_form", messages.new_rhythm_form(cadence)),
        ("view:info", messages.info_view(text, mrkdwn(text))),
        ("view:home", messages.home_view(home, notice=mrkdwn(text, 500))),
        ("view:compact_home", messages.compact_home()),
    ]


def rendered(node: Any) -> list[str]:
    """Every mrkdwn `text` of a message or view (and its fallback text): what Slack parses
    for mentions and links (plain_text never is)."""
    found: list[str] = []
    if isinstance(node, dict) and node.get("type") == "plain_text":
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found += rendered(value)
    elif isinstance(node, list):
        for item in node:
            found += rendered(item)
    return found


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_builder_is_accepted_by_slack_and_relays_text_as_text(kind: str) -> None:
    text = TEXTS[kind]
    for name, built in builders(text):
        if name.startswith("view:"):
            assert_valid_view(built)
        else:
            assert_valid_message(built)
            # Kept keeps its own under 9,000 characters of block text (Slack refuses ~11,000)
            assert block_text_length(built.get("blocks") or []) <= 9000 < MAX_BLOCK_TEXT, name
        shown = "\n".join(rendered(built))  # what Slack renders (not button values)
        for live in LIVE:
            assert live not in shown, (name, live)


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_the_essentials_survive_long_and_escaped_text(kind: str) -> None:
    text = TEXTS[kind]
    recorded = messages.promise_recorded(promise(text), TZ, NOW)
    every = json.dumps(recorded, ensure_ascii=False)
    assert "By: " in every and "Undo" in every
    done = messages.new_date_done(promise(text), TZ, ("&" * 1900) + "```", now=NOW)
    for block in done["blocks"]:
        shown = block["text"]["text"]
        assert shown.count("```") % 2 == 0, shown[-40:]
    fence = [b["text"]["text"] for b in done["blocks"] if "```" in b["text"]["text"]][0]
    assert fence.startswith("```") and fence.endswith("```") and "now runs until" in str(done)


def test_cuts_never_split_an_escape_a_reference_or_an_emoji() -> None:
    assert mrkdwn("<!channel>") == "&lt;!channel&gt;"
    cut = mrkdwn("&" * 50, 21)
    assert len(cut) <= 21 and cut.endswith("…") and cut[:-1].replace("&amp;", "") == ""
    assert mrkdwn("ab :palm_tree: cd", 10) == "ab…"
    assert cut_markup("see <@U0123456789> now", 12) == "see…"
    fenced = cut_markup("```" + "x" * 100 + "```", 50)
    assert len(fenced) <= 50 and fenced.count("```") == 2
    assert code_block("a```b", 30).count("```") == 2
    assert [cut_plain("ab👩🏽‍💻cd", n) for n in (4, 6, 7)] == ["ab…", "ab…", "ab👩🏽‍💻…"]
    assert cut_plain("café crème", 5) == "café…" and cut_plain("cafe\u0301s", 5) == "caf…"


def test_lists_state_true_totals_and_the_way_to_the_rest() -> None:
    many = [promise("call back", n) for n in range(1, 21)]
    page = messages.promise_list("Your promises", many, TZ, NOW, total=150, overdue=30, page=2)
    every = json.dumps(page, ensure_ascii=False)
    assert "150 open, 30 overdue" in every and "showing 21–40" in every
    assert "page 3" in every and "page 1" in every and "Page 2 of 8" in every
    digest = dict(builders("x"))["digest"]
    assert "Still overdue (300):* the 10 most overdue first." in json.dumps(digest)
    assert "290 more overdue" in json.dumps(digest)
    handover = dict(builders("x"))["handover"]
    assert "120 open promises" in handover["blocks"][0]["text"]["text"]
    assert "105 more (all 120 are yours now)" in json.dumps(handover)
