"""The `kept` command line: run, migrate, tick, scheduler, supervisors, channels, report,
doctor, export, forget. `kept <command> --help` describes each, with examples."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from datetime import datetime

    from slack_bolt import App
    from sqlalchemy import Engine

    from bot.runtime import Runtime
    from bot.slack.web import HealthState, SlackProbe

log = logging.getLogger("kept")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        print(f"kept: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _stop(message: str) -> SystemExit:
    """One line on stderr, exit code 2: for start-up problems an operator must fix."""
    print(f"kept: {message}", file=sys.stderr)
    return SystemExit(2)


def _engine(settings: Settings) -> Engine:
    """The database engine, or one line saying why the database can't be used."""
    from bot.store.db import DatabaseUnavailable, open_engine

    try:
        return open_engine(settings.database_url)
    except DatabaseUnavailable as error:
        raise _stop(str(error)) from None


def _build_runtime(settings: Settings) -> Runtime:
    from bot.runtime import Runtime

    return Runtime.build(settings, engine=_engine(settings))


def _migrate(engine: Engine) -> None:
    """Upgrade the schema; a failure is one line, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.migrate import migrate

    try:
        migrate(engine)
    except SQLAlchemyError as error:
        detail = " ".join(str(getattr(error, "orig", None) or error).split())[:200]
        raise _stop(f"could not migrate the database ({type(error).__name__}): {detail}") from None


class JsonFormatter(logging.Formatter):
    """KEPT_LOG_FORMAT=json: one JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _log_format() -> str:
    """KEPT_LOG_FORMAT from the environment or .env, read before the other settings so that
    even a settings error is logged in the chosen format."""
    import os

    from dotenv import dotenv_values

    value = os.environ.get("KEPT_LOG_FORMAT") or dotenv_values(".env").get("KEPT_LOG_FORMAT")
    return (value or "text").strip().lower()


def _logging(verbose: bool) -> None:
    handler = logging.StreamHandler()
    if _log_format() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    # slack_sdk logs request headers at DEBUG: keep tokens out of logs whatever the level.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # APScheduler logs every tick at INFO: once a second is noise, not news
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # slack_sdk logs an ERROR for every call that can't reach Slack, each retry included;
    # Kept says it once in its own words (start-up, /healthz, a delivery's last_error)
    logging.getLogger("slack_sdk.web.base_client").addFilter(_UnreachableSaidOnce())


class _UnreachableSaidOnce(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to send a request to Slack API server")


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

    settings = _settings()
    path = sqlite_path(settings.database_url)
    new = path is not None and not path.exists()
    where = describe(settings.database_url)
    # say where: under a service manager a relative path lands somewhere unexpected
    print(f"kept: {'creating a new' if new else 'migrating the'} {where}")
    engine = _engine(settings)
    _migrate(engine)
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
        raise _stop(
            f"can't serve metrics on {addr[0]}:{addr[1]} ({error.strerror}): "
            "set KEPT_METRICS_ADDR to a free host:port, or leave it empty"
        ) from None


def cmd_run(args: argparse.Namespace) -> int:
    from bot.slack.lifecycle import catch_stop_signals

    signals = catch_stop_signals()  # a stop during start-up still ends with exit 0
    settings = _settings()

    from bot.app import create_app
    from bot.language.deadlines import warm_up
    from bot.slack.web import HealthState, SlackProbe
    from bot.store.db import describe

    runtime = _build_runtime(settings)
    _migrate(runtime.engine)
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
        raise _stop(f"can't listen on {host}:{port} ({error.strerror}): set PORT") from None
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
        raise _stop(str(error)) from None


def cmd_scheduler(_args: argparse.Namespace) -> int:
    import threading

    from bot.slack.lifecycle import catch_stop_signals, on_stop_signals

    catch_stop_signals()  # a stop during start-up still ends with exit 0
    from scheduler.loop import SchedulerLoop

    runtime = _build_runtime(_settings())
    _migrate(runtime.engine)

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

    runtime = _build_runtime(_settings())
    _migrate(runtime.engine)
    plan_weekly_digests(runtime)
    result = run_pass(runtime)
    print(
        f"kept: pass done: {result.sent} sent, {result.deferred} deferred, "
        f"{result.failed} failed, {result.skipped} skipped"
    )
    return 0


def cmd_supervisors_import(args: argparse.Namespace) -> int:
    from bot.people.directory import import_supervisors

    return import_supervisors(_runtime(), args.file, team_id=args.team, partial=args.partial)


def _runtime() -> Runtime:
    runtime = _build_runtime(_settings())
    # admin commands print their own output: keep migration chatter out of it unless -v
    quiet = not logging.getLogger().isEnabledFor(logging.DEBUG)
    alembic_log = logging.getLogger("alembic.runtime.migration")
    level = alembic_log.level
    if quiet:
        alembic_log.setLevel(logging.WARNING)
    try:
        _migrate(runtime.engine)
    finally:
        alembic_log.setLevel(level)
    return runtime


def cmd_supervisors_list(args: argparse.Namespace) -> int:
    from bot.people.directory import list_supervisors

    return list_supervisors(_runtime(), team_id=args.team, as_csv=args.csv)


def cmd_supervisors_sync(args: argparse.Namespace) -> int:
    from bot.people.directory import sync_people

    return sync_people(_runtime(), team_id=args.team)


def cmd_channels_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.channels.service import load_settings
    from bot.people.directory import team_of

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"kept: can't read {args.file}: {error}", file=sys.stderr)
        return 2
    runtime = _runtime()
    name = Path(args.file).name
    team = args.team
    if team is None and "team:" not in text:
        team = team_of(runtime, None, sys.stderr)
        if team is None:
            return 2
    with runtime.sessions.begin() as session:
        result = load_settings(
            session, text, team_id=team, actor_id="kept-cli", now=runtime.now(), prune=args.prune
        )
        if result.problems:
            session.rollback()
    if result.problems:
        for problem in result.problems:
            print(f"{name}: {problem}", file=sys.stderr)
        print(
            f"kept: {len(result.problems)} problem(s) in {name}; nothing was changed",
            file=sys.stderr,
        )
        return 1
    print(
        f"kept: channel settings loaded for team {result.team_id}: "
        f"{len(result.channels)} channel(s)"
        + (f", {len(result.removed)} removed" if result.removed else "")
    )
    return 0


