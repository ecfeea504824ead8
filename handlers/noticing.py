"""Noticing promises where they are made (SPEC §2.5): `/promise watch`, the `message` events of
watched channels, and the suggestion's buttons.

Privacy: a message's text lives only in this request's memory; it is never logged, stored or
put in a metric label. What Kept keeps of a suggestion is a fingerprint of the message's id
(bot.noticing.service), until its author presses Track it.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.noticing import flows
from bot.noticing.service import SharedWith, fingerprint
from bot.noticing.suggest import (
    Authored,
    Pressed,
    SuggestionView,
    authored,
    pressed,
    suggestion,
)
from bot.once import action_key, command_key
from bot.people.acting import Acting
from bot.promises.commands import CommandInput
from bot.promises.flows import Source, reading
from bot.reply import Reply
from bot.runtime import Runtime
from bot.slack import messages
from bot.slack.messages import noticing as blocks
from bot.slack.text import user_ids_in
from handlers.answer import (
    WORKING_ON_IT,
    ack_message,
    button_value,
    carry_out,
    ids_of,
    later,
    on_press,
    open_view,
    profiles_ready,
    respond_with,
)
from handlers.run import run_command
from handlers.views.submit import on_submit

log = logging.getLogger("kept.noticing")
MAX_NAMED = 5  # people mentioned in a message whose names are looked up

WATCH = "watch"
NOT_A_CHANNEL = "Kept can watch channels only: type `/promise watch` in the channel itself."
ARCHIVED = "That channel is archived: there's nothing new to notice there."
NO_SCOPE = (
    "Kept's Slack app lacks a permission to read this channel. An admin needs to reinstall it "
    "from the current manifest."
)
CANT_JOIN = "Slack didn't let Kept join this channel ({error}). Invite it with `/invite @Kept`."


def is_watch_command(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0].lower() == WATCH


# ------------------------------------------------------------------------ /promise watch


def _join(client: WebClient, team_id: str, channel_id: str) -> tuple[SharedWith | None, str]:
    """Be a member of the channel (join a public one; a private one must have invited Kept).
    Returns what Slack says of its sharing, or ("", why not) — before any transaction."""
    try:
        channel = client.conversations_join(channel=channel_id).get("channel") or {}
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code == "method_not_supported_for_channel_type":
            return _private_member(client, channel_id)
        if code == "is_archived":
            return None, ARCHIVED
        if code == "channel_not_found":
            return None, "invite"
        if code == "missing_scope":
            return None, NO_SCOPE
        return None, CANT_JOIN.format(error=code or "unknown error")
    return _sharing(client, team_id, channel), ""


def _private_member(client: WebClient, channel_id: str) -> tuple[SharedWith | None, str]:
    """A private channel: Kept reads it only if it was invited (the history answers that)."""
    try:
        client.conversations_history(channel=channel_id, limit=1)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code == "missing_scope":
            return None, NO_SCOPE
        return None, "invite"
    return SharedWith(), ""


def _sharing(client: WebClient, team_id: str, channel: dict[str, Any]) -> SharedWith:
    """A Slack Connect channel: the other organisation, its name from team.info."""
    if not channel.get("is_ext_shared"):
        return SharedWith()
    others = [t for t in channel.get("shared_team_ids") or [] if t and t != team_id]
    host = channel.get("conversation_host_id")
    if not others and host and host != team_id:
        others = [host]
    if not others:
        return SharedWith(shared=True)
    try:
        team = client.team_info(team=others[0]).get("team") or {}
        name = str(team.get("name") or "") or None
    except SlackApiError as error:
        log.info("team.info for a shared channel failed: %s", error.response.get("error"))
        name = None
    return SharedWith(shared=True, other_team_id=others[0], other_org=name)


def on_watch(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """`/promise watch [off | me off | me on]`: anyone in the channel; committed, then answered
    in the acknowledgement (or, when Slack is slow to say who this is, on the response URL)."""
    pending = profiles_ready(
        runtime, pool, str(command.get("team_id") or ""), [str(command.get("user_id") or "")]
    )
    if pending is not None:
        ack(response_type="ephemeral", text=WORKING_ON_IT)

        def finish() -> None:
            pending.result()
            _watch(runtime, lambda message: respond_with(respond, message), command, client)

        later(pool, finish, "/promise watch")
        return
    _watch(runtime, lambda message: ack_message(ack, message), command, client)


def _watch(runtime: Runtime, answer: Any, command: dict[str, Any], client: WebClient) -> None:
    team_id = str(command.get("team_id") or "")
    user_id = str(command.get("user_id") or "")
    channel_id = str(command.get("channel_id") or "")
    words = [w.lower() for w in str(command.get("text") or "").split()[1:]]
    key = command_key(command.get("trigger_id"))

    def run(work: Any) -> None:
        outcome = carry_out(runtime, team_id, user_id, key, work, "/promise watch")
        answer(outcome.reply.message or messages.text_message("Done."))

    if words in (["me", "off"], ["me", "on"]):
        on = words[1] == "on"
        run(lambda session, who: flows.suggestions_for_me(session, who, on=on))
        return
    if len(words) == 2 and words[0] == "answer" and channel_id[:1] in {"C", "G"}:
        days = words[1]
        run(lambda session, who: flows.answer_time(session, who, channel_id=channel_id, words=days))
        return
    if words not in ([], ["on"], ["off"]):
        answer(messages.text_message(blocks.WATCH_USAGE))
        return
    if not channel_id or channel_id[:1] not in {"C", "G"}:
        answer(messages.error_message(NOT_A_CHANNEL))
        return
    if words == ["off"]:
        run(lambda session, who: flows.watch(session, who, channel_id=channel_id, on=False))
        return
    shared, problem = _join(client, team_id, channel_id)
    if problem == "invite":
        answer(blocks.watch_needs_invite(channel_id))
        return
    if problem:
        answer(blocks.watch_refused(problem))
        return
    run(
        lambda session, who: flows.watch(
            session, who, channel_id=channel_id, on=True, shared=shared
        )
    )


# ------------------------------------------------------------------------ message events


def is_channel_message(event: dict[str, Any]) -> bool:
    return event.get("type") == "message" and event.get("channel_type") in {"channel", "group"}


def on_channel_message(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    body: dict[str, Any],
    event: dict[str, Any],
    client: WebClient,
) -> None:
    """A message in a channel Kept is in: acknowledged at once; read (in memory) after."""
    ack()
    team_id = str(body.get("team_id") or "")
    auths = body.get("authorizations") or [{}]
    bot_user_id = str((auths[0] or {}).get("user_id") or "") or None
    message = authored(event, team_id=team_id, bot_user_id=bot_user_id)
    if message is None:
        return
    shared = bool(body.get("is_ext_shared_channel"))
    later(pool, lambda: notice(runtime, client, team_id, message, shared), "noticing a promise")


def notice(
    runtime: Runtime, client: WebClient, team_id: str, message: Authored, shared: bool
) -> None:
    """Decide whether the message is a promise; if so, suggest it to its author once.
    `shared`: Slack says the channel is shared with another organisation (Slack Connect)."""
    now = runtime.now()
    key = fingerprint(team_id, message.channel_id, message.ts)
    watch = flows.watch_to_suggest(
        runtime.readers, team_id, message.channel_id, message.user_id, key, now
    )
    if watch is None:
        return
    other_org = (watch.other_org or "the other organisation") if watch.shared or shared else None

    def read(tz: str, locale: str | None, names: dict[str, str]) -> SuggestionView | None:
        return suggestion(
            message,
            key=key,
            now=now,
            tz=tz,
            locale=locale,
            working_day=runtime.settings.working_day,
            other_org=other_org,
            name_of=names.get,
            answer_days=watch.answer_days,
        )

    if read("UTC", None, {}) is None:
        return  # most messages end here: no look-up, nothing over the network
    runtime.warm_person(team_id, message.user_id)  # tz and locale (a network call, if stale)
    for mentioned in user_ids_in(message.text)[:MAX_NAMED]:  # "@Dana", not "@U0DANA"
        runtime.warm_person(team_id, mentioned)
    author = reading(
        runtime.readers,
        team_id,
        message.user_id,
        message.text,
        fetch=runtime.fetcher(team_id),
        admins=runtime.settings.admins,
        now=now,
    )
    tz = author.who.tz
    view = read(tz, author.who.locale, author.names)
    if view is None:
        return
    if not flows.suggest_once(runtime.sessions, team_id, message.user_id, key, now):
        return
    shown = blocks.suggestion_message(view, tz, now)
    try:
        client.chat_postEphemeral(
            channel=message.channel_id,
            user=message.user_id,
            thread_ts=message.thread_ts,
            text=shown["text"],
            blocks=shown["blocks"],
        )
    except SlackApiError as error:
        log.warning("could not show a suggestion: %s", error.response.get("error"))
        return
    runtime.metrics.suggestion(team_id, "shown")


# ------------------------------------------------------------------------ the buttons


def _permalink(client: WebClient, channel_id: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    except SlackApiError as error:
        log.info("no permalink for a tracked message: %s", error.response.get("error"))
        return None


def _read_press(body: dict[str, Any], respond: Respond) -> Pressed | None:
    found = pressed(button_value(body))
    if found is None:
        respond_with(respond, messages.error_message("That suggestion can't be read any more."))
    return found


def on_track(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Track it: recorded exactly as `/promise <text>` would, linked to the message; once per
    message however often it is pressed (the message's fingerprint is the request key).
    Committed before the acknowledgement; the answer replaces the suggestion."""
    team_id, user_id = ids_of(body)
    found = pressed(button_value(body))
    if found is None:
        ack()
        respond_with(respond, messages.error_message("That suggestion can't be read any more."))
        return
    chosen = found
    if flows.tracked_otherwise(
        runtime.readers, team_id, found.channel_id, found.message_ts, found.key
    ):
        ack()  # tracked through Edit… already: once per message
        later(pool, lambda: respond_with(respond, blocks.already_tracked()), "Track it")
        return

    def run() -> Reply:
        request = CommandInput(
            team_id=team_id,
            user_id=user_id,
            channel_id=chosen.channel_id,
            text=chosen.promise_text,
            request_key=flows.track_request_key(chosen.key),
            source=Source(
                message_ts=chosen.message_ts,
                permalink=_permalink(client, chosen.channel_id, chosen.message_ts),
                counterpart=chosen.counterpart,
                counterpart_kind=chosen.counterpart_kind,
            ),
        )
        reply, refused = run_command(runtime, request)
        if not refused and flows.tracked(runtime.sessions, team_id, chosen.key):
            runtime.metrics.suggestion(team_id, "tracked")
        return reply

    def answer(reply: Reply) -> None:
        if reply.message is not None:
            respond_with(respond, {**reply.message, "replace_original": True})

    pending = profiles_ready(runtime, pool, team_id, [user_id])
    if pending is not None:
        ack()

        def finish() -> None:
            pending.result()
            answer(run())

        later(pool, finish, "tracking a suggestion")
        return
    reply = run()
    ack()
    later(pool, lambda: answer(reply), "answering Track it")


