"""Buttons on nudges and escalations: Kept, New date, Hand off, Couldn't keep, Remind them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.people.acting import Acting
from bot.promises import flows
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import PressWork, on_press


def kept(session: Session, who: Acting, promise_id: int) -> Reply:
    return flows.kept(session, who, promise_id=promise_id)


def remind_owner(session: Session, who: Acting, promise_id: int) -> Reply:
    return flows.remind_owner(session, who, promise_id=promise_id)


def form(build: flows.FormBuilder) -> PressWork:
    """A button that opens a form about the promise, for whoever may change it."""

    def work(session: Session, who: Acting, promise_id: int) -> Reply:
        return flows.form_about(session, who, promise_id=promise_id, build=build)

    return work


BUTTONS: dict[str, tuple[PressWork, bool]] = {
    # action id: (what it does, whether its answer is shown to the presser)
    messages.KEPT: (kept, False),  # the reminder itself is rewritten to say it
    messages.NEW_DATE: (form(messages.new_date_form), False),
    messages.HAND_OFF: (form(messages.hand_off_form), False),
    messages.COULDNT_KEEP: (form(messages.couldnt_keep_form), False),
    messages.REMIND_OWNER: (remind_owner, True),
}


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    def listener(work: PressWork, show_reply: bool) -> Callable[..., None]:
        def pressed(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            on_press(runtime, pool, ack, body, respond, client, work=work, show_reply=show_reply)

        return pressed

    for action_id, (work, show_reply) in BUTTONS.items():
        app.action(action_id)(listener(work, show_reply))