def cmd_channels_dump(args: argparse.Namespace) -> int:
    from bot.channels.service import dump_settings
    from bot.people.directory import team_of

    runtime = _runtime()
    team = team_of(runtime, args.team, sys.stderr)
    if team is None:
        return 2
    with runtime.readers() as session:
        sys.stdout.write(dump_settings(session, team))
    return 0


def _date(value: str) -> datetime:
    from datetime import UTC, datetime

    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None


def _team_id(value: str) -> str:
    """A --team value: a Slack team id, never empty (an empty one would mean "all")."""
    value = value.strip()
    if not value:
        raise argparse.ArgumentTypeError("is empty: give a Slack team id like T0123ABC")
    return value


def cmd_report(args: argparse.Namespace) -> int:
    from bot.csv_cells import SafeWriter
    from bot.people.directory import team_of
    from bot.reports.service import build_report, csv_rows, text_table

    runtime = _runtime()
    since: datetime = args.since
    until: datetime = args.until or runtime.now()
    if until <= since:
        print("kept: --until must be after --since", file=sys.stderr)
        return 2
    team = team_of(runtime, args.team, sys.stderr)
    if team is None:
        return 2
    with runtime.readers() as session:
        report = build_report(session, team, since=since, until=until)
    if args.csv:
        SafeWriter(sys.stdout).writerows(csv_rows(report))
    else:
        sys.stdout.write(text_table(report))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.ops.doctor import problems, run_checks

    checks = run_checks(_settings(), manifest=Path(args.manifest) if args.manifest else None)
    for check in checks:
        print(check.line())
    failed = problems(checks)
    print(f"kept: {failed} problem(s)" if failed else "kept: all good")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.ops.export import ExportFormat, promises, write_export

    runtime = _runtime()
    fmt = ExportFormat(args.format)
    target = args.output if args.output and args.output != "-" else "standard output"
    try:
        if target == "standard output":
            with runtime.readers() as session:
                rows = promises(session, team_id=args.team, since=args.since, until=args.until)
                count = write_export(rows, sys.stdout, fmt)
            sys.stdout.flush()
        else:
            with (
                open(args.output, "w", encoding="utf-8", newline="") as out,
                runtime.readers() as session,
            ):
                rows = promises(session, team_id=args.team, since=args.since, until=args.until)
                count = write_export(rows, out, fmt)
    except OSError as error:  # a full disk, a closed pipe, a folder that isn't there
        reason = error.strerror or type(error).__name__
        print(f"kept: can't write {target}: {reason}; the export is incomplete", file=sys.stderr)
        if target == "standard output":  # what is still buffered for it can't go anywhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    print(f"kept: exported {count} promise(s) as {fmt.value}", file=sys.stderr)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.ops.forget import apply, forget
    from bot.promises.service import KeptError

    runtime = _runtime()
    try:
        # the scan reads (no writer held while it looks at every table); the changes it
        # found are then written in one short transaction, each row re-read first
        with runtime.readers() as session:
            result = forget(session, args.who, team_id=args.team, dry_run=True)
        if result.refusal and not args.dry_run:
            raise KeptError(result.refusal)
        if not args.dry_run:
            with runtime.sessions.begin() as session:
                apply(session, result, team_id=args.team)
    except KeptError as error:
        print(f"kept: {error}", file=sys.stderr)
        return 1
    for change in result.changes:
        print(change.line())
    if args.dry_run:
        print(f"kept: would change {result.rows} row(s) for {result.target!r}")
        if result.refusal:
            print(f"kept: the real run will refuse: {result.refusal}", file=sys.stderr)
            return 1
        return 0
    print(f"kept: changed {result.rows} row(s) for {result.target!r} (now {result.replacement})")
    return 0


