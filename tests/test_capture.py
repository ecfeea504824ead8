"""Track as a promise (message shortcut), the New promise form, and App Home."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.store.models import ChannelSetting, Promise
from tests.conftest import ADMIN, LEAD, OTHER, OWNER, BotServer, message_text
from tests.slackreq import (
    app_home_opened_event,
    event_body,
    message_shortcut_payload,
    view_submission_payload,
)


def promises(bot: BotServer) -> list[Promise]:
    with bot.runtime.sessions() as session:
        return list(session.scalars(select(Promise).order_by(Promise.id)))


def form_values(
    *,
    description: str | None = "call Jane Doe back about the role",
    counterpart: str | None = "Jane Doe",
    kind: str | None = "candidate",
    deadline: int | None = None,
    owner: str | None = OWNER,
) -> dict[str, Any]:
    return {
        "description": {"value": {"type": "plain_text_input", "value": description}},
        "counterpart": {"value": {"type": "plain_text_input", "value": counterpart}},
        "counterpart_kind": {
            "value": {
                "type": "static_select",
                "selected_option": (
                    {"value": kind, "text": {"type": "plain_text", "text": kind}} if kind else None
                ),
            }
        },
        "deadline": {"value": {"type": "datetimepicker", "selected_date_time": deadline}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
    }


def future(bot: BotServer, hours: int = 48) -> int:
    return int((bot.runtime.clock() + timedelta(hours=hours)).timestamp())


def submit(
    bot: BotServer,
    values: dict[str, Any],
    *,
    user: str = OWNER,
    view_id: str = "V100",
    metadata: dict[str, Any] | None = None,
) -> Any:
    payload = view_submission_payload(
        callback_id="new_promise",
        values=values,
        user_id=user,
        view_id=view_id,
        private_metadata=json.dumps(metadata or {}),
    )
    reply = bot.interact(payload)
    assert reply.status == 200
    return reply.json() if reply.body else None


def test_shortcut_opens_the_form_prefilled_from_the_message(bot: BotServer) -> None:
    with bot.runtime.sessions.begin() as session:
        session.add(
            ChannelSetting(team_id="T0001", channel_id="C0SUPPORT", counterpart_kind="customer")
        )
    text = "  Spoke to Mr. Brown at Initech: I'll send him the revised quote by Friday 3pm.  "
    started = time.monotonic()
    reply = bot.interact(
        message_shortcut_payload(
            callback_id="track_promise",
            user_id=OWNER,
            message_text=text,
            message_user="U0CUSTOMER",
            channel_id="C0SUPPORT",
            message_ts="1764000123.000200",
        )
    )
    assert reply.status == 200
    call = bot.fake.wait_for("views.open")[0]
    elapsed = call.at - started
    assert elapsed < 3.0, f"views.open only after {elapsed:.2f}s"
    view = call.params["view"]
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id["description"]["element"]["initial_value"] == text.strip()
    assert by_id["counterpart"]["element"]["initial_value"] == "Mr. Brown"
    assert by_id["counterpart_kind"]["element"]["initial_option"]["value"] == "customer"
    # Friday 27 Nov 15:00 in Los Angeles
    assert by_id["deadline"]["element"]["initial_date_time"] == 1795820400
    assert by_id["owner"]["element"]["initial_user"] == OWNER
    meta = json.loads(view["private_metadata"])
    assert meta["channel_id"] == "C0SUPPORT" and meta["message_ts"] == "1764000123.000200"


def test_shortcut_without_a_deadline_leaves_the_picker_empty(bot: BotServer) -> None:
    bot.interact(
        message_shortcut_payload(
            callback_id="track_promise", user_id=OWNER, message_text="x" * 5000, message_user=OTHER
        )
    )
    view = bot.fake.wait_for("views.open")[0].params["view"]
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert "initial_date_time" not in by_id["deadline"]["element"]
    assert len(by_id["description"]["element"]["initial_value"]) == 3000


def test_form_submission_stores_once_and_confirms(bot: BotServer) -> None:
    values = form_values(deadline=future(bot))
    meta = {"channel_id": "C0SUPPORT", "message_ts": "1764000123.000200", "shortcut": True}
    assert submit(bot, values, user=LEAD, metadata=meta) is None  # plain ack closes the form
    submit(bot, values, user=LEAD, metadata=meta)  # a double click / Slack retry
    stored = promises(bot)
    assert len(stored) == 1
    promise = stored[0]
    assert promise.owner_id == OWNER and promise.created_by == LEAD
    assert promise.counterpart == "Jane Doe" and promise.counterpart_kind == "candidate"
    dm = bot.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == OWNER)
    assert "call Jane Doe back about the role" in message_text(dm[0].params)
    # whoever saved it for someone else is told, through the outbox like every follow-up
    note = bot.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == LEAD)
    assert "for <@U0OWNER>" in message_text(note[0].params)
    assert len(bot.fake.calls("chat.postMessage")) == 2  # the double click told nobody twice
    bot.fake.wait_for("chat.getPermalink")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not promises(bot)[0].permalink:
        time.sleep(0.05)
    assert promises(bot)[0].permalink.startswith("https://")  # type: ignore[union-attr]


def test_form_errors_are_shown_inline(bot: BotServer) -> None:
    past = int((bot.runtime.clock() - timedelta(hours=1)).timestamp())
    cases = [
        (form_values(description="  ", deadline=future(bot)), "description"),
        (form_values(deadline=None), "deadline"),
        (form_values(deadline=past), "deadline"),
        (form_values(deadline=future(bot), owner=None), "owner"),
        (form_values(deadline=future(bot), owner="U0NOBODY"), "owner"),
    ]
    for i, (values, field) in enumerate(cases):
        answer = submit(bot, values, view_id=f"V{i}")
        assert answer["response_action"] == "errors", (field, answer)
        assert field in answer["errors"], (field, answer)
    assert promises(bot) == []


def test_open_form_button_prefills_the_typed_text(bot: BotServer) -> None:
    from tests.slackreq import block_action_payload

    bot.interact(
        block_action_payload(
            action_id="promise_open_form",
            value="call Jane Doe back about the role",
            user_id=OWNER,
            response_url=bot.fake.response_url(),
        )
    )
    view = bot.fake.wait_for("views.open")[0].params["view"]
    description = [b for b in view["blocks"] if b.get("block_id") == "description"][0]
    assert description["element"]["initial_value"] == "call Jane Doe back about the role"


def open_home(bot: BotServer, user: str) -> dict[str, Any]:
    bot.settle()
    bot.fake.clear()
    reply = bot.post(event_body(app_home_opened_event(user)), content_type="application/json")
    assert reply.status == 200
    call = bot.fake.wait_for("views.publish", where=lambda c: c.params.get("user_id") == user)
    return call[-1].params["view"]


def test_app_home_for_owner_supervisor_and_admin(bot: BotServer) -> None:
    bot.command(f"supervisor <@{OWNER}|o> <@{LEAD}|l>", user=ADMIN)
    bot.command("call Sam by tomorrow")
    bot.command("send Acme the quote by next week")
    first = promises(bot)[0]
    bot.command(f"done {promises(bot)[1].id}")
    bot.command("refund Mrs. Lee by Friday")
    bot.runtime.clock.advance(days=1, hours=8)  # type: ignore[attr-defined]

    owner_home = open_home(bot, OWNER)
    text = message_text(owner_home)
    assert owner_home["type"] == "home"
    assert "Your promises" in text and "call Sam" in text and "overdue" in text
    assert text.index("call Sam") < text.index("refund Mrs. Lee")  # overdue first
    assert "Last 30 days: 3 made · 1 kept on time · 0 kept late · 0 broken" in text
    assert "Your team" not in text and "Admin" not in text
    buttons = {
        e["action_id"]
        for b in owner_home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert buttons == {
        "promise_kept",
        "promise_new_date",
        "promise_hand_off",
        "promise_couldnt_keep",
    }

    lead_text = message_text(open_home(bot, LEAD))
    assert "Your team" in lead_text and "<@U0OWNER> — 2 open · :warning: 1 overdue" in lead_text
    assert "Admin" not in lead_text

    admin_text = message_text(open_home(bot, ADMIN))
    assert "Admin" in admin_text and "<@U0OWNER> → <@U0LEAD>" in admin_text
    assert f"#{first.id}" not in admin_text  # not their promise


def test_home_is_refreshed_when_a_promise_changes(bot: BotServer) -> None:
    assert "Nothing open" in message_text(open_home(bot, OWNER))
    bot.command("call Sam by tomorrow")
    published = bot.fake.wait_for(
        "views.publish", count=2, where=lambda c: c.params.get("user_id") == OWNER
    )
    assert "call Sam" in message_text(published[-1].params["view"])
    before = len(bot.fake.calls("views.publish"))
    bot.command(f"done {promises(bot)[0].id}")
    bot.fake.wait_for(
        "views.publish", count=before + 1, where=lambda c: c.params.get("user_id") == OWNER
    )
    latest = [c for c in bot.fake.calls("views.publish") if c.params["user_id"] == OWNER][-1]
    assert "Nothing open" in message_text(latest.params["view"])


def test_counts_stay_per_workspace(bot: BotServer) -> None:
    bot.command("call Sam by tomorrow")
    with bot.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Promise)) == 1
    bot.fake.add_user("U0ELSE", tz="UTC", team_id="T0002")
    bot.settle()
    bot.fake.clear()
    bot.post(
        event_body(app_home_opened_event("U0ELSE"), team_id="T0002"),
        content_type="application/json",
    )
    view = bot.fake.wait_for("views.publish", where=lambda c: c.params.get("user_id") == "U0ELSE")[
        -1
    ].params["view"]
    assert "call Sam" not in message_text(view) and "Nothing open" in message_text(view)


def test_home_refreshes_coalesce_in_a_burst(bot: BotServer) -> None:
    open_home(bot, OWNER)
    bot.settle()
    bot.fake.clear()
    bot.fake.set_delay("views.publish", 0.3)
    for n in range(10):
        bot.command(f"call candidate {n} by tomorrow")
    bot.settle(quiet=1.0)
    published = [c for c in bot.fake.calls("views.publish") if c.params["user_id"] == OWNER]
    # ten changes while a publish takes 0.3 s: a few publishes, and the last one is current
    assert 1 <= len(published) <= 4, len(published)
    assert "call candidate 9" in message_text(published[-1].params["view"])


def test_a_home_tab_never_opened_is_not_published_on_changes(bot: BotServer) -> None:
    bot.command("call Sam by tomorrow")
    bot.command(f"done {promises(bot)[0].id}")
    bot.settle()
    assert bot.fake.calls("views.publish") == []
    # opening it builds it fresh
    assert "Last 30 days: 1 made · 1 kept on time" in message_text(open_home(bot, OWNER))


def test_a_form_submission_is_acked_before_the_confirmations_go_out(bot: BotServer) -> None:
    bot.fake.set_delay("chat.postMessage", 2.5)
    bot.fake.set_delay("chat.getPermalink", 2.5)
    started = time.monotonic()
    submit(
        bot,
        form_values(deadline=future(bot)),
        user=LEAD,
        metadata={"channel_id": "C0SUPPORT", "message_ts": "1764000123.000200"},
    )
    assert time.monotonic() - started < 1.0  # Slack gets its answer without waiting for DMs
    assert len(promises(bot)) == 1
    bot.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == OWNER, timeout=10
    )


def test_the_form_records_a_rhythm_as_a_series_of_check_ins(bot: BotServer) -> None:
    """Issue 11: the New promise form's rhythm picker. "By when?" is then the series' end."""
    ends = bot.runtime.clock() + timedelta(days=14)
    values = form_values(deadline=int(ends.timestamp()))
    values["rhythm"] = {
        "value": {"type": "static_select", "selected_option": {"value": "wd3"}},
    }
    assert submit(bot, values, user=OWNER) is None  # the form closes
    stored = promises(bot)
    assert len(stored) == 1
    promise = stored[0]
    assert promise.rhythm_kind == "working_days" and promise.rhythm_every == 3
    assert promise.series_ends_at is not None
    assert abs((promise.series_ends_at - ends).total_seconds()) < 1
    # the first check-in is three working days out (Wed 25 Nov -> Mon 30 Nov), not the end
    first = promise.deadline.astimezone(ZoneInfo("America/Los_Angeles"))
    assert first.date().isoformat() == "2026-11-30"
    dm = bot.fake.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == OWNER)
    assert "call Jane Doe back about the role" in message_text(dm[0].params)


def test_the_form_offers_the_rhythms(bot: BotServer) -> None:
    from bot.slack import messages

    view = messages.promise_form(owner_id=OWNER)
    picker = next(b for b in view["blocks"] if b.get("block_id") == "rhythm")
    assert picker["optional"] is True
    values = [o["value"] for o in picker["element"]["options"]]
    assert values == list(messages.RHYTHM_CHOICES)
