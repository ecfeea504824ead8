"""GET /metrics on its own address (KEPT_METRICS_ADDR, e.g. 127.0.0.1:9464), never on the
public port beside /slack/events: Prometheus scrapes it from inside the network, and nobody
on the internet can make Kept read its database by scraping."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.ops.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger("kept.metrics")
PATH = "/metrics"


class MetricsServer:
    """A small HTTP server in a daemon thread that answers GET /metrics and nothing else."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        registry = metrics

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.split("?", 1)[0] != PATH:
                    self._answer(404, b"Not found: metrics are at /metrics\n", "text/plain")
                    return
                self._answer(200, registry.render(), CONTENT_TYPE)

            def _answer(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # one line per scrape would drown the log

        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
        self.server = server_class((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="kept-metrics", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def start(self) -> MetricsServer:
        self.thread.start()
        host, port = self.address
        log.info("metrics at http://%s:%s%s", host, port, PATH)
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
