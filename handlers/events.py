"""Events API: every event Slack signs gets a 200, whatever it is.

Slack disables event delivery for an app that fails more than 5% of them, so an event Kept
does not act on is still acknowledged. The ones it acts on:
- `message` in a DM with Kept (`message.im`): read like `/promise <text>`, answered in the DM
  through the outbox (bot.promises.dm), in its thread if it had one; chat under Kept's own
  messages that is not a command, and Slackbot's messages, are not read.
- `message` in a channel Kept is in (`message.channels`, `message.groups`): in a watched
  channel, a promise is suggested to its author (handlers.noticing).
- `app_uninstalled` / `tokens_revoked` (the bot token): deliveries for that workspace pause
  (kept, not dropped) until a request comes from it again and Kept's token works there again
  (auth.test): Kept was installed again.
- `app_rate_limited` (sent even though nobody subscribes to it): logged.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.language.commands import named_people
from bot.ops.metrics import subcommand_of
from bot.people.profiles import Looked
from bot.promises import dm
from bot.promises.commands import CommandInput
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from bot.workspaces import flows as workspaces
from handlers import noticing
from handlers.answer import Presser, later, profiles_ready, respond_with
from handlers.run import run_command

log = logging.getLogger("kept.events")

UNINSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})
STALE_BUTTON = (
    "That button belongs to an older message and doesn't do anything any more. "
    "`/promise list` shows your promises as they are now."
)
STALE_FORM = (
    "This form is from an older version of Kept and can't be saved. Copy your text, close "
    "it and start again with /promise."
)
RECHECK_PAUSED = 60.0  # seconds a process trusts that a workspace is active


def _team_of(body: dict[str, Any]) -> str:
    team = body.get("team")
    return (
        body.get("team_id")
        or (team.get("id") if isinstance(team, dict) else None)
        or (body.get("user") or {}).get("team_id")
        or ""
    )


def _event_type(body: dict[str, Any]) -> str:
    event = body.get("event")
    return str(event.get("type") or "") if isinstance(event, dict) else ""


class Reinstalls:
    """Resumes a paused workspace once a request comes from it and Kept's token works for it
    again (auth.test): Kept was installed again. A workspace found active is not looked at
    again for RECHECK_PAUSED seconds by this app."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._active_since: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, team_id: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._active_since.get(team_id, -RECHECK_PAUSED) < RECHECK_PAUSED:
                return
        if workspaces.is_paused(self.runtime.readers, team_id):
            if not self._token_works_for(team_id):
                return  # still uninstalled (e.g. a late retry of an older event): stay paused
            if workspaces.resume(self.runtime.sessions, team_id, self.runtime.now()):
                log.info("workspace %s is back: its deliveries resume", team_id)
        with self._lock:
            self._active_since[team_id] = now

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._active_since.pop(team_id, None)

    def _token_works_for(self, team_id: str) -> bool:
        """auth.test with this workspace's own token (OAuth: its newest installation's)."""
        if self.runtime.installations is not None:
            self.runtime.installations.forget_cached(team_id)  # a reinstall brings a new token
        try:
            client = self.runtime.client_for(team_id)
            return client.auth_test().get("team_id") == team_id
        except Exception:  # noqa: BLE001 - revoked, or Slack unreachable: not back yet
            return False


def on_direct_message(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    team_id: str,
    event: dict[str, Any],
) -> None:
    """A DM to Kept is read like `/promise <text>`: run once (by the message), committed with
    its answer's delivery row before the acknowledgement; the scheduler posts the answer in
    the DM (in its thread if it had one), once, whatever Slack or Kept go through."""
    channel = str(event.get("channel") or "")
    ts = str(event.get("ts") or "")
    request = CommandInput(
        team_id=team_id,
        user_id=str(event.get("user") or ""),
        channel_id=None,  # a DM: no channel settings apply
        text=str(event.get("text") or ""),
        request_key=dm.request_key(channel, ts, event.get("thread_ts")),
    )
    key = request.request_key or ""
    if dm.answered(runtime.readers, team_id, key):  # Slack's retry of a DM already answered
        ack()
        return

    def run() -> None:
        now = runtime.now()

        def owe(session: Session, _reply: Reply) -> None:
            dm.owe_answer(session, team_id, request.user_id, key, now)

        reply, refused = run_command(runtime, request, named, then=owe)
        if refused:  # nothing changed; the refusal is answered once all the same
            dm.remember_refusal(runtime.sessions, team_id, request.user_id, key, reply, now)

    named = Looked(named_people(request.text))
    pending = profiles_ready(runtime, pool, team_id, [request.user_id], named)
    if pending is not None:
        ack()

        def finish() -> None:
            pending.result()
            run()

        later(pool, finish, "DM to Kept")
        return
    run()
    ack()


