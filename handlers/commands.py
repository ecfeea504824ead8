"""The /promise slash command: run it, commit, and answer in the acknowledgement."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.language.commands import named_people
from bot.once import command_key
from bot.people.profiles import Looked
from bot.promises.commands import CommandInput
from bot.runtime import Runtime
from bot.slack import messages
from handlers.answer import (
    FORM_FAILED,
    WORKING_ON_IT,
    ack_message,
    later,
    open_view,
    profiles_ready,
    respond_with,
)
from handlers.noticing import is_watch_command, on_watch
from handlers.run import COMMAND, run_command


def on_command(
    runtime: Runtime,
    pool: Executor,
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    trigger_id = command.get("trigger_id")
    if is_watch_command(str(command.get("text") or "")):  # SPEC §2.5
        on_watch(runtime, pool, ack, command, respond, client)
        return
    request = CommandInput(
        team_id=command.get("team_id") or "",
        user_id=command.get("user_id") or "",
        channel_id=command.get("channel_id"),
        text=command.get("text") or "",
        request_key=command_key(trigger_id),
    )
    named = Looked(named_people(request.text))
    pending = profiles_ready(runtime, pool, request.team_id, [request.user_id], named)
    if pending is not None:
        # Slack is slow to tell who this is: answer now, finish on the response URL
        ack(response_type="ephemeral", text=WORKING_ON_IT)

        def finish() -> None:
            pending.result()
            reply, _refused = run_command(runtime, request, named)
            if reply.open_view is not None and not open_view(client, trigger_id, reply.open_view):
                respond_with(respond, messages.error_message(FORM_FAILED))
            if reply.message is not None:
                respond_with(respond, {**reply.message, "replace_original": True})

        later(pool, finish, COMMAND)
        return
    reply, _refused = run_command(runtime, request, named)
    if reply.open_view is not None:
        # a form to open; with a message too (a paste too long): answer with it first
        if reply.message is not None:
            ack_message(ack, reply.message)
        else:
            ack()
        view = reply.open_view

        def show_form() -> None:
            if not open_view(client, trigger_id, view):
                respond_with(respond, messages.error_message(FORM_FAILED))

        later(pool, show_form, "opening the form")
        return
    ack_message(ack, reply.message or messages.text_message("Done."))


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.command(COMMAND)
    def promise_command(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        on_command(runtime, pool, ack, command, respond, client)
