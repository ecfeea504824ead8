"""The forms behind the reminder buttons: New date, Hand off, Couldn't keep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.people.acting import Acting
from bot.people.profiles import Looked
from bot.promises import flows
from bot.promises.forms import metadata, read_form
from bot.promises.service import InvalidInput
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from handlers.views.submit import on_submit

# (session, who acting, promise id, the form's values, the people it names) -> the reply
FormWork = Callable[[Session, Acting, int, dict[str, Any], Looked], Reply]


def _value(values: dict[str, Any], block_id: str, key: str = "value") -> Any:
    return ((values.get(block_id) or {}).get("value") or {}).get(key)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    def new_date(
        session: Session, who: Acting, promise_id: int, values: dict[str, Any], _named: Looked
    ) -> Reply:
        return flows.new_date(
            session,
            who,
            promise_id=promise_id,
            new_deadline=read_form(values).deadline,
            note=_value(values, "note"),
            default_timing=runtime.default_timing(),
        )

    def hand_off(
        session: Session, who: Acting, promise_id: int, values: dict[str, Any], named: Looked
    ) -> Reply:
        return flows.hand_off_from_form(
            session,
            who,
            promise_id=promise_id,
            new_owner_id=_value(values, "owner", "selected_user"),
            fetch=named,
        )

    def couldnt_keep(
        session: Session, who: Acting, promise_id: int, values: dict[str, Any], _named: Looked
    ) -> Reply:
        return flows.couldnt_keep(
            session, who, promise_id=promise_id, reason=_value(values, "reason")
        )

    def submission(callback_id: str, work: FormWork) -> None:
        @app.view(callback_id)
        def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            values = (view.get("state") or {}).get("values") or {}
            promise_id = metadata(view).get("promise_id")
            new_owner = _value(values, "owner", "selected_user")
            named = Looked([new_owner] if new_owner else [])

            def save(session: Session, who: Acting) -> Reply:
                if not isinstance(promise_id, int):
                    raise InvalidInput("That form lost track of its promise; open it again.")
                return work(session, who, promise_id, values, named)

            on_submit(runtime, pool, ack, body, view, save, people=named)

    submission(messages.NEW_DATE_VIEW, new_date)
    submission(messages.HAND_OFF_VIEW, hand_off)
    submission(messages.COULDNT_KEEP_VIEW, couldnt_keep)
