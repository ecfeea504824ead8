"""Run one `/promise` command once (by its trigger id) and commit: the slash command, the list
buttons, a promise DMed to Kept and a suggestion's Track it all go through here. Below both
handlers.commands (which routes `/promise watch` to handlers.noticing) and handlers.noticing
(whose Track it runs the command), so neither imports the other both ways."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.ops.metrics import Outcome as MetricOutcome
from bot.people.acting import Acting
from bot.people.profiles import Looked
from bot.promises.commands import CommandInput, decide_command, run_promise_command
from bot.reply import Reply
from bot.runtime import Runtime
from handlers.answer import decide_and_write

COMMAND = "/promise"


def run_command(
    runtime: Runtime,
    request: CommandInput,
    named: Looked | None = None,
    then: Callable[[Session, Reply], None] | None = None,
) -> tuple[Reply, bool]:
    """Run one `/promise ...` once (by its trigger id) and commit. Returns (reply, refused).
    `named`: what Slack said about the people it names, asked before (profiles_ready).
    `then` runs in the same transaction after the command (a DM's answer owed).

    The command is read and decided on a reader session first (its deadline parsed, who is
    typing read from the profile cache); the transaction, behind the writer gate, writes."""
    working_day = runtime.settings.working_day

    def decide(reader: Session, who: Acting) -> Callable[[Session], Reply]:
        decided = decide_command(reader, request, who, working_day=working_day)

        def write(session: Session) -> Reply:
            reply = run_promise_command(
                session,
                request,
                who,
                fetch=named if named is not None else Looked(),
                timing=runtime.default_timing(),
                working_day=working_day,
                decided=decided,
            )
            if then is not None:
                then(session, reply)
            return reply

        return write

    started = time.perf_counter()
    outcome = decide_and_write(
        runtime, request.team_id, request.user_id, request.request_key, decide, COMMAND
    )
    runtime.metrics.observe_command(
        request.text,
        MetricOutcome.ERROR
        if outcome.error
        else MetricOutcome.REFUSED
        if outcome.refused
        else MetricOutcome.OK,
        time.perf_counter() - started,
    )
    return outcome.reply, outcome.refused
