"""The supervisor directory: supervisors import, list, sync."""

from __future__ import annotations

import argparse

from bot.cli.common import admin_runtime


def cmd_supervisors_import(args: argparse.Namespace) -> int:
    from bot.people.directory import import_supervisors

    return import_supervisors(admin_runtime(), args.file, team_id=args.team, partial=args.partial)


def cmd_supervisors_list(args: argparse.Namespace) -> int:
    from bot.people.directory import list_supervisors

    return list_supervisors(admin_runtime(), team_id=args.team, as_csv=args.csv)


def cmd_supervisors_sync(args: argparse.Namespace) -> int:
    from bot.people.directory import sync_people

    return sync_people(admin_runtime(), team_id=args.team)
