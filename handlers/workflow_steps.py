"""Workflow Builder custom steps (`function_executed`): record or close a promise, commit,
then end the step with functions.completeSuccess / completeError.

Order, as for every request: read (the owner in Slack, outside any transaction), write (the
promise, its outbox rows and the step's answer, committed once per function_execution_id),
then answer (the completion call, with the execution's own token that Bolt puts on the
request's client, and only then the HTTP acknowledgement: Kept runs listeners before it
answers Slack). Slack sending the same execution again (a retry after a crash or a slow
answer) finds the stored answer: nothing is recorded twice, and the completion is sent again
(Slack refuses a second one, which is logged and ignored).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.once import run_once
from bot.promises import workflow_steps as steps
from bot.promises.workflow_steps import OwnerLookup, StepResult
from bot.runtime import Runtime

log = logging.getLogger("kept.workflow_steps")

SORRY = (
    "Kept hit a problem on its side and recorded nothing. Run the workflow again; if it keeps "
    "happening, tell your Kept admin."
)
OWNER_BUDGET = 1.0  # seconds the owner's users.info may take before the cache decides
# Slack's answers that mean the execution has already ended (an earlier delivery of it
# completed it): nothing left to do
ALREADY_ENDED = frozenset({"execution_not_in_running_state", "token_revoked", "invalid_auth"})


def _team_of(body: dict[str, Any]) -> str:
    return str(body.get("team_id") or (body.get("team") or {}).get("id") or "")


def look_up_owner(runtime: Runtime, pool: Executor, team_id: str, user_id: str) -> OwnerLookup:
    """users.info for the owner, now (a recipient check), outside any transaction. Slack
    wants its answer within 3 seconds: a look-up slower than OWNER_BUDGET (Slack slow, or
    retrying a 5xx) counts as Slack unreachable, and Kept's cached profile decides."""
    if not user_id:
        return OwnerLookup(user=None, reached=True)
    lookup = pool.submit(runtime.fetcher(team_id), user_id)
    try:
        return OwnerLookup(user=lookup.result(timeout=OWNER_BUDGET), reached=True)
    except FutureTimeout:
        log.warning("users.info for a workflow step's owner took too long")
    except Exception:  # noqa: BLE001 - Slack unreachable: Kept's cached profile decides
        log.warning("users.info for a workflow step's owner failed", exc_info=True)
    return OwnerLookup(user=None, reached=False)


def finish(client: WebClient, execution_id: str, result: StepResult) -> None:
    """End the step in Slack: its outputs, or the reason shown in Workflow Builder."""
    try:
        if result.error is not None:
            client.functions_completeError(function_execution_id=execution_id, error=result.error)
        else:
            client.functions_completeSuccess(
                function_execution_id=execution_id, outputs=result.outputs or {}
            )
    except SlackApiError as error:
        code = error.response.get("error")
        if code in ALREADY_ENDED:
            log.info("step %s had already ended (%s)", execution_id, code)
            return
        # not answered: Slack delivers the execution again, which finds the stored answer
        # and tries once more
        log.error("could not end step %s (%s): letting Slack retry", execution_id, code)
        raise


def run_step(runtime: Runtime, team_id: str, execution_id: str, work: Any) -> StepResult:
    """Run a step's work once for its execution and commit; an unexpected error becomes a
    failed step (nothing was changed) with a kind reason."""
    try:
        reply = run_once(
            runtime.sessions,
            team_id,
            steps.execution_key(execution_id),
            runtime.now(),
            lambda session: work(session).reply(),
        )
    except Exception:  # noqa: BLE001 - never leave a workflow hanging on a stack trace
        log.exception("workflow step %s failed", execution_id)
        return StepResult(error=SORRY)
    return StepResult.of(reply)


def _execution_of(event: dict[str, Any]) -> str | None:
    """The step run's id; None (logged) for an event without one."""
    execution_id = str(event.get("function_execution_id") or "")
    if not execution_id:
        log.warning("function_executed without a function_execution_id: ignored")
        return None
    return execution_id


def on_record(
    runtime: Runtime,
    pool: Executor,
    body: dict[str, Any],
    event: dict[str, Any],
    client: WebClient,
) -> None:
    team_id, execution_id = _team_of(body), _execution_of(event)
    if execution_id is None:
        return
    inputs = steps.RecordInputs.from_event(event.get("inputs") or {})
    owner = look_up_owner(runtime, pool, team_id, inputs.owner_id)
    now = runtime.now()
    result = run_step(
        runtime,
        team_id,
        execution_id,
        lambda session: steps.record(
            session,
            team_id=team_id,
            inputs=inputs,
            owner=owner,
            now=now,
            default_timing=runtime.default_timing(),
            working_day=runtime.settings.working_day,
            request_key=steps.execution_key(execution_id),
        ),
    )
    finish(client, execution_id, result)


def on_close(
    runtime: Runtime,
    pool: Executor,
    body: dict[str, Any],
    event: dict[str, Any],
    client: WebClient,
) -> None:
    team_id, execution_id = _team_of(body), _execution_of(event)
    if execution_id is None:
        return
    inputs = steps.CloseInputs.from_event(event.get("inputs") or {})
    if inputs.closed_by:  # their admin flag, fresh, outside the transaction (within budget)
        warming = pool.submit(runtime.warm_person, team_id, inputs.closed_by)
        try:
            warming.result(timeout=OWNER_BUDGET)
        except Exception:  # noqa: BLE001 - slow or down: Kept's cached profile decides
            log.warning("could not refresh the profile of a step's closer in time")
    now = runtime.now()
    result = run_step(
        runtime,
        team_id,
        execution_id,
        lambda session: steps.close(
            session, team_id=team_id, inputs=inputs, admins=runtime.settings.admins, now=now
        ),
    )
    finish(client, execution_id, result)


def register(app: App, runtime: Runtime) -> None:
    pool = app.listener_runner.listener_executor

    @app.function(steps.RECORD_STEP)
    def record_promise_step(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        on_record(runtime, pool, body, event, client)

    @app.function(steps.CLOSE_STEP)
    def close_promise_step(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        on_close(runtime, pool, body, event, client)
