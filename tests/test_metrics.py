"""GET /metrics (SPEC §6): on its own address (KEPT_METRICS_ADDR), never on the public port;
Prometheus text, parsed with prometheus_client's own parser, checked after a command, a nudge
and an escalation; the database gauges read at most every few seconds."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.ops.metrics import subcommand_of
from bot.ops.metrics_server import MetricsServer
from bot.runtime import Runtime
from bot.settings import Settings
from bot.store.db import WriterGate
from bot.store.models import Promise
from scheduler.passes import run_pass
from tests.conftest import OWNER, BotServer
from tests.fakeslack import FakeSlack
from tests.procs import KeptProcesses, base_env, free_port
from tests.test_scheduler import make_promise, supervise

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """These tests move the clock and read at once: no caching of the database gauges."""
    return replace(settings, metrics_cache_seconds=0.0)


@pytest.fixture
def metrics_url(bot: BotServer) -> Iterator[str]:
    """GET /metrics of the bot's runtime on its own loopback address, as `kept run` serves
    it with KEPT_METRICS_ADDR."""
    server = MetricsServer(bot.runtime.metrics, "127.0.0.1", 0).start()
    host, port = server.address
    yield f"http://{host}:{port}/metrics"
    server.stop()


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with _OPENER.open(url, timeout=10) as response:
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
    assert subcommand_of("updated 12 sent the new dates") == "updated"
    assert subcommand_of("watch off") == "watch"


def test_metrics_after_a_command_a_nudge_and_an_escalation(
    bot: BotServer, metrics_url: str
) -> None:
    runtime = bot.runtime
    bot.command("list")
    bot.command("done 999")  # no such promise: refused, politely
    supervise(runtime)
    promise = make_promise(runtime, deadline=runtime.now() + timedelta(hours=2))
    before = scrape(metrics_url)
    assert before[("kept_promises_open", ())] == 1
    assert before[("kept_promises_overdue", ())] == 0

    runtime.clock.set(promise.deadline + timedelta(minutes=5))  # type: ignore[attr-defined]
    due = scrape(metrics_url)
    assert due[("kept_deliveries_due", ())] >= 1  # the nudge (the heads-up too, late)
    assert due[("kept_oldest_due_age_seconds", ())] >= 300
    run_pass(runtime)
    nudged = scrape(metrics_url)
    assert nudged[("kept_deliveries_total", (("kind", "nudge"), ("outcome", "sent")))] == 1
    assert nudged[("kept_deliveries_total", (("kind", "heads_up"), ("outcome", "skipped")))] == 1
    assert nudged[("kept_promises_overdue", ())] == 1
    assert nudged[("kept_deliveries_due", ())] == 0
    assert nudged[("kept_scheduler_pass_seconds_count", ())] >= 1

    runtime.clock.set(promise.deadline + timedelta(hours=25))  # type: ignore[attr-defined]
    run_pass(runtime)
    escalated = scrape(metrics_url)
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


def test_slack_errors_are_counted_by_method_and_error(bot: BotServer, metrics_url: str) -> None:
    runtime = bot.runtime
    promise = make_promise(runtime, deadline=runtime.now() + timedelta(hours=2))
    bot.fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    runtime.clock.set(promise.deadline + timedelta(minutes=5))  # type: ignore[attr-defined]
    run_pass(runtime)
    samples = scrape(metrics_url)
    key = (
        "kept_slack_api_errors_total",
        (("error", "channel_not_found"), ("method", "chat.postMessage")),
    )
    assert samples[key] == 1
    assert samples[("kept_deliveries_total", (("kind", "nudge"), ("outcome", "failed")))] == 1


def test_a_crash_is_counted_as_an_error_and_a_refusal_as_refused(
    bot: BotServer, metrics_url: str
) -> None:
    from sqlalchemy import text

    bot.command("done 999")  # no such promise: Kept says no
    with bot.runtime.engine.begin() as connection:  # an outage: a table Kept writes is gone
        connection.execute(text("DROP TABLE promise_events"))
    answer = bot.command("call Jane Doe back by Friday")
    assert "Something went wrong on my side" in str(answer)
    samples = scrape(metrics_url)

    def counted(subcommand: str, outcome: str) -> float:
        labels = (("outcome", outcome), ("subcommand", subcommand))
        return samples.get(("kept_commands_total", labels), 0.0)

    assert counted("done", "refused") == 1 and counted("done", "error") == 0
    assert counted("promise", "error") == 1 and counted("promise", "refused") == 0


def test_metrics_are_not_on_the_public_port(bot: BotServer) -> None:
    url = bot.url.replace("/slack/events", "/metrics")
    with pytest.raises(urllib.error.HTTPError) as refused:
        _OPENER.open(url, timeout=10)
    assert refused.value.code == 404


def test_database_gauges_are_read_at_most_every_few_seconds(runtime: Runtime) -> None:
    cached = Runtime.build(
        replace(runtime.settings, metrics_cache_seconds=5.0), clock=runtime.clock
    )
    server = MetricsServer(cached.metrics, "127.0.0.1", 0).start()
    url = "http://{}:{}/metrics".format(*server.address)
    try:
        make_promise(runtime, deadline=runtime.now() + timedelta(hours=2))
        assert scrape(url)[("kept_promises_open", ())] == 1
        make_promise(runtime, deadline=runtime.now() + timedelta(hours=2))
        for _ in range(20):  # a busy scraper: the same reading, no new database reads
            assert scrape(url)[("kept_promises_open", ())] == 1
        runtime.clock.advance(minutes=1)  # type: ignore[attr-defined] - another moment
        assert scrape(url)[("kept_promises_open", ())] == 2
    finally:
        server.stop()
        cached.engine.dispose()


def test_updated_is_counted_as_its_own_command(bot: BotServer, metrics_url: str) -> None:
    bot.command("keep Acme posted every Friday until Dec 18")
    with bot.runtime.readers() as session:
        series = session.scalar(select(Promise.id).where(Promise.rhythm_kind.is_not(None)))
    assert series is not None
    bot.command(f"updated {series} sent them the new dates")
    samples = scrape(metrics_url)
    labels = {dict(k).get("subcommand") for (name, k) in samples if name == "kept_commands_total"}
    assert "updated" in labels


def test_kept_run_serves_metrics_only_on_kept_metrics_addr(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    metrics_port = free_port()
    env = base_env(
        SLACK_API_URL=fake_slack.api_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL=f"sqlite:///{tmp_path}/kept.db",
        KEPT_DIGEST="off",
        KEPT_METRICS_ADDR=f"127.0.0.1:{metrics_port}",
    )
    with KeptProcesses(tmp_path) as procs:
        proc = procs.start(env)
        proc.wait_healthy()
        samples = scrape(f"http://127.0.0.1:{metrics_port}/metrics")
        assert samples[("kept_promises_open", ())] == 0
        with pytest.raises(urllib.error.HTTPError) as public:
            _OPENER.open(f"{proc.url}/metrics", timeout=10)
        assert public.value.code == 404
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env={**env, "KEPT_METRICS_ADDR": "9464"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines()[-1].startswith("kept: KEPT_METRICS_ADDR='9464'")


def test_the_writer_gate_is_timed_per_write_transaction(bot: BotServer, metrics_url: str) -> None:
    """Every write transaction's wait for the writer gate and its time holding it are
    histograms (bench_http.py reads them to show the gate's critical section)."""
    before = scrape(metrics_url)
    bot.command("call Jane Doe back by Friday 3pm")
    after = scrape(metrics_url)
    held = ("kept_writer_gate_held_seconds_count", ())
    waited = ("kept_writer_gate_wait_seconds_count", ())
    assert after[held] - before.get(held, 0) >= 1
    assert after[waited] - before.get(waited, 0) == after[held] - before.get(held, 0)
    # a transaction that held the gate took some time, and less than the command's answer
    assert 0 < after[("kept_writer_gate_held_seconds_sum", ())] < 3


def test_a_gate_inside_a_gate_is_timed_once() -> None:
    """The gate is re-entrant per thread: a nested pass neither waits nor is counted again."""
    seen: list[tuple[float, float]] = []
    gate = WriterGate(1)
    gate.watch(lambda waited, held: seen.append((waited, held)))
    with gate(), gate():
        pass
    assert len(seen) == 1 and seen[0][0] >= 0 and seen[0][1] >= 0
