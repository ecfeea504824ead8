"""Form (modal) submissions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import blocks
from bot.forms import check_form, metadata, read_form, submit_edit, submit_new_promise
from bot.people import actor_for
from bot.promises import KeptError
from bot.runtime import Runtime
from bot.slack import send_dm
from handlers.replies import SORRY

log = logging.getLogger("kept.handlers")


def _ids(body: dict[str, Any]) -> tuple[str, str]:
    user = body.get("user") or {}
    team_id = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return team_id, user.get("id") or ""


def register(app: App, runtime: Runtime) -> None:
    @app.view(blocks.NEW_PROMISE_VIEW)
    def new_promise(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                    client: WebClient) -> None:
        team_id, user_id = _ids(body)
        form = read_form((view.get("state") or {}).get("values") or {})
        now = runtime.now()
        try:
            with runtime.sessions.begin() as session:
                errors = check_form(session, team_id, form, fetch=runtime.fetch_user, now=now)
                if errors:
                    ack(response_action="errors", errors=errors)
                    return
                meta_channel = metadata(view).get("channel_id")
                promise, created = submit_new_promise(
                    session, team_id=team_id, user_id=user_id, form=form, view=view, now=now,
                    timing=runtime.timing(session, team_id, meta_channel))
                _actor, owner_tz = actor_for(session, team_id, promise.owner_id,
                                             fetch=runtime.fetch_user,
                                             admins=runtime.settings.admins, now=now)
        except KeptError as error:
            ack(response_action="errors", errors={"description": str(error)[:150]})
            return
        except Exception:  # noqa: BLE001 - never show a stack trace in Slack
            log.exception("new promise form failed")
            ack(response_action="errors", errors={"description": SORRY[:150]})
            return
        ack()
        if created:
            confirmation = blocks.promise_recorded(promise, owner_tz, now)
            send_dm(client, promise.owner_id, confirmation)
            if user_id != promise.owner_id:
                send_dm(client, user_id, blocks.text_message(
                    f"Saved promise #{promise.id} for <@{promise.owner_id}>; I've told them."))

    @app.view(blocks.EDIT_VIEW)
    def edit_promise(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id, user_id = _ids(body)
        form = read_form((view.get("state") or {}).get("values") or {})
        now = runtime.now()
        if not form.description:
            ack(response_action="errors", errors={"description": "Say what you promised."})
            return
        try:
            with runtime.sessions.begin() as session:
                actor, _tz = actor_for(session, team_id, user_id, fetch=runtime.fetch_user,
                                       admins=runtime.settings.admins, now=now)
                submit_edit(session, team_id=team_id, actor=actor, form=form, view=view,
                            now=now)
        except KeptError as error:
            ack(response_action="errors", errors={"description": str(error)[:150]})
            return
        except Exception:  # noqa: BLE001
            log.exception("edit form failed")
            ack(response_action="errors", errors={"description": SORRY[:150]})
            return
        ack()
