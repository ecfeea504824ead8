"""Reports: report."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.cli.common import admin_runtime

if TYPE_CHECKING:
    from datetime import datetime


def cmd_report(args: argparse.Namespace) -> int:
    from bot.csv_cells import SafeWriter
    from bot.people.directory import team_of
    from bot.reports.service import build_report, csv_rows, text_table

    runtime = admin_runtime()
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
