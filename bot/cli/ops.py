"""Operating an install: doctor, export, forget."""

from __future__ import annotations

import argparse
import os
import sys

from bot.cli.common import admin_runtime, read_settings


def cmd_doctor(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.ops.doctor import problems, run_checks

    checks = run_checks(read_settings(), manifest=Path(args.manifest) if args.manifest else None)
    for check in checks:
        print(check.line())
    failed = problems(checks)
    print(f"kept: {failed} problem(s)" if failed else "kept: all good")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.ops.export import ExportFormat, promises, write_export

    runtime = admin_runtime()
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

    runtime = admin_runtime()
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
