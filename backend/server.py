"""The production server: gunicorn serving create_app(), plus the job worker beside it."""

from __future__ import annotations

import os
import subprocess
import sys

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from .redaction import redact


class RedactingLogger(Logger):
    """gunicorn's access log with the token segments of URLs replaced (request line, path,
    query, Referer): anyone who can read the log could otherwise cancel bookings."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f", "{referer}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


class Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app()


def default_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 1) * 2))


def run(host: str, port: int, workers: int, with_worker: bool = True) -> None:
    """Serve until stopped; the single-machine default also drains jobs in a child process."""
    worker = None
    if with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"])  # noqa: S603

    def on_exit(_server):
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=10)

    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 60,
            "graceful_timeout": 10,
            "accesslog": "-",
            "logger_class": RedactingLogger,
            "on_exit": on_exit,
        }
    ).run()
