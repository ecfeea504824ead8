"""The `kept` command line: run, migrate, tick, scheduler, supervisors, report."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot.settings import Settings, SettingsError

log = logging.getLogger("kept")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        print(f"kept: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # slack_sdk logs request headers at DEBUG: keep tokens out of logs whatever the level.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _check_token(runtime: object) -> None:
    from slack_sdk.errors import SlackApiError

    from bot.runtime import Runtime

    assert isinstance(runtime, Runtime)
    try:
        runtime.client.auth_test()
    except SlackApiError as error:
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
        log.warning(
            "could not reach Slack at %s (%s); starting anyway",
            runtime.settings.slack_api_url,
            type(error).__name__,
        )


def cmd_migrate(_args: argparse.Namespace) -> int:
    from bot.db import make_engine
    from bot.migrate import current_revision, migrate

    settings = _settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    print(f"kept: database is at revision {current_revision(engine)}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()

    from bot.app import create_app
    from bot.deadlines import warm_up
    from bot.migrate import migrate
    from bot.runtime import Runtime
    from bot.web import HealthState, KeptWSGI

    runtime = Runtime.build(settings)
    migrate(runtime.engine)
    warm_up()
    _check_token(runtime)
    app = create_app(runtime)
    health = HealthState()
    loop = None
    if not args.no_scheduler:
        from scheduler.loop import SchedulerLoop

        loop = SchedulerLoop(runtime, health=health)
        loop.start()
    try:
        if settings.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("Kept is running in Socket Mode")
            SocketModeHandler(app, settings.slack_app_token).start()
        else:
            import waitress

            port = args.port or settings.port
            log.info("Kept is listening on http://%s:%s/slack/events", args.host, port)
            waitress.serve(
                KeptWSGI(app, runtime, health),
                host=args.host,
                port=port,
                threads=settings.http_threads,
                ident="kept",
                channel_timeout=30,
                connection_limit=1000,
            )
    finally:
        if loop is not None:
            loop.stop()
    return 0


def cmd_scheduler(_args: argparse.Namespace) -> int:
    from bot.migrate import migrate
    from bot.runtime import Runtime
    from scheduler.loop import SchedulerLoop

    runtime = Runtime.build(_settings())
    migrate(runtime.engine)
    loop = SchedulerLoop(runtime)
    log.info("Kept scheduler is running (tick %ss)", runtime.settings.tick_seconds)
    loop.run_forever()
    return 0


def cmd_tick(_args: argparse.Namespace) -> int:
    from bot.migrate import migrate
    from bot.runtime import Runtime
    from scheduler.delivery import run_pass

    runtime = Runtime.build(_settings())
    migrate(runtime.engine)
    result = run_pass(runtime)
    print(
        f"kept: pass done: {result.sent} sent, {result.deferred} deferred, "
        f"{result.failed} failed, {result.skipped} skipped"
    )
    return 0


def cmd_supervisors_import(args: argparse.Namespace) -> int:
    from bot.directory import import_supervisors
    from bot.migrate import migrate
    from bot.runtime import Runtime

    runtime = Runtime.build(_settings())
    migrate(runtime.engine)
    return import_supervisors(runtime, args.file, team_id=args.team, partial=args.partial)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kept", description="Kept: promises kept, on Slack.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="serve Slack (HTTP or Socket Mode) and run the scheduler")
    run.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler here")
    run.add_argument("--host", default="0.0.0.0", help="HTTP address to bind (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT or 3000)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser("tick", help="run one scheduler pass now").set_defaults(func=cmd_tick)
    sub.add_parser("scheduler", help="run only the scheduler").set_defaults(func=cmd_scheduler)
    sup = sub.add_parser("supervisors", help="the supervisor directory")
    sup_sub = sup.add_subparsers(dest="supervisors_command", required=True)
    imp = sup_sub.add_parser("import", help="import user,supervisor rows from a CSV file")
    imp.add_argument("file")
    imp.add_argument("--team", default=None, help="Slack team id (default: from auth.test)")
    imp.add_argument("--partial", action="store_true", help="apply the good rows of a bad file")
    imp.set_defaults(func=cmd_supervisors_import)
    args = parser.parse_args(argv)
    _logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
