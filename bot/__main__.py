"""The `kept` command line: run, migrate, tick, scheduler, supervisors, channels, report,
doctor, export, forget. `kept <command> --help` describes each, with examples; the commands
live in bot/cli/."""

from bot.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
