"""Buttons on nudges and escalations: Kept, New date, Hand off, Couldn't keep, Remind them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.people.profiles import check_recipient, get_person
from bot.promises.commands import Reply
from bot.promises.forms import metadata
from bot.promises.service import (
    Actor,
    KeptError,
    changeable,
    close_promise,
    extend_promise,
    get_promise,
    hand_off,
)
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.slack.client import send_dm
from bot.store.models import Promise, Status
from handlers.actions import action_context, need_promise_id
from handlers.home import refresh_home
from handlers.replies import SORRY, acked, after_ack, carry_out, ids_of, safely

log = logging.getLogger("kept.handlers")


def register(app: App, runtime: Runtime) -> None:
    def changeable_by(
        session: Session, team_id: str, user_id: str, value: str
    ) -> tuple[Promise, Actor, str]:
        actor, tz = runtime.actor(session, team_id, user_id)
        return changeable(session, team_id, need_promise_id(value), actor), actor, tz

    def button(action_id: str, work: Callable[[dict[str, Any], str, str, str], Reply]) -> None:
        @acked(app.action(action_id))
        def _handler(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            team_id, user_id, value = action_context(body)
            runtime.warm_person(team_id, user_id)
            reply = safely(lambda: work(body, team_id, user_id, value), action_id)
            if reply.message is not None and reply.open_view is None and reply.changed is None:
                # a refusal or error: tell only the presser, leave the reminder as it is
                reply.message["replace_original"] = False
            carry_out(
                reply,
                respond=respond,
                client=client,
                trigger_id=body.get("trigger_id"),
                runtime=runtime,
                body=body,
            )

    def kept(_body: dict[str, Any], team_id: str, user_id: str, value: str) -> Reply:
        with runtime.sessions.begin() as session:
            actor, tz = runtime.actor(session, team_id, user_id)
            promise = close_promise(
                session,
                team_id=team_id,
                promise_id=need_promise_id(value),
                actor=actor,
                outcome=Status.KEPT,
                note=None,
                now=runtime.now(),
            )
            return Reply(
                changed=(team_id, promise.id), home_for=(team_id, [promise.owner_id, user_id])
            )

    def open_form(builder: Callable[[Promise], dict[str, Any]]) -> Callable[..., Reply]:
        def work(_body: dict[str, Any], team_id: str, user_id: str, value: str) -> Reply:
            with runtime.sessions.begin() as session:
                promise, _actor, _tz = changeable_by(session, team_id, user_id, value)
                return Reply(open_view=builder(promise))

        return work

    def remind_owner(_body: dict[str, Any], team_id: str, user_id: str, value: str) -> Reply:
        with runtime.sessions.begin() as session:
            promise, _actor, _tz = changeable_by(session, team_id, user_id, value)
            owner = get_person(
                session, team_id, promise.owner_id, fetch=runtime.fetch_user, now=runtime.now()
            )
            owner_tz = (owner.tz if owner is not None else None) or "UTC"
            reminder = blocks.owner_reminder(promise, user_id, owner_tz, runtime.now())
            return Reply(
                blocks.text_message(f"Done — I reminded <@{promise.owner_id}>."),
                direct_messages=[(promise.owner_id, reminder)],
            )

    button(blocks.KEPT, kept)
    button(blocks.NEW_DATE, open_form(blocks.new_date_form))
    button(blocks.HAND_OFF, open_form(blocks.hand_off_form))
    button(blocks.COULDNT_KEEP, open_form(blocks.couldnt_keep_form))
    button(blocks.REMIND_OWNER, remind_owner)

    def submission(
        callback_id: str, work: Callable[[Session, Actor, str, int, dict[str, Any]], Any]
    ) -> None:
        @app.view(callback_id)
        def _handler(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
        ) -> None:
            team_id, user_id = ids_of(body)
            values = (view.get("state") or {}).get("values") or {}
            promise_id = metadata(view).get("promise_id")
            if not isinstance(promise_id, int):
                ack(response_action="errors", errors={"deadline": "Please open the form again."})
                return
            try:
                with runtime.sessions.begin() as session:
                    actor, _tz = runtime.actor(session, team_id, user_id)
                    outcome = work(session, actor, team_id, promise_id, values)
            except _FieldError as error:
                ack(response_action="errors", errors={error.field: str(error)[:150]})
                return
            except KeptError as error:
                ack(response_action="errors", errors={_first_block(view): str(error)[:150]})
                return
            except Exception:  # noqa: BLE001 - never show a stack trace in Slack
                log.exception("%s failed", callback_id)
                ack(response_action="errors", errors={_first_block(view): SORRY[:150]})
                return
            view_after, dms = outcome
            if view_after is not None:
                ack(response_action="update", view=view_after)
            else:
                ack()

            def follow_up() -> None:
                from scheduler.delivery import refresh_reminders

                for target, message in dms:
                    send_dm(client, target, message)
                refresh_reminders(runtime, team_id, [promise_id])
                with runtime.readers() as session:
                    owner = session.scalar(
                        select(Promise.owner_id).where(
                            Promise.team_id == team_id, Promise.id == promise_id
                        )
                    )
                refresh_home(runtime, team_id, [owner or "", user_id])

            after_ack(app, follow_up, callback_id)

    def new_date(
        session: Session, actor: Actor, team_id: str, promise_id: int, values: dict[str, Any]
    ) -> tuple[Any, list[Any]]:
        from bot.promises.forms import read_form

        form = read_form(values)
        note = ((values.get("note") or {}).get("value") or {}).get("value")
        now = runtime.now()
        if form.deadline is None:
            raise _FieldError("deadline", "Pick the new date and time.")
        if form.deadline <= now:
            raise _FieldError("deadline", "That moment has already passed. Pick one ahead.")
        source = get_promise(session, team_id, promise_id).source_channel_id
        promise = extend_promise(
            session,
            team_id=team_id,
            promise_id=promise_id,
            actor=actor,
            new_deadline=form.deadline,
            note=note,
            now=now,
            timing=runtime.timing(session, team_id, source),
        )
        tz = runtime.actor(session, promise.team_id, actor.user_id)[1]
        return blocks.new_date_done(promise, tz, note), []

    def handed_off(
        session: Session, actor: Actor, team_id: str, promise_id: int, values: dict[str, Any]
    ) -> tuple[Any, list[Any]]:
        new_owner = ((values.get("owner") or {}).get("value") or {}).get("selected_user")
        if not new_owner:
            raise _FieldError("owner", "Pick who takes it over.")
        problem = check_recipient(
            session, team_id, new_owner, fetch=runtime.fetch_user, now=runtime.now()
        )
        if problem is not None:  # form errors are plain text: no <@U…> mentions
            plain = problem.replace(f"<@{new_owner}>", "that person")
            raise _FieldError("owner", plain[:1].upper() + plain[1:])
        person = get_person(
            session, team_id, new_owner, fetch=runtime.fetch_user, now=runtime.now()
        )
        if person is None:
            raise _FieldError("owner", "I can't find that person in this workspace.")
        promise, _previous = hand_off(
            session,
            team_id=team_id,
            promise_id=promise_id,
            actor=actor,
            new_owner_id=new_owner,
            now=runtime.now(),
        )
        notice = blocks.handoff_notice(promise, actor.user_id, person.tz or "UTC", runtime.now())
        return None, [(new_owner, notice)]

    def couldnt_keep(
        session: Session, actor: Actor, team_id: str, promise_id: int, values: dict[str, Any]
    ) -> tuple[Any, list[Any]]:
        reason = ((values.get("reason") or {}).get("value") or {}).get("value") or ""
        if not reason.strip():
            raise _FieldError("reason", "Say briefly what happened.")
        close_promise(
            session,
            team_id=team_id,
            promise_id=promise_id,
            actor=actor,
            outcome=Status.BROKEN,
            note=reason,
            now=runtime.now(),
        )
        return None, []

    submission(blocks.NEW_DATE_VIEW, new_date)
    submission(blocks.HAND_OFF_VIEW, handed_off)
    submission(blocks.COULDNT_KEEP_VIEW, couldnt_keep)


class _FieldError(KeptError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _first_block(view: dict[str, Any]) -> str:
    for block in view.get("blocks") or []:
        if block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return "deadline"