class _VersionAction(argparse.Action):
    """`--version`, worked out only when asked for (it may ask git): start-up stays fast."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        print(f"kept {_version()}")
        parser.exit()


def _version() -> str:
    from bot.version import version

    return version()


def _sub(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    examples: str,
    description: str = "",
) -> argparse.ArgumentParser:
    """A sub-command with a one-line summary (in `kept --help`), a description and examples."""
    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.fill(description or summary[:1].upper() + summary[1:] + ".", 79),
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kept",
        description="Kept: promises kept, on Slack. Settings come from the environment or .env "
        "(see .env.example).",
        epilog="`kept <command> --help` describes a command, with examples.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--version", action=_VersionAction, nargs=0, help="show the version and build, and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    run = _sub(
        sub,
        "run",
        "serve Slack (HTTP or Socket Mode) and run the scheduler",
        "  kept run                      # HTTP on PORT (default 3000), scheduler included\n"
        "  kept run --no-scheduler       # serve only; run `kept scheduler` elsewhere\n"
        "  kept run --host 127.0.0.1 --port 8080   # behind a TLS proxy on this machine",
        "Serve Slack: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP with "
        "POST /slack/events and GET /healthz (and GET /slack/install with "
        "SLACK_CLIENT_ID/SECRET); GET /metrics on KEPT_METRICS_ADDR only. Migrates the "
        "database first.",
    )
    run.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler here")
    run.add_argument("--host", default="0.0.0.0", help="HTTP address to bind (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3000)")
    run.set_defaults(func=cmd_run)
    _sub(
        sub,
        "migrate",
        "create or upgrade the database schema",
        "  kept migrate\n  DATABASE_URL=postgresql://kept@db/kept kept migrate",
        "Create or upgrade the database schema (safe to run again, and from several "
        "processes at once). Part of every upgrade: install, `kept migrate`, restart.",
    ).set_defaults(func=cmd_migrate)
    _sub(
        sub,
        "tick",
        "run one scheduler pass now",
        "  kept tick",
        "Plan the week's digests and deliver everything due now, once, then exit.",
    ).set_defaults(func=cmd_tick)
    _sub(
        sub,
        "scheduler",
        "run only the scheduler",
        "  kept scheduler",
        "Run the scheduler in the foreground, without serving Slack (pair with "
        "`kept run --no-scheduler`). Several may run against one PostgreSQL database.",
    ).set_defaults(func=cmd_scheduler)
    sup = _sub(
        sub,
        "supervisors",
        "the supervisor directory",
        "  kept supervisors import people.csv\n  kept supervisors list --csv > people.csv\n"
        "  kept supervisors sync",
    )
    sup_sub = sup.add_subparsers(dest="supervisors_command", required=True)
    imp = _sub(
        sup_sub,
        "import",
        "import user,supervisor rows from a CSV file",
        "  kept supervisors import people.csv\n  kept supervisors import people.csv --partial",
        "Import who reports to whom from a CSV file with a header row and the columns "
        "`user` and `supervisor`, each a Slack user id (U…) or an e-mail address. "
        "All or nothing unless --partial.",
    )
    imp.add_argument("file", help="CSV file with columns user,supervisor (UTF-8)")
    imp.add_argument(
        "--team", default=None, type=_team_id, help="Slack team id (default: from auth.test)"
    )
    imp.add_argument(
        "--partial",
        action="store_true",
        help="apply the good rows of a file with problems (exit code still 1)",
    )
    imp.set_defaults(func=cmd_supervisors_import)
    lst = _sub(
        sup_sub,
        "list",
        "who reports to whom",
        "  kept supervisors list\n  kept supervisors list --csv > people.csv",
    )
    lst.add_argument(
        "--team", default=None, type=_team_id, help="Slack team id (default: from auth.test)"
    )
    lst.add_argument("--csv", action="store_true", help="as a user,supervisor file to import")
    lst.set_defaults(func=cmd_supervisors_list)
    syn = _sub(
        sup_sub,
        "sync",
        "re-check people with Slack; hand deactivated people's promises on",
        "  kept supervisors sync",
    )
    syn.add_argument(
        "--team", default=None, type=_team_id, help="Slack team id (default: from auth.test)"
    )
    syn.set_defaults(func=cmd_supervisors_sync)
    chan = _sub(
        sub,
        "channels",
        "channel settings",
        "  kept channels dump > channels.yml\n  kept channels load channels.yml",
    )
    chan_sub = chan.add_subparsers(dest="channels_command", required=True)
    load = _sub(
        chan_sub,
        "load",
        "apply a YAML settings file (all or nothing)",
        "  kept channels load channels.yml\n  kept channels load channels.yml --prune",
        "Apply channel settings from a YAML file (the format `kept channels dump` prints: "
        "`team:` and `channels:` with escalation_channel, counterpart_kind, remind_before, "
        "escalate_after per channel). All or nothing.",
    )
    load.add_argument("file", help="YAML file, as printed by `kept channels dump`")
    load.add_argument(
        "--team", default=None, type=_team_id, help="Slack team id (default: the file's team:)"
    )
    load.add_argument(
        "--prune",
        action="store_true",
        help="also remove the settings of channels the file doesn't list",
    )
    load.set_defaults(func=cmd_channels_load)
    dump = _sub(
        chan_sub,
        "dump",
        "print the channel settings as YAML",
        "  kept channels dump > channels.yml",
    )
    dump.add_argument(
        "--team", default=None, type=_team_id, help="Slack team id (default: from auth.test)"
    )
    dump.set_defaults(func=cmd_channels_dump)
    rep = _sub(
        sub,
        "report",
        "promises kept on time, late, broken, open",
        "  kept report --since 2026-11-01\n"
        "  kept report --since 2026-10-01 --until 2026-11-01 --csv > october.csv",
    )
    rep.add_argument("--since", required=True, type=_date, help="first day, YYYY-MM-DD (UTC)")
    rep.add_argument(
        "--until",
        default=None,
        type=_date,
        help="day after the last, YYYY-MM-DD (UTC; default: now)",
    )
    rep.add_argument(
        "--team", default=None, type=_team_id, help="Slack team id (default: from auth.test)"
    )
    rep.add_argument("--csv", action="store_true", help="CSV instead of a text table")
    rep.set_defaults(func=cmd_report)
    doc = _sub(
        sub,
        "doctor",
        "check the token, scopes, manifest, database and clock",
        "  kept doctor\n  kept doctor --manifest /etc/kept/manifest.yml   # a copy kept elsewhere",
        "Check a real install: settings (secrets masked), manifest.yml's request URLs, the "
        "database (reachable, latest migration), the Slack token (auth.test), the scopes "
        "it was granted against the manifest's, and this machine's clock against Slack's. "
        "One line per check; exit code 1 when any check fails.",
    )
    doc.add_argument("--manifest", default=None, help="the app manifest (default: ./manifest.yml)")
    doc.set_defaults(func=cmd_doctor)
    exp = _sub(
        sub,
        "export",
        "promises with their full history, as JSON lines or CSV",
        "  kept export > promises.jsonl\n"
        "  kept export --format csv --team T0123 --since 2026-01-01 -o promises.csv",
        "Export promises with their full history. JSON lines (jsonl): one promise per line "
        "with a `history` list. CSV: a header row, then one row per history entry with the "
        "promise's columns repeated. Filter by team and by creation date.",
    )
    exp.add_argument("--format", choices=["jsonl", "csv"], default="jsonl", help="default jsonl")
    exp.add_argument(
        "--team", default=None, type=_team_id, help="only this Slack team id (default: all)"
    )
    exp.add_argument("--since", type=_date, default=None, help="created on or after, YYYY-MM-DD")
    exp.add_argument("--until", type=_date, default=None, help="created before, YYYY-MM-DD")
    exp.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    exp.set_defaults(func=cmd_export)
    fgt = _sub(
        sub,
        "forget",
        "erase a person or a counterpart's name everywhere",
        "  kept forget U0123ABC --dry-run\n  kept forget U0123ABC\n"
        '  kept forget "Jane Doe" --team T0123',
        "Erase a Slack user (by id: their profile and away periods are deleted, the id and "
        "their cached name replaced by a pseudonym in every table) or a counterpart's name "
        "(replaced by [forgotten] in every table). Whole words only, any case and accents. "
        "--dry-run prints each value that would change, before and after (exit code 1 when "
        "the real run would refuse). Messages already in Slack are not edited.",
    )
    fgt.add_argument("who", help="a Slack user id (U…/W…) or a counterpart's name")
    fgt.add_argument(
        "--team", default=None, type=_team_id, help="only in this Slack team id (default: all)"
    )
    fgt.add_argument(
        "--dry-run", action="store_true", help="list what would change, change nothing"
    )
    fgt.set_defaults(func=cmd_forget)
    args = parser.parse_args(argv)
    _logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
