"""The /promise slash command."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.promises.commands import CommandInput, CommandRunner, Reply
from bot.runtime import Runtime
from handlers.replies import acked, carry_out, safely

COMMAND = "/promise"


def register(app: App, runtime: Runtime) -> None:
    @acked(app.command(COMMAND))
    def promise_command(command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        team_id = command.get("team_id") or ""
        channel_id = command.get("channel_id")
        request = CommandInput(
            team_id=team_id,
            user_id=command.get("user_id") or "",
            channel_id=channel_id,
            text=command.get("text") or "",
            request_key=command.get("trigger_id"),
        )

        def work() -> Reply:
            with runtime.metrics.command(request.text):  # bot.ops.metrics
                return answer()

        def answer() -> Reply:
            runtime.warm_person(team_id, request.user_id)
            with runtime.sessions.begin() as session:
                runner = CommandRunner(
                    session,
                    fetch=runtime.fetcher(team_id),
                    admins=runtime.settings.admins,
                    now=runtime.now(),
                    timing=runtime.timing(session, team_id, None),
                )
                return runner.run(request)

        carry_out(
            safely(work, "/promise"),
            respond=respond,
            client=client,
            trigger_id=command.get("trigger_id"),
            runtime=runtime,
        )
