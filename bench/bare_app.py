"""The baselines for bench_http.py: a Bolt app whose `/promise` only acks, or (`--durable`)
does the least a durable answer must — one INSERT and a commit (SQLite in WAL with
synchronous=NORMAL and BEGIN IMMEDIATE, or PostgreSQL: Kept's own engine settings,
bot.store.db.make_engine) — and answers in the ack with the text it stored. Served by
waitress with the same settings `kept run` uses (bot/cli/run.py cmd_run).

    python bench/bare_app.py --port P [--durable]
        (env: SLACK_SIGNING_SECRET, SLACK_API_URL, SLACK_BOT_TOKEN, KEPT_HTTP_THREADS;
         --durable: DATABASE_URL)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--durable", action="store_true", help="INSERT + commit, then answer")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    app = make_app(
        durable_url=os.environ["DATABASE_URL"] if args.durable else None,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        api_url=os.environ["SLACK_API_URL"],
        token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"),
    )
    waitress.serve(
        SlackRequestHandler(app, path="/slack/events"),
        host=args.host,
        port=args.port,
        threads=int(os.environ.get("KEPT_HTTP_THREADS", "8")),
        ident="kept",
        channel_timeout=30,
        connection_limit=1000,
    )
    return 0


def make_app(*, durable_url: str | None, signing_secret: str, api_url: str, token: str) -> App:
    """The bare Bolt app: `/promise` only acks, or (with `durable_url`) stores the command
    with one INSERT and a commit and answers in the ack with the text stored."""
    app = App(
        signing_secret=signing_secret,
        token_verification_enabled=False,
        client=WebClient(base_url=api_url, token=token),
    )
    if durable_url is not None:
        store = _durable_store(durable_url)

        @app.command("/promise")
        def promise_durable(ack: Ack, command: dict[str, Any]) -> None:
            stored = store(command)
            ack(text=f"Got it: {stored}", response_type="ephemeral")

    else:

        @app.command("/promise")
        def promise(ack: Ack) -> None:
            ack()

    return app


def _durable_store(url: str) -> Callable[[dict[str, Any]], str]:
    """One INSERT and a commit per command; returns the text as stored."""
    from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

    from bot.store.db import make_engine

    engine = make_engine(url)
    table = Table(
        "bare_commands",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("trigger_id", String(255), unique=True),
        Column("user_id", String(32)),
        Column("text", Text),
    )
    table.create(engine, checkfirst=True)
    statement = insert(table).returning(table.c.text)

    def store(command: dict[str, Any]) -> str:
        with engine.begin() as conn:
            return str(
                conn.execute(
                    statement,
                    {
                        "trigger_id": command.get("trigger_id"),
                        "user_id": command.get("user_id"),
                        "text": command.get("text"),
                    },
                ).scalar_one()
            )

    return store


if __name__ == "__main__":
    raise SystemExit(main())