def register(app: App, runtime: Runtime) -> None:
    reinstalls = Reinstalls(runtime)
    pool = app.listener_runner.listener_executor

    @app.middleware
    def workspace_state(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        if body.get("type") == "app_rate_limited":
            log.warning(
                "Slack dropped events for team %s this minute (app_rate_limited, minute %s)",
                body.get("team_id"),
                body.get("minute_rate_limited"),
            )
            return BoltResponse(status=200, body="")
        team_id = _team_of(body)
        if team_id and _event_type(body) not in UNINSTALL_EVENTS:
            try:
                reinstalls.check(team_id)
            except Exception:  # noqa: BLE001 - never fail Slack's request over this
                log.warning("could not check whether %s is paused", team_id, exc_info=True)
        next()
        return None

    def uninstalled(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Paused before Slack hears back: acknowledged means stored."""
        team_id = _team_of(body)
        kind = str(event.get("type"))
        only_user_tokens = kind == "tokens_revoked" and not (event.get("tokens") or {}).get("bot")
        if team_id and not only_user_tokens:  # (Kept has no user tokens to lose)
            paused = workspaces.pause(runtime.sessions, team_id, kind, runtime.now())
            reinstalls.forget(team_id)
            if paused:
                log.warning("%s for workspace %s: its deliveries wait", kind, team_id)
        ack()

    for kind in sorted(UNINSTALL_EVENTS):
        app.event(kind)(uninstalled)

    @app.event("message")
    def direct_message(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient
    ) -> None:
        if noticing.is_channel_message(event):  # a watched channel? (SPEC §2.5)
            noticing.on_channel_message(runtime, pool, ack, body, event, client)
            return
        if not is_person_writing_to_kept(event) or is_chat_under_kepts_message(event):
            ack()
            return
        on_direct_message(runtime, pool, ack, _team_of(body), event)

    # every other event Slack may send: acknowledged, nothing to do (registered last)
    app.event(re.compile(".*"))(_ack)

    # a form Kept no longer serves: keep it open with the person's words, and say why
    @app.view(re.compile(".*"))
    def stale_form(ack: Ack, view: dict[str, Any]) -> None:
        inputs = [
            str(b["block_id"])
            for b in view.get("blocks") or []
            if b.get("type") == "input" and b.get("block_id")
        ]
        if inputs:
            ack(response_action="errors", errors={inputs[0]: STALE_FORM})
        else:
            ack(response_action="update", view=messages.notice_view(STALE_FORM))

    # a button Kept no longer serves (a message from an older version): say so, don't 404
    @app.action(re.compile(".*"))
    def stale_button(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        message = messages.error_message(STALE_BUTTON)
        presser = Presser(runtime, client, body)
        later(pool, lambda: respond_with(respond, message, presser), "a stale button")


def _ack(ack: Callable[[], None]) -> None:
    ack()


def is_person_writing_to_kept(event: dict[str, Any]) -> bool:
    """A new message a person typed in their DM with Kept: not an edit or a deletion (those
    have a subtype), not from a bot (Kept's own answers included), not Slackbot's."""
    if event.get("channel_type") != "im":
        return False
    if event.get("subtype") or event.get("bot_id") or event.get("bot_profile"):
        return False
    user = str(event.get("user") or "")
    if not user or user == dm.SLACKBOT:
        return False
    return bool(str(event.get("text") or "").strip())


def is_chat_under_kepts_message(event: dict[str, Any]) -> bool:
    """A reply in the thread of one of Kept's own messages (a reminder, an answer) that is
    not a command ("thanks!", "will do"): not read as a new promise. A thread under the
    person's own message is read like any DM."""
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts"):
        return False
    if event.get("parent_user_id") == event.get("user"):
        return False
    return subcommand_of(str(event.get("text") or "")) in {"promise", "form"}
