"""GET /metrics (SPEC §6): Prometheus text, parsed with prometheus_client's own parser,
checked after a command, a nudge and an escalation."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import subcommand_of
from scheduler.passes import run_pass
from tests.conftest import OWNER, BotServer
from tests.test_scheduler import make_promise, supervise


def scrape(bot: BotServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    url = bot.url.replace("/slack/events", "/metrics")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_subcommand_labels_stay_few() -> None:
    assert subcommand_of("") == "form"
    assert subcommand_of("done 42") == "done"
    assert subcommand_of("Hand-off 4 <@U1>") == "handoff"
    assert subcommand_of("call Jane Doe back by Friday") == "promise"


def test_metrics_after_a_command_a_nudge_and_an_escalation(bot: BotServer) -> None:
    runtime = bot.runtime
    bot.command("list")
    bot.command("done 999")  # no such promise: refused, politely
    supervise(runtime)
    promise = make_promise(runtime, deadline=runtime.now() + timedelta(hours=2))
    before = scrape(bot)
    assert before[("kept_promises_open", ())] == 1
    assert before[("kept_promises_overdue", ())] == 0

    runtime.clock.set(promise.deadline + timedelta(minutes=5))  # type: ignore[attr-defined]
    due = scrape(bot)
    assert due[("kept_deliveries_due", ())] >= 1  # the nudge (the heads-up too, late)
    assert due[("kept_oldest_due_age_seconds", ())] >= 300
    run_pass(runtime)
    nudged = scrape(bot)
    assert nudged[("kept_deliveries_total", (("kind", "nudge"), ("outcome", "sent")))] == 1
    assert nudged[("kept_deliveries_total", (("kind", "heads_up"), ("outcome", "skipped")))] == 1
    assert nudged[("kept_promises_overdue", ())] == 1
    assert nudged[("kept_deliveries_due", ())] == 0
    assert nudged[("kept_scheduler_pass_seconds_count", ())] >= 1

    runtime.clock.set(promise.deadline + timedelta(hours=25))  # type: ignore[attr-defined]
    run_pass(runtime)
    escalated = scrape(bot)
    assert escalated[("kept_deliveries_total", (("kind", "escalation"), ("outcome", "sent")))] == 1

    commands = {
        labels: value
        for (name, labels), value in escalated.items()
        if name == "kept_commands_total"
    }
    assert commands[(("outcome", "ok"), ("subcommand", "list"))] == 1
    assert sum(v for k, v in commands.items() if ("subcommand", "done") in k) == 1
    assert escalated[("kept_answer_seconds_count", ())] == 2
    # low cardinality: no user, team or channel ids anywhere in the labels
    assert not any(OWNER in str(labels) for _, labels in escalated)


def test_slack_errors_are_counted_by_method_and_error(bot: BotServer) -> None:
    runtime = bot.runtime
    promise = make_promise(runtime, deadline=runtime.now() + timedelta(hours=2))
    bot.fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    runtime.clock.set(promise.deadline + timedelta(minutes=5))  # type: ignore[attr-defined]
    run_pass(runtime)
    samples = scrape(bot)
    key = (
        "kept_slack_api_errors_total",
        (("error", "channel_not_found"), ("method", "chat.postMessage")),
    )
    assert samples[key] == 1
    assert samples[("kept_deliveries_total", (("kind", "nudge"), ("outcome", "failed")))] == 1


def test_a_crash_is_counted_as_an_error_and_a_refusal_as_refused(bot: BotServer) -> None:
    from sqlalchemy import text

    bot.command("done 999")  # no such promise: Kept says no
    with bot.runtime.engine.begin() as connection:  # an outage: a table Kept writes is gone
        connection.execute(text("DROP TABLE promise_events"))
    answer = bot.command("call Jane Doe back by Friday")
    assert "Something went wrong on my side" in str(answer)
    samples = scrape(bot)

    def counted(subcommand: str, outcome: str) -> float:
        labels = (("outcome", outcome), ("subcommand", subcommand))
        return samples.get(("kept_commands_total", labels), 0.0)

    assert counted("done", "refused") == 1 and counted("done", "error") == 0
    assert counted("promise", "error") == 1 and counted("promise", "refused") == 0
