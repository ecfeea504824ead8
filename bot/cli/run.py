"""Serving and scheduling: run, scheduler, tick, migrate."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.cli.common import build_runtime, fail, migrate_schema, open_database, read_settings

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime
    from bot.slack.web import HealthState, SlackProbe

log = logging.getLogger("kept")


def _check_token(runtime: Runtime, probe: SlackProbe | None = None) -> None:
    from slack_sdk.errors import SlackApiError

    if runtime.installations is not None and not runtime.settings.slack_bot_token:
        return  # OAuth mode: each workspace's token is checked when it is used

    try:
        from bot.slack.client import granted_scopes
        from bot.slack.scopes import missing_scopes

        missing = missing_scopes(set(granted_scopes(runtime.client)))  # auth.test's header
        if probe is not None:
            probe.record(True)
        if missing:
            log.warning(
                "the bot token lacks %s: reinstall the app from manifest.yml", ", ".join(missing)
            )
    except SlackApiError as error:
        if probe is not None:
            probe.record(True, str(error.response.get("error") or "error"))
        if error.response.get("error") in {
            "invalid_auth",
            "not_authed",
            "account_inactive",
            "token_revoked",
        }:
            print(
                "kept: Slack rejected SLACK_BOT_TOKEN "
                f"({error.response.get('error')}): copy the Bot User OAuth Token again",
                file=sys.stderr,
            )
            raise SystemExit(2) from None
        log.warning("auth.test failed (%s); starting anyway", error.response.get("error"))
    except Exception as error:  # noqa: BLE001 - Slack unreachable: start, it may come back
        if probe is not None:
            probe.record(False, type(error).__name__)
        log.warning(
            "could not reach Slack at %s (%s); starting anyway",
            runtime.settings.slack_api_url,
            type(error).__name__,
        )


def cmd_migrate(_args: argparse.Namespace) -> int:
    from bot.store.db import describe, sqlite_path
    from bot.store.migrate import current_revision

    settings = read_settings()
    path = sqlite_path(settings.database_url)
    new = path is not None and not path.exists()
    where = describe(settings.database_url)
    # say where: under a service manager a relative path lands somewhere unexpected
    print(f"kept: {'creating a new' if new else 'migrating the'} {where}")
    engine = open_database(settings)
    migrate_schema(engine)
    print(f"kept: database is at revision {current_revision(engine)}")
    return 0


def _start_metrics(runtime: Runtime) -> Any:
    """GET /metrics on KEPT_METRICS_ADDR, apart from the public port; None when unset."""
    addr = runtime.settings.metrics_addr
    if addr is None:
        return None
    from bot.ops.metrics_server import MetricsServer

    try:
        return MetricsServer(runtime.metrics, *addr).start()
    except OSError as error:
        raise fail(
            f"can't serve metrics on {addr[0]}:{addr[1]} ({error.strerror}): "
            "set KEPT_METRICS_ADDR to a free host:port, or leave it empty"
        ) from None


def cmd_run(args: argparse.Namespace) -> int:
    from bot.slack.lifecycle import catch_stop_signals

    signals = catch_stop_signals()  # a stop during start-up still ends with exit 0
    settings = read_settings()

    from bot.app import create_app
    from bot.language.deadlines import warm_up
    from bot.slack.web import HealthState, SlackProbe
    from bot.store.db import describe

    runtime = build_runtime(settings)
    migrate_schema(runtime.engine)
    log.info("database: %s", describe(settings.database_url))
    warm_up()
    health = HealthState(stale_after=settings.scheduler_stale_after)
    health.slack = SlackProbe(runtime.sender)
    _check_token(runtime, health.slack)
    app = create_app(runtime)
    metrics = _start_metrics(runtime)
    loop = None
    if not args.no_scheduler:
        from scheduler.loop import SchedulerLoop

        loop = SchedulerLoop(runtime, health=health)
        loop.start()
    stop_scheduler = loop.stop if loop is not None else (lambda: None)
    if signals.requested is not None:
        log.info("%s during start-up: stopping", signals.requested)
        stop_scheduler()
        return 0
    try:
        if settings.socket_mode:
            _serve_socket_mode(app, runtime, health, on_drained=stop_scheduler)
        else:
            port = args.port if args.port is not None else settings.port
            _serve_http(app, runtime, health, host=args.host, port=port, on_drained=stop_scheduler)
    finally:
        stop_scheduler()
        if metrics is not None:
            metrics.stop()
    log.info("Kept stopped")
    return 0


def _serve_http(
    app: App,
    runtime: Runtime,
    health: HealthState,
    *,
    host: str,
    port: int,
    on_drained: Callable[[], None],
) -> None:
    from bot.slack.lifecycle import serve_until_stopped
    from bot.slack.server import ServerLimits, make_server
    from bot.slack.web import KeptWSGI

    settings = runtime.settings
    limits = ServerLimits(
        request_timeout=settings.http_request_timeout,
        per_client=settings.http_per_client,
        threads=settings.http_threads,
    )
    _raise_open_files_limit(limits.max_connections + 256)
    try:
        server = make_server(KeptWSGI(app, runtime, health), host=host, port=port, limits=limits)
    except OSError as error:
        raise fail(f"can't listen on {host}:{port} ({error.strerror}): set PORT") from None
    log.info("Kept is listening on http://%s:%s/slack/events", host, server.effective_port)
    serve_until_stopped(server, health.requests, on_drained=on_drained)


def _raise_open_files_limit(wanted: int) -> None:
    """Thousands of connections need thousands of descriptors; services often start at 1024."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        log.warning("could not raise the open-files limit; many connections may be refused")


