"""Real servers for calendar tests: ICS feeds served over HTTP from files, and a Radicale
CalDAV server in its own process. Shared by tests/calendars, tests/api, e2e and bench."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from live_server import free_port

FEEDS = Path(__file__).parent / "calendars" / "feeds"


class _FeedHandler(SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        time.sleep(self.server.delays.get(self.path.split("?")[0], 0))
        status = self.server.failing.get(self.path.split("?")[0])
        if status:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def guess_type(self, path):
        return "text/calendar" if str(path).endswith(".ics") else super().guess_type(path)

    def log_message(self, *args):
        pass


class FeedServer:
    """Serves the files of a directory (copied from tests/calendars/feeds) on 127.0.0.1;
    `write(name, data)` changes a feed, `fail(name, status)` makes it answer an error,
    `slow(name, seconds)` makes it answer late."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        for source in FEEDS.glob("*.ics"):
            shutil.copy(source, directory / source.name)
        self.httpd = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(_FeedHandler, directory=str(directory))
        )
        self.httpd.failing = {}
        self.httpd.delays = {}
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def write(self, name: str, data: bytes | str) -> None:
        path = self.directory / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    def fail(self, name: str, status: int | None) -> None:
        if status is None:
            self.httpd.failing.pop("/" + name, None)
        else:
            self.httpd.failing["/" + name] = status

    def slow(self, name: str, seconds: float) -> None:
        self.httpd.delays["/" + name] = seconds

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def radicale(directory: Path, users: dict[str, str]) -> Iterator[str]:
    """A real Radicale server (plain htpasswd users) on loopback; yields its base URL."""
    directory.mkdir(parents=True, exist_ok=True)
    htpasswd = directory / "users"
    htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(htpasswd),
         "--auth-htpasswd-encryption", "plain",
         "--storage-filesystem-folder", str(directory / "collections"),
         "--logging-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + ".web/", timeout=1).close()
                break
            except OSError:  # not listening yet (URLError and connection errors)
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "Radicale did not start: " + process.stderr.read().decode()[-2000:]
                    ) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
