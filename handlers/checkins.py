"""Buttons on a check-in: Updated them (optional note), Skip this one, New rhythm, Done for good.

The change is committed before Slack is answered; the reply replaces the check-in message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.promises.cadence import change_rhythm, done_for_good, log_update, skip_check_in
from bot.promises.commands import Reply
from bot.promises.forms import metadata
from bot.promises.service import KeptError, changeable, get_promise
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.store.models import CheckInOutcome
from handlers.actions import action_context, need_promise_id
from handlers.home import refresh_home
from handlers.replies import SORRY, acked, after_ack, carry_out, ids_of, safely


def register(app: App, runtime: Runtime) -> None:
    def button(action_id: str, work: Callable[[str, str, str], Reply]) -> None:
        @acked(app.action(action_id))
        def _handler(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            team_id, user_id, value = action_context(body)
            runtime.warm_person(team_id, user_id)
            reply = safely(lambda: work(team_id, user_id, value), action_id)
            if reply.message is not None and reply.open_view is None and reply.changed is None:
                reply.message["replace_original"] = False  # a refusal: only the presser sees it
            carry_out(
                reply,
                respond=respond,
                client=client,
                trigger_id=body.get("trigger_id"),
                runtime=runtime,
            )

    def timing_of(session: Any, team_id: str, promise_id: int) -> Any:
        source = get_promise(session, team_id, promise_id).source_channel_id
        return runtime.timing(session, team_id, source)

    def updated(team_id: str, user_id: str, value: str) -> Reply:
        with runtime.sessions.begin() as session:
            actor, tz = runtime.actor(session, team_id, user_id)
            promise = changeable(session, team_id, need_promise_id(value), actor, runtime.now())
            return Reply(open_view=blocks.updated_form(promise, tz))

    def skip(team_id: str, user_id: str, value: str) -> Reply:
        promise_id = need_promise_id(value)
        with runtime.sessions.begin() as session:
            actor, tz = runtime.actor(session, team_id, user_id)
            promise = skip_check_in(
                session,
                team_id=team_id,
                promise_id=promise_id,
                actor=actor,
                now=runtime.now(),
                timing=timing_of(session, team_id, promise_id),
            )
            return Reply(
                blocks.check_in_logged(promise, tz, CheckInOutcome.SKIPPED),
                changed=(team_id, promise.id),
                home_for=(team_id, [promise.owner_id, user_id]),
            )

    def new_rhythm(team_id: str, user_id: str, value: str) -> Reply:
        with runtime.sessions.begin() as session:
            actor, _tz = runtime.actor(session, team_id, user_id)
            promise = changeable(session, team_id, need_promise_id(value), actor, runtime.now())
            return Reply(open_view=blocks.new_rhythm_form(promise))

    def done(team_id: str, user_id: str, value: str) -> Reply:
        with runtime.sessions.begin() as session:
            actor, tz = runtime.actor(session, team_id, user_id)
            promise = done_for_good(
                session,
                team_id=team_id,
                promise_id=need_promise_id(value),
                actor=actor,
                now=runtime.now(),
            )
            message = blocks.promise_closed(promise, tz)
            message["replace_original"] = True
            return Reply(
                message,
                changed=(team_id, promise.id),
                home_for=(team_id, [promise.owner_id, user_id]),
            )

    button(blocks.UPDATED, updated)
    button(blocks.SKIP_CHECK_IN, skip)
    button(blocks.NEW_RHYTHM, new_rhythm)
    button(blocks.DONE_FOR_GOOD, done)

    def submission(
        callback_id: str, work: Callable[[Any, Any, str, str, int, dict[str, Any]], Any]
    ) -> None:
        @app.view(callback_id)
        def _handler(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            team_id, user_id = ids_of(body)
            values = (view.get("state") or {}).get("values") or {}
            promise_id = metadata(view).get("promise_id")
            first = "note" if callback_id == blocks.UPDATED_VIEW else "rhythm"
            if not isinstance(promise_id, int):
                ack(response_action="errors", errors={first: "Please open the form again."})
                return
            try:
                with runtime.sessions.begin() as session:
                    actor, tz = runtime.actor(session, team_id, user_id)
                    view_after, owner = work(session, actor, tz, team_id, promise_id, values)
            except KeptError as error:
                ack(response_action="errors", errors={first: str(error)[:150]})
                return
            except Exception:  # noqa: BLE001 - never show a stack trace in Slack
                ack(response_action="errors", errors={first: SORRY[:150]})
                return
            ack(response_action="update", view=view_after)

            def follow_up() -> None:
                from scheduler.delivery import refresh_reminders

                refresh_reminders(runtime, team_id, [promise_id])
                refresh_home(runtime, team_id, [owner, user_id])

            after_ack(app, follow_up, callback_id)

    def log_it(
        session: Any, actor: Any, tz: str, team_id: str, promise_id: int, values: dict[str, Any]
    ) -> Any:
        note = ((values.get("note") or {}).get("value") or {}).get("value")
        promise, outcome = log_update(
            session,
            team_id=team_id,
            promise_id=promise_id,
            actor=actor,
            note=note,
            now=runtime.now(),
            timing=timing_of(session, team_id, promise_id),
        )
        message = blocks.check_in_logged(promise, tz, outcome)
        return blocks.info_view("Updated them", message["text"]), promise.owner_id

    def rhythm_it(
        session: Any, actor: Any, tz: str, team_id: str, promise_id: int, values: dict[str, Any]
    ) -> Any:
        selected = ((values.get("rhythm") or {}).get("value") or {}).get("selected_option") or {}
        rhythm = blocks.rhythm_of_choice(selected.get("value"))
        if rhythm is None:
            raise KeptError("Pick how often to check in.")
        promise = change_rhythm(
            session,
            team_id=team_id,
            promise_id=promise_id,
            actor=actor,
            rhythm=rhythm,
            now=runtime.now(),
            timing=timing_of(session, team_id, promise_id),
        )
        return blocks.info_view("New rhythm", blocks.rhythm_line(promise, tz)), promise.owner_id

    submission(blocks.UPDATED_VIEW, log_it)
    submission(blocks.NEW_RHYTHM_VIEW, rhythm_it)
