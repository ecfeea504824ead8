"""Form (modal) submissions."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.promises.forms import check_form, metadata, read_form, submit_edit, submit_new_promise
from bot.promises.service import KeptError
from bot.runtime import Runtime
from bot.slack import messages as blocks
from bot.slack.client import send_dm
from bot.store.models import Promise
from handlers.home import refresh_home
from handlers.replies import SORRY, after_ack, ids_of

log = logging.getLogger("kept.handlers")


def after_new_promise(
    runtime: Runtime,
    client: WebClient,
    promise: Promise,
    *,
    user_id: str,
    owner_tz: str,
    meta: dict[str, Any],
    now: datetime,
) -> None:
    """Confirm a promise saved from the form: DM the owner, tell the saver, keep the link."""
    told = send_dm(client, promise.owner_id, blocks.promise_recorded(promise, owner_tz, now))
    channel_id, message_ts = meta.get("channel_id"), meta.get("message_ts")
    if user_id != promise.owner_id:
        # "told them" only once Slack accepted the DM
        outcome = (
            "I've told them."
            if told is not None
            else "I couldn't DM them, so please let them know yourself."
        )
        note = blocks.text_message(
            f"Saved promise #{promise.id} for <@{promise.owner_id}>; {outcome}"
        )
        try:
            if not channel_id:
                raise ValueError("no channel to answer in")
            client.chat_postEphemeral(
                channel=channel_id, user=user_id, text=note["text"], blocks=note["blocks"]
            )
        except Exception:  # noqa: BLE001 - not in that channel: a DM does as well
            send_dm(client, user_id, note)
    if channel_id and message_ts:
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
            with runtime.sessions.begin() as session:
                stored = session.get(Promise, promise.id)
                if stored is not None and not stored.permalink:
                    stored.permalink = str(link.get("permalink") or "") or None
        except Exception:  # noqa: BLE001 - the promise stands without its link
            log.warning("could not fetch the permalink of the source message", exc_info=True)
    refresh_home(runtime, promise.team_id, [promise.owner_id, user_id])


def register(app: App, runtime: Runtime) -> None:
    @app.view(blocks.NEW_PROMISE_VIEW)
    def new_promise(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        team_id, user_id = ids_of(body)
        form = read_form((view.get("state") or {}).get("values") or {})
        now = runtime.now()
        if form.owner_id:  # look the owner up in Slack before any transaction opens
            runtime.warm_person(team_id, form.owner_id)
        try:
            with runtime.sessions.begin() as session:
                errors = check_form(session, team_id, form, fetch=runtime.fetch_user, now=now)
                if errors:
                    ack(response_action="errors", errors=errors)
                    return
                meta_channel = metadata(view).get("channel_id")
                promise, created = submit_new_promise(
                    session,
                    team_id=team_id,
                    user_id=user_id,
                    form=form,
                    view=view,
                    now=now,
                    timing=runtime.timing(session, team_id, meta_channel),
                )
                _actor, owner_tz = runtime.actor(session, team_id, promise.owner_id)
        except KeptError as error:
            ack(response_action="errors", errors={"description": str(error)[:150]})
            return
        except Exception:  # noqa: BLE001 - never show a stack trace in Slack
            log.exception("new promise form failed")
            ack(response_action="errors", errors={"description": SORRY[:150]})
            return
        ack()
        if created:
            after_ack(
                app,
                lambda: after_new_promise(
                    runtime,
                    client,
                    promise,
                    user_id=user_id,
                    owner_tz=owner_tz,
                    meta=metadata(view),
                    now=now,
                ),
                "new promise confirmation",
            )

    @app.view(blocks.EDIT_VIEW)
    def edit_promise(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = ids_of(body)
        form = read_form((view.get("state") or {}).get("values") or {})
        now = runtime.now()
        if not form.description:
            ack(response_action="errors", errors={"description": "Say what you promised."})
            return
        try:
            with runtime.sessions.begin() as session:
                actor, _tz = runtime.actor(session, team_id, user_id)
                submit_edit(session, team_id=team_id, actor=actor, form=form, view=view, now=now)
        except KeptError as error:
            ack(response_action="errors", errors={"description": str(error)[:150]})
            return
        except Exception:  # noqa: BLE001
            log.exception("edit form failed")
            ack(response_action="errors", errors={"description": SORRY[:150]})
            return
        ack()