def on_edit(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Edit…: the New promise form, prefilled from the suggestion and linked to the message."""
    ack()
    team_id, user_id = ids_of(body)
    found = _read_press(body, respond)
    if found is None:
        return
    if flows.is_tracked(runtime.readers, team_id, found.channel_id, found.message_ts):
        respond_with(respond, blocks.already_tracked())
        return
    view = messages.promise_form(
        owner_id=user_id,
        description=found.what,
        counterpart=found.counterpart,
        counterpart_kind=found.counterpart_kind,
        deadline=found.deadline,
        metadata={
            "channel_id": found.channel_id,
            "message_ts": found.message_ts,
            "permalink": _permalink(client, found.channel_id, found.message_ts),
        },
    )
    if not open_view(client, body.get("trigger_id"), view):
        respond_with(respond, messages.error_message("The form didn't open in time. Try again."))


def _settle_press(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    flow: Any,
    outcome: str,
) -> None:
    team_id, user_id = ids_of(body)
    found = pressed(button_value(body))
    if found is None:
        ack()
        respond_with(respond, messages.error_message("That suggestion can't be read any more."))
        return
    action = (body.get("actions") or [{}])[0]
    key = action_key(str(action.get("action_id") or ""), action.get("action_ts"), user_id)

    def work(session: Session, who: Acting) -> Reply:
        return flow(session, who, key=found.key)

    first = flows.still_shown(runtime.readers, team_id, found.key)
    result = carry_out(runtime, team_id, user_id, key, work, str(action.get("action_id")))
    ack()
    if not result.refused and first:
        runtime.metrics.suggestion(team_id, outcome)
    if result.reply.message is not None:
        message = result.reply.message
        later(pool, lambda: respond_with(respond, message), "answering a suggestion")


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.action(blocks.POST_UPDATE)
    def post_update(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        """On a nudge: the form with the drafted update (refusals answer on the nudge)."""
        on_press(
            runtime,
            pool,
            ack,
            body,
            respond,
            client,
            work=lambda s, who, pid: flows.update_form(s, who, promise_id=pid),
            show_reply=False,
        )

    @app.view(blocks.POST_UPDATE_VIEW)
    def update_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = (view.get("state") or {}).get("values") or {}
        text_value = ((values.get("update") or {}).get("value") or {}).get("value")
        try:
            promise_id = int(json.loads(view.get("private_metadata") or "{}")["promise_id"])
        except (ValueError, KeyError, TypeError):
            promise_id = 0  # not ours: refused like an id that does not exist
        on_submit(
            runtime,
            pool,
            ack,
            body,
            view,
            lambda s, who: flows.post_update(
                s,
                who,
                promise_id=promise_id,
                text=text_value,
                default_timing=runtime.default_timing(),
                working_day=runtime.settings.working_day,
            ),
        )

    @app.action(blocks.TRACK_IT)
    def track(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        on_track(runtime, pool, ack, body, respond, client)

    @app.action(blocks.EDIT_IT)
    def edit(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        on_edit(runtime, pool, ack, body, respond, client)

    @app.action(blocks.NOT_A_PROMISE)
    def dismiss(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        _settle_press(runtime, pool, ack, body, respond, flows.dismissed, "dismissed")

    @app.action(blocks.MUTE_ME)
    def mute(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        _settle_press(runtime, pool, ack, body, respond, flows.muted, "dismissed")
