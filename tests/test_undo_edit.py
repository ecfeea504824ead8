"""The Undo and Edit buttons on a freshly recorded promise."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.store.models import Promise, PromiseEvent
from tests.conftest import OTHER, OWNER, BotServer, message_text
from tests.slackreq import block_action_payload, input_values, view_submission_payload


def recorded(bot: BotServer) -> Promise:
    bot.command("call Jane Doe back about the role by Friday 5pm")
    with bot.runtime.sessions() as session:
        return session.scalars(select(Promise)).one()


def press(bot: BotServer, action_id: str, promise: Promise, user: str) -> str:
    key = f"{action_id}-{user}"
    reply = bot.interact(
        block_action_payload(
            action_id=action_id,
            value=str(promise.id),
            user_id=user,
            response_url=bot.fake.response_url(key),
        )
    )
    assert reply.status == 200
    return key


def response(bot: BotServer, key: str) -> dict:
    return bot.fake.wait_for("response_url", where=lambda c: c.params["_key"] == key)[0].params


def test_undo_cancels_and_replaces_the_reply(bot: BotServer) -> None:
    promise = recorded(bot)
    answer = response(bot, press(bot, "promise_undo", promise, OWNER))
    assert answer["replace_original"] is True and "Undone" in message_text(answer)
    with bot.runtime.sessions() as session:
        stored = session.get(Promise, promise.id)
        kinds = [e.kind for e in session.scalars(select(PromiseEvent))]
    assert stored is not None and stored.status == "cancelled"
    assert kinds == ["created", "cancelled"]


def test_undo_by_someone_else_is_refused(bot: BotServer) -> None:
    promise = recorded(bot)
    answer = response(bot, press(bot, "promise_undo", promise, OTHER))
    assert "Only <@U0OWNER>" in message_text(answer)
    assert not answer.get("replace_original")
    with bot.runtime.sessions() as session:
        assert session.get(Promise, promise.id).status == "open"  # type: ignore[union-attr]


def test_edit_opens_the_form_and_saves_the_change(bot: BotServer) -> None:
    promise = recorded(bot)
    press(bot, "promise_edit", promise, OWNER)
    view = bot.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "edit_promise"
    meta = view["private_metadata"]
    values = input_values(
        {
            "description": {"value": "call Jane Doe back about the lead role"},
            "counterpart": {"value": "Jane D."},
        }
    )
    reply = bot.interact(
        view_submission_payload(
            callback_id="edit_promise", values=values, user_id=OWNER, private_metadata=meta
        )
    )
    assert reply.status == 200 and not reply.body
    with bot.runtime.sessions() as session:
        stored = session.get(Promise, promise.id)
        edits = [e for e in session.scalars(select(PromiseEvent)) if e.kind == "edited"]
    assert stored is not None and stored.description.endswith("lead role")
    assert stored.counterpart == "Jane D."
    assert edits[0].detail["counterpart"] == ["Jane Doe", "Jane D."]


def test_edit_by_someone_else_is_refused_inline(bot: BotServer) -> None:
    promise = recorded(bot)
    answer = response(bot, press(bot, "promise_edit", promise, OTHER))
    assert "Only <@U0OWNER>" in message_text(answer)
    values = input_values({"description": {"value": "hijacked"}, "counterpart": {"value": ""}})
    reply = bot.interact(
        view_submission_payload(
            callback_id="edit_promise",
            values=values,
            user_id=OTHER,
            private_metadata=json.dumps({"promise_id": promise.id}),
        )
    )
    assert reply.json()["response_action"] == "errors"
    with bot.runtime.sessions() as session:
        assert session.get(Promise, promise.id).description.startswith("call Jane")  # type: ignore[union-attr]
