"""The New promise form (also behind the message shortcut) and the Edit form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.people.acting import Acting
from bot.people.profiles import Looked
from bot.promises import flows
from bot.promises.forms import FieldError, check_form, metadata, read_form
from bot.promises.service import InvalidInput
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import later
from handlers.views.submit import on_submit

log = logging.getLogger("kept.handlers")


def keep_permalink(
    runtime: Runtime, client: WebClient, team_id: str, key: str, meta: dict[str, Any]
) -> None:
    """After the ack: the link to the message the promise was made from (the promise stands
    without it if Slack can't give it)."""
    channel_id, message_ts = meta.get("channel_id"), meta.get("message_ts")
    if not (channel_id and message_ts):
        return
    link = client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
    permalink = str(link.get("permalink") or "") or None
    flows.keep_permalink(runtime.sessions, team_id, key, permalink)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.view(messages.NEW_PROMISE_VIEW)
    def new_promise(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        form = read_form((view.get("state") or {}).get("values") or {})
        meta = metadata(view)
        key = f"view:{view.get('id')}"
        people = Looked([form.owner_id] if form.owner_id else [])

        def save(session: Session, who: Acting) -> Reply:
            errors = check_form(session, who.team_id, form, fetch=people, now=who.now)
            if errors:
                raise FieldError.of(errors)
            flows.save_form(
                session,
                who,
                form=form,
                meta=meta,
                default_timing=runtime.default_timing(),
                request_key=key,
                working_day=runtime.settings.working_day,
            )
            return Reply()

        if on_submit(runtime, pool, ack, body, view, save, people=people) is not None:
            team_id = (body.get("team") or {}).get("id") or ""
            later(
                pool,
                lambda: keep_permalink(runtime, client, team_id, key, meta),
                "fetching the message link",
            )

    @app.view(messages.EDIT_VIEW)
    def edit_promise(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_form((view.get("state") or {}).get("values") or {})
        promise_id = metadata(view).get("promise_id")

        def save(session: Session, who: Acting) -> Reply:
            if not form.description:
                raise FieldError("description", "Say what you promised.")
            if not isinstance(promise_id, int):
                raise InvalidInput("That form lost track of its promise; open it again.")
            return flows.edit(
                session,
                who,
                promise_id=promise_id,
                description=form.description,
                counterpart=form.counterpart,
            )

        on_submit(runtime, pool, ack, body, view, save)
