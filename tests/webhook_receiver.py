"""A real local HTTP receiver for webhook tests and the benchmark: a threaded http.server on
loopback that records every request (headers, raw body, arrival time) and answers what the
test scripts (a status per request, a delay, or hanging until released). It can be stopped
and started again on the same port (the receiver is "down" in between)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.time() on arrival

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.json["notification"]["type"]

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Script:
    statuses: deque = field(default_factory=deque)  # next answers; then `default`
    default: int = 200
    delay: float = 0.0
    hold: threading.Event | None = None  # when set, requests wait for it (a hung receiver)
    headers: dict = field(default_factory=dict)
    body: bytes = b'{"ok":true}'  # what every answer carries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Receiver:
    def __init__(self, port: int | None = None, record: bool = True):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[Received] = []
        self.arrived = threading.Condition()
        self.script = Script()
        self.record = record
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                item = Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                )
                with receiver.arrived:
                    if receiver.record:
                        receiver.received.append(item)
                    status = (
                        receiver.script.statuses.popleft()
                        if receiver.script.statuses
                        else receiver.script.default
                    )
                    receiver.arrived.notify_all()
                if receiver.script.hold is not None:
                    receiver.script.hold.wait(60)
                if receiver.script.delay:
                    time.sleep(receiver.script.delay)
                payload = receiver.script.body
                try:
                    self.send_response(status)
                    for name, value in receiver.script.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the sender gave up (timeout) or was killed

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 30, type_: str | None = None) -> list:
        """Wait until `count` requests (of `type_`) arrived; returns them."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                got = [r for r in self.received if type_ is None or r.type == type_]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(got)} of {count} requests arrived in {timeout}s")
                self.arrived.wait(left)

    def of_type(self, type_: str) -> list[Received]:
        return [r for r in self.received if r.type == type_]

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
