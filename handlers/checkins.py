"""Buttons on a check-in: Updated them (a form for an optional note), Skip this one, New rhythm
(a form), Done for good; and those two forms saved.

Like every listener: the change is committed once (run-once keys) before Slack is
acknowledged; the check-in message itself is rewritten through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.people.acting import Acting
from bot.promises import cadence_flows
from bot.promises.forms import metadata
from bot.promises.service import InvalidInput
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import PressWork, on_press
from handlers.views.submit import on_submit

FormWork = Callable[[Session, Acting, int, dict[str, Any]], Reply]


def _value(values: dict[str, Any], block_id: str, key: str = "value") -> Any:
    return ((values.get(block_id) or {}).get("value") or {}).get(key)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor
    working_day = runtime.settings.working_day

    def updated_form(session: Session, who: Acting, promise_id: int) -> Reply:
        promise = cadence_flows.form_for(session, who, promise_id)
        return Reply(open_view=messages.updated_form(promise, who.tz, now=who.now))

    def new_rhythm_form(session: Session, who: Acting, promise_id: int) -> Reply:
        return Reply(
            open_view=messages.new_rhythm_form(cadence_flows.form_for(session, who, promise_id))
        )

    def skip(session: Session, who: Acting, promise_id: int) -> Reply:
        return cadence_flows.skip(
            session,
            who,
            promise_id=promise_id,
            default_timing=runtime.default_timing(),
            working_day=working_day,
        )

    def done(session: Session, who: Acting, promise_id: int) -> Reply:
        return cadence_flows.done(session, who, promise_id=promise_id)

    buttons: dict[str, tuple[PressWork, bool]] = {
        # action id: (what it does, whether its answer is shown to the presser)
        messages.UPDATED: (updated_form, False),
        messages.SKIP_CHECK_IN: (skip, True),
        messages.NEW_RHYTHM: (new_rhythm_form, False),
        messages.DONE_FOR_GOOD: (done, False),  # the check-in itself is rewritten to say it
    }

    def listener(work: PressWork, show_reply: bool) -> Callable[..., None]:
        def pressed(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            on_press(runtime, pool, ack, body, respond, client, work=work, show_reply=show_reply)

        return pressed

    for action_id, (work, show_reply) in buttons.items():
        app.action(action_id)(listener(work, show_reply))

    def log_it(session: Session, who: Acting, promise_id: int, values: dict[str, Any]) -> Reply:
        return cadence_flows.updated_from_form(
            session,
            who,
            promise_id=promise_id,
            note=_value(values, "note"),
            default_timing=runtime.default_timing(),
            working_day=working_day,
        )

    def rhythm_it(session: Session, who: Acting, promise_id: int, values: dict[str, Any]) -> Reply:
        choice = (_value(values, "rhythm", "selected_option") or {}).get("value")
        return cadence_flows.new_rhythm(
            session,
            who,
            promise_id=promise_id,
            rhythm=messages.rhythm_of_choice(choice),
            default_timing=runtime.default_timing(),
            working_day=working_day,
        )

    def submission(callback_id: str, work: FormWork) -> None:
        @app.view(callback_id)
        def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            values = (view.get("state") or {}).get("values") or {}
            promise_id = metadata(view).get("promise_id")

            def save(session: Session, who: Acting) -> Reply:
                if not isinstance(promise_id, int):
                    raise InvalidInput("That form lost track of its promise; open it again.")
                return work(session, who, promise_id, values)

            on_submit(runtime, pool, ack, body, view, save)

    submission(messages.UPDATED_VIEW, log_it)
    submission(messages.NEW_RHYTHM_VIEW, rhythm_it)
