"""Channel settings: channels load, dump."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import admin_runtime


def cmd_channels_load(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.channels.service import load_settings
    from bot.people.directory import team_of

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        print(f"kept: can't read {args.file}: {error}", file=sys.stderr)
        return 2
    runtime = admin_runtime()
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

    runtime = admin_runtime()
    team = team_of(runtime, args.team, sys.stderr)
    if team is None:
        return 2
    with runtime.readers() as session:
        sys.stdout.write(dump_settings(session, team))
    return 0
