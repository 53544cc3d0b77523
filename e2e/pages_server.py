"""Static host-app test pages (e2e/pages/) served from loopback, for the detection tests.

A session fixture: one ThreadingHTTPServer on 127.0.0.1 and a free port, in a daemon thread.
Import the fixture into a test module: ``from pages_server import pages``.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGES_DIR = Path(__file__).resolve().parent / "pages"


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class Pages:
    def __init__(self, base_url: str):
        self.base_url = base_url

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"


def serve(directory: Path = PAGES_DIR) -> tuple[ThreadingHTTPServer, threading.Thread]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(directory)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="e2e-pages", daemon=True)
    thread.start()
    return httpd, thread


@pytest.fixture(scope="session")
def pages():
    httpd, thread = serve()
    host, port = httpd.server_address[:2]
    yield Pages(f"http://{host}:{port}")
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)