def _serve_socket_mode(
    app: App, runtime: Runtime, health: HealthState, *, on_drained: Callable[[], None]
) -> None:
    """Connect out to Slack (retrying while it is unreachable) and serve until SIGTERM/SIGINT;
    then take no new envelope (Slack redelivers what is not acknowledged), finish those in
    flight (their acks go out), stop the scheduler and disconnect."""
    import threading

    from bot.app import socket_mode_handler
    from bot.slack.lifecycle import STOP_WITHIN, on_stop_signals
    from bot.slack.socket_mode import SocketModeRefused, serve

    requests = health.requests
    handler = socket_mode_handler(app, runtime, requests)
    stop = threading.Event()

    def finish(reason: str) -> None:
        log.info("%s: stopping; finishing %s envelope(s) in flight", reason, requests.in_flight)
        requests.drain(STOP_WITHIN - 3)
        on_drained()
        stop.set()

    def stopping(reason: str) -> None:
        if not requests.draining:
            requests.draining = True
            threading.Thread(target=finish, args=(reason,), daemon=True).start()

    on_stop_signals(stopping)
    log.info("Kept is connecting to Slack in Socket Mode")
    try:
        serve(handler, where=runtime.settings.slack_api_url, stop=stop)
    except SocketModeRefused as error:
        raise fail(str(error)) from None


def cmd_scheduler(_args: argparse.Namespace) -> int:
    import threading

    from bot.slack.lifecycle import catch_stop_signals, on_stop_signals

    catch_stop_signals()  # a stop during start-up still ends with exit 0
    from scheduler.loop import SchedulerLoop

    runtime = build_runtime(read_settings())
    migrate_schema(runtime.engine)

    loop = SchedulerLoop(runtime)
    metrics = _start_metrics(runtime)
    log.info("Kept scheduler is running (looks at least every %ss)", runtime.settings.tick_seconds)

    stopping = threading.Event()

    def stop(reason: str) -> None:
        # never wait inside a signal handler: the interrupted main thread may hold a lock
        # (a logging handler's, say) that the pass under way needs to finish
        if stopping.is_set():
            return
        stopping.set()
        log.info("%s: stopping after the batch under way", reason)
        threading.Thread(target=loop.stop, name="kept-stop", daemon=True).start()

    on_stop_signals(stop)
    loop.run_forever()
    if metrics is not None:
        metrics.stop()
    log.info("Kept scheduler stopped")
    return 0


def cmd_tick(_args: argparse.Namespace) -> int:
    from scheduler.passes import plan_weekly_digests, run_pass

    runtime = build_runtime(read_settings())
    migrate_schema(runtime.engine)
    plan_weekly_digests(runtime)
    result = run_pass(runtime)
    print(
        f"kept: pass done: {result.sent} sent, {result.deferred} deferred, "
        f"{result.failed} failed, {result.skipped} skipped"
    )
    return 0
