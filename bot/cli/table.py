"""Builds the argparse parser from the table of commands (bot/cli/commands.py)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Arg:
    """One argument, as `add_argument(*flags, **options)` takes it."""

    flags: tuple[str, ...]
    options: Mapping[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class Command:
    """A sub-command: a one-line summary (in `kept --help`), examples, a description (default:
    the summary as a sentence), its arguments, and either a handler or sub-commands."""

    name: str
    summary: str
    examples: str
    description: str = ""
    arguments: Sequence[Arg] = ()
    handler: Handler | None = None
    subcommands: Sequence[Command] = field(default_factory=tuple)


class _VersionAction(argparse.Action):
    """`--version`, worked out only when asked for (it may ask git): start-up stays fast."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from bot.version import version

        print(f"kept {version()}")
        parser.exit()


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
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
    for command in commands:
        _add(sub, command)
    return parser


def _add(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: Command) -> None:
    summary = command.summary
    parser = sub.add_parser(
        command.name,
        help=summary,
        description=textwrap.fill(
            command.description or summary[:1].upper() + summary[1:] + ".", 79
        ),
        epilog="examples:\n" + command.examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for argument in command.arguments:
        parser.add_argument(*argument.flags, **argument.options)
    if command.handler is not None:
        parser.set_defaults(func=command.handler)
    if command.subcommands:
        nested = parser.add_subparsers(dest=f"{command.name}_command", required=True)
        for subcommand in command.subcommands:
            _add(nested, subcommand)
