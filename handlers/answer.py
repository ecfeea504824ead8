"""What every listener shares: run a flow once, commit, then answer Slack.

Acknowledged means stored: the change (and the outbox rows for the messages it causes) is
committed before the acknowledgement leaves. Only what needs Slack's own answer runs after the
ack (opening a form with the trigger id, answering on a response URL), on a small pool.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.once import action_key, run_once
from bot.people.acting import Acting
from bot.people.profiles import Looked
from bot.promises.flows import acting
from bot.promises.service import InvalidInput, KeptError, parse_promise_id
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from handlers.after_ack import later
from handlers.home import publish

log = logging.getLogger("kept.handlers")

SORRY = (
    "Something went wrong on my side, so nothing was changed. Please try again in a "
    "moment; if it keeps happening, tell your Kept admin."
)
WORKING_ON_IT = (
    ":hourglass_flowing_sand: Working on it — Slack is slow to answer me; the reply follows."
)
# how long a request may wait for a first users.info before Kept answers "working on it":
# Slack wants the acknowledgement within 3 seconds
PROFILE_BUDGET = 1.0


@dataclass
class Outcome:
    reply: Reply
    refused: bool = False  # nothing changed: a refusal or an error, told to the person only
    error: bool = False  # ... and it was an error (a bug, an outage), not Kept saying no


def ids_of(body: dict[str, Any]) -> tuple[str, str]:
    """(team id, user id) of an interaction payload."""
    user = body.get("user") or {}
    return (body.get("team") or {}).get("id") or user.get("team_id") or "", user.get("id") or ""


def button_value(body: dict[str, Any]) -> str:
    action = (body.get("actions") or [{}])[0]
    return str(action.get("value") or "")


def profiles_ready(
    runtime: Runtime,
    executor: Executor,
    team_id: str,
    user_ids: Iterable[str],
    named: Looked | None = None,
    *,
    retried: bool = False,
) -> Future[None] | None:
    """Make sure these people's Slack profiles are cached and the people the request names
    (`named`, to be checked as recipients) are looked up in Slack, within PROFILE_BUDGET, all
    before any transaction opens. Returns None when done; else the look-up still under way
    (answer "working on it", or, when the person must try again (`retried`: a form), keep
    Slack's late answers for that try)."""
    wanted = [u for u in dict.fromkeys(user_ids) if u and not runtime.knows_fresh(team_id, u)]
    if not wanted and (named is None or not named.wanted):
        return None

    def look_up() -> None:
        for user_id in wanted:
            runtime.warm_person(team_id, user_id)
        if named is not None:
            runtime.look_up(team_id, named)

    future = executor.submit(look_up)
    try:
        future.result(timeout=PROFILE_BUDGET)
    except FutureTimeout:
        if named is not None and retried:  # a form can't wait: its next Save finds them
            future.add_done_callback(lambda _done: runtime.keep_late(team_id, named))
        return future
    return None


def as_person(
    runtime: Runtime,
    team_id: str,
    user_id: str,
    now: datetime,
    work: Callable[[Session, Acting], Reply],
) -> Callable[[Session], Reply]:
    """`work` as this person. Who they are is read now, from their cached Slack profile
    (profiles_ready warmed it), on a reader session: before the transaction and its writer
    gate, which are left for the writes."""
    with runtime.readers() as reader:
        who = who_is(runtime, reader, team_id, user_id, now)

    def change(session: Session) -> Reply:
        return work(session, who)

    return change


def who_is(runtime: Runtime, reader: Session, team_id: str, user_id: str, now: datetime) -> Acting:
    """Who is acting, read outside any write transaction (nothing is asked of Slack)."""
    return acting(reader, team_id, user_id, fetch=None, admins=runtime.settings.admins, now=now)


Decide = Callable[[Session, Acting], Callable[[Session], Reply]]


def carry_out(
    runtime: Runtime,
    team_id: str,
    user_id: str,
    key: str | None,
    work: Callable[[Session, Acting], Reply],
    what: str,
) -> Outcome:
    """Run `work` once for this request key, in one committed transaction. A KeptError is
    the person's answer as it is; anything else a kind apology (and the log has the trace)."""

    def decide(_reader: Session, who: Acting) -> Callable[[Session], Reply]:
        return lambda session: work(session, who)

    return decide_and_write(runtime, team_id, user_id, key, decide, what)


def decide_and_write(
    runtime: Runtime, team_id: str, user_id: str, key: str | None, decide: Decide, what: str
) -> Outcome:
    """`decide` reads and decides on a reader session (who is acting is read there too) and
    returns the write step; that step runs once for this request key, in one committed
    transaction: the writer gate is held for the writes only. Answers as carry_out."""
    now = runtime.now()
    try:
        with runtime.readers() as reader:
            write = decide(reader, who_is(runtime, reader, team_id, user_id, now))
        return Outcome(run_once(runtime.sessions, team_id, key, now, write))
    except KeptError as error:
        return Outcome(Reply(messages.error_message(str(error))), refused=True)
    except Exception:  # noqa: BLE001 - never show a stack trace in Slack
        log.exception("%s failed", what)
        return Outcome(Reply(messages.error_message(SORRY)), refused=True, error=True)


def open_view(client: WebClient, trigger_id: str | None, view: dict[str, Any]) -> bool:
    if not trigger_id:
        return False
    try:
        client.views_open(trigger_id=trigger_id, view=view)
        return True
    except SlackApiError as error:
        log.warning("views.open failed: %s", error.response.get("error"))
        return False


def on_home_tab(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


@dataclass
class Presser:
    """Where to answer a press Slack gives no response_url for (the Home tab, a modal)."""

    runtime: Runtime
    client: WebClient
    body: dict[str, Any]

    def show(self, message: dict[str, Any]) -> None:
        """On the Home tab: the tab published again with the answer on top. Elsewhere: a DM.
        (Used for refusals and forms that failed to open: nothing changed, so no refresh of
        the tab is on its way to overwrite the answer.)"""
        team_id, user_id = ids_of(self.body)
        if not user_id:
            return
        try:
            if on_home_tab(self.body):
                notice = str(message.get("text") or "")
                publish(self.runtime, self.client, team_id, user_id, notice=notice)
            else:
                self.client.chat_postMessage(
                    channel=user_id, text=message.get("text", ""), blocks=message.get("blocks")
                )
        except Exception:  # noqa: BLE001 - best effort, like any answer after the ack
            log.warning("could not show the answer to %s", user_id, exc_info=True)


def respond_with(respond: Respond, message: dict[str, Any], presser: Presser | None = None) -> None:
    """Answer on the response URL; where Slack gave none (the Home tab), through `presser`."""
    if respond.response_url is None:
        if presser is not None:
            presser.show(message)
        else:
            log.warning("no response_url to answer with: %.80s", message.get("text", ""))
        return
    try:
        answered = _respond(respond, message)
        refused = _refusal(answered)
        if refused in messages.REFUSED_PAYLOAD:  # the payload itself: once more, compact
            log.warning("Slack refused an answer (%s); answering in a compact form", refused)
            _respond(respond, messages.compact_message(message))
    except Exception:  # noqa: BLE001 - no response URL here, or it expired
        log.warning("could not answer through response_url", exc_info=True)


def _respond(respond: Respond, message: dict[str, Any]) -> Any:
    return respond(
        text=message.get("text", ""),
        blocks=message.get("blocks"),
        response_type=message.get("response_type", "ephemeral"),
        replace_original=message.get("replace_original", False),
    )


def _refusal(answered: Any) -> str:
    """Slack's error for a response URL post ("" when it took it): a JSON `{"ok": false}` or
    the bare error name Slack answers with."""
    body = str(getattr(answered, "body", "") or "").strip()
    if body.startswith("{"):
        try:
            data = json.loads(body)
        except ValueError:
            return ""
        return "" if data.get("ok", True) else str(data.get("error") or "")
    return body if getattr(answered, "status_code", 200) != 200 else ""


FORM_FAILED = "I couldn't open the form (Slack gives me 3 seconds). Please try again."


def ack_message(ack: Ack, message: dict[str, Any]) -> None:
    """Answer a slash command in its acknowledgement: Slack shows it at once."""
    ack(
        text=message.get("text", ""),
        blocks=message.get("blocks"),
        response_type=message.get("response_type", "ephemeral"),
    )


def need_promise_id(value: str) -> int:
    promise_id = parse_promise_id(value)
    if promise_id is None:
        raise InvalidInput("That button doesn't point at a promise any more.")
    return promise_id


PressWork = Callable[[Session, Acting, int], Reply]


def on_press(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    *,
    work: PressWork,
    show_reply: bool,
) -> None:
    """A button on one of Kept's messages: its change committed once (by action id, action_ts
    and user), then acknowledged; a form opens, or the answer follows on the response URL
    (refusals always; other answers when `show_reply`). Reminders themselves are rewritten
    through the outbox."""
    team_id, user_id = ids_of(body)
    action = (body.get("actions") or [{}])[0]
    action_id = str(action.get("action_id") or "")
    key = action_key(action_id, action.get("action_ts"), user_id)
    value = button_value(body)

    def run() -> Outcome:
        return carry_out(
            runtime,
            team_id,
            user_id,
            key,
            lambda session, who: work(session, who, need_promise_id(value)),
            action_id,
        )

    presser = Presser(runtime, client, body)

    def answer(outcome: Outcome) -> None:
        reply = outcome.reply
        if reply.open_view is not None:
            if not open_view(client, body.get("trigger_id"), reply.open_view):
                respond_with(respond, messages.error_message(FORM_FAILED), presser)
        elif reply.message is not None and (outcome.refused or show_reply):
            message = dict(reply.message)
            if outcome.refused:
                message["replace_original"] = False  # the reminder stays as it is
            respond_with(respond, message, presser)

    pending = profiles_ready(runtime, pool, team_id, [user_id])
    if pending is not None:
        ack()

        def finish() -> None:
            pending.result()
            answer(run())

        later(pool, finish, action_id)
        return
    outcome = run()
    ack()
    if outcome.reply.open_view is not None or outcome.reply.message is not None:
        later(pool, lambda: answer(outcome), action_id)
