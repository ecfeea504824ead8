"""Every `kept` command in one table: name, summary, examples, description, arguments and the
function that runs it. bot/cli/table.py builds the parser from it."""

from __future__ import annotations

from bot.cli import channels, ops, people, reports, run
from bot.cli.common import slack_team, utc_day
from bot.cli.table import Command, arg

TEAM_DEFAULT_AUTH = arg(
    "--team", default=None, type=slack_team, help="Slack team id (default: from auth.test)"
)

COMMANDS: tuple[Command, ...] = (
    Command(
        "run",
        "serve Slack (HTTP or Socket Mode) and run the scheduler",
        "  kept run                      # HTTP on PORT (default 3000), scheduler included\n"
        "  kept run --no-scheduler       # serve only; run `kept scheduler` elsewhere\n"
        "  kept run --host 127.0.0.1 --port 8080   # behind a TLS proxy on this machine",
        "Serve Slack: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP with "
        "POST /slack/events and GET /healthz (and GET /slack/install with "
        "SLACK_CLIENT_ID/SECRET); GET /metrics on KEPT_METRICS_ADDR only. Migrates the "
        "database first.",
        (
            arg("--no-scheduler", action="store_true", help="do not run the scheduler here"),
            arg("--host", default="0.0.0.0", help="HTTP address to bind (default 0.0.0.0)"),
            arg("--port", type=int, default=None, help="HTTP port (default: PORT or 3000)"),
        ),
        run.cmd_run,
    ),
    Command(
        "migrate",
        "create or upgrade the database schema",
        "  kept migrate\n  DATABASE_URL=postgresql://kept@db/kept kept migrate",
        "Create or upgrade the database schema (safe to run again, and from several "
        "processes at once). Part of every upgrade: install, `kept migrate`, restart.",
        handler=run.cmd_migrate,
    ),
    Command(
        "tick",
        "run one scheduler pass now",
        "  kept tick",
        "Plan the week's digests and deliver everything due now, once, then exit.",
        handler=run.cmd_tick,
    ),
    Command(
        "scheduler",
        "run only the scheduler",
        "  kept scheduler",
        "Run the scheduler in the foreground, without serving Slack (pair with "
        "`kept run --no-scheduler`). Several may run against one PostgreSQL database.",
        handler=run.cmd_scheduler,
    ),
    Command(
        "supervisors",
        "the supervisor directory",
        "  kept supervisors import people.csv\n  kept supervisors list --csv > people.csv\n"
        "  kept supervisors sync",
        subcommands=(
            Command(
                "import",
                "import user,supervisor rows from a CSV file",
                "  kept supervisors import people.csv\n"
                "  kept supervisors import people.csv --partial",
                "Import who reports to whom from a CSV file with a header row and the columns "
                "`user` and `supervisor`, each a Slack user id (U…) or an e-mail address. "
                "All or nothing unless --partial.",
                (
                    arg("file", help="CSV file with columns user,supervisor (UTF-8)"),
                    TEAM_DEFAULT_AUTH,
                    arg(
                        "--partial",
                        action="store_true",
                        help="apply the good rows of a file with problems (exit code still 1)",
                    ),
                ),
                people.cmd_supervisors_import,
            ),
            Command(
                "list",
                "who reports to whom",
                "  kept supervisors list\n  kept supervisors list --csv > people.csv",
                arguments=(
                    TEAM_DEFAULT_AUTH,
                    arg("--csv", action="store_true", help="as a user,supervisor file to import"),
                ),
                handler=people.cmd_supervisors_list,
            ),
            Command(
                "sync",
                "re-check people with Slack; hand deactivated people's promises on",
                "  kept supervisors sync",
                arguments=(TEAM_DEFAULT_AUTH,),
                handler=people.cmd_supervisors_sync,
            ),
        ),
    ),
    Command(
        "channels",
        "channel settings",
        "  kept channels dump > channels.yml\n  kept channels load channels.yml",
        subcommands=(
            Command(
                "load",
                "apply a YAML settings file (all or nothing)",
                "  kept channels load channels.yml\n  kept channels load channels.yml --prune",
                "Apply channel settings from a YAML file (the format `kept channels dump` "
                "prints: `team:` and `channels:` with escalation_channel, counterpart_kind, "
                "remind_before, escalate_after per channel). All or nothing.",
                (
                    arg("file", help="YAML file, as printed by `kept channels dump`"),
                    arg(
                        "--team",
                        default=None,
                        type=slack_team,
                        help="Slack team id (default: the file's team:)",
                    ),
                    arg(
                        "--prune",
                        action="store_true",
                        help="also remove the settings of channels the file doesn't list",
                    ),
                ),
                channels.cmd_channels_load,
            ),
            Command(
                "dump",
                "print the channel settings as YAML",
                "  kept channels dump > channels.yml",
                arguments=(TEAM_DEFAULT_AUTH,),
                handler=channels.cmd_channels_dump,
            ),
        ),
    ),
    Command(
        "report",
        "promises kept on time, late, broken, open",
        "  kept report --since 2026-11-01\n"
        "  kept report --since 2026-10-01 --until 2026-11-01 --csv > october.csv",
        arguments=(
            arg("--since", required=True, type=utc_day, help="first day, YYYY-MM-DD (UTC)"),
            arg(
                "--until",
                default=None,
                type=utc_day,
                help="day after the last, YYYY-MM-DD (UTC; default: now)",
            ),
            TEAM_DEFAULT_AUTH,
            arg("--csv", action="store_true", help="CSV instead of a text table"),
        ),
        handler=reports.cmd_report,
    ),
    Command(
        "doctor",
        "check the token, scopes, manifest, database and clock",
        "  kept doctor\n  kept doctor --manifest /etc/kept/manifest.yml   # a copy kept elsewhere",
        "Check a real install: settings (secrets masked), manifest.yml's request URLs, the "
        "database (reachable, latest migration), the Slack token (auth.test), the scopes "
        "it was granted against the manifest's, and this machine's clock against Slack's. "
        "One line per check; exit code 1 when any check fails.",
        (arg("--manifest", default=None, help="the app manifest (default: ./manifest.yml)"),),
        ops.cmd_doctor,
    ),
    Command(
        "export",
        "promises with their full history, as JSON lines or CSV",
        "  kept export > promises.jsonl\n"
        "  kept export --format csv --team T0123 --since 2026-01-01 -o promises.csv",
        "Export promises with their full history. JSON lines (jsonl): one promise per line "
        "with a `history` list. CSV: a header row, then one row per history entry with the "
        "promise's columns repeated. Filter by team and by creation date.",
        (
            arg("--format", choices=["jsonl", "csv"], default="jsonl", help="default jsonl"),
            arg(
                "--team",
                default=None,
                type=slack_team,
                help="only this Slack team id (default: all)",
            ),
            arg("--since", type=utc_day, default=None, help="created on or after, YYYY-MM-DD"),
            arg("--until", type=utc_day, default=None, help="created before, YYYY-MM-DD"),
            arg("-o", "--output", default=None, help="file to write (default: stdout)"),
        ),
        ops.cmd_export,
    ),
    Command(
        "forget",
        "erase a person or a counterpart's name everywhere",
        "  kept forget U0123ABC --dry-run\n  kept forget U0123ABC\n"
        '  kept forget "Jane Doe" --team T0123',
        "Erase a Slack user (by id: their profile and away periods are deleted, the id and "
        "their cached name replaced by a pseudonym in every table) or a counterpart's name "
        "(replaced by [forgotten] in every table). Whole words only, any case and accents. "
        "--dry-run prints each value that would change, before and after (exit code 1 when "
        "the real run would refuse). Messages already in Slack are not edited.",
        (
            arg("who", help="a Slack user id (U…/W…) or a counterpart's name"),
            arg(
                "--team",
                default=None,
                type=slack_team,
                help="only in this Slack team id (default: all)",
            ),
            arg("--dry-run", action="store_true", help="list what would change, change nothing"),
        ),
        ops.cmd_forget,
    ),
)
