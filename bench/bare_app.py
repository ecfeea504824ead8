"""The baseline for bench_http.py: a Bolt app whose `/promise` only acks, served by waitress
with the same settings `kept run` uses (bot/cli/run.py cmd_run).

    python bench/bare_app.py --port P     (env: SLACK_SIGNING_SECRET, SLACK_API_URL,
                                          SLACK_BOT_TOKEN, KEPT_HTTP_THREADS)
"""

from __future__ import annotations

import argparse
import logging
import os

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        client=WebClient(
            base_url=os.environ["SLACK_API_URL"],
            token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"),
        ),
    )

    @app.command("/promise")
    def promise(ack: Ack) -> None:
        ack()

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


if __name__ == "__main__":
    raise SystemExit(main())
