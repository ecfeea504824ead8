"""`kept`: parse the command line, set up logging, run the command."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cli.commands import COMMANDS
from bot.cli.logs import configure_logging
from bot.cli.table import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(COMMANDS)
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)
