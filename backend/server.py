"""The production server: gunicorn serving create_app(), plus the job worker beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from .core.redaction import redact


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
        from . import create_app, health, telemetry

        app = create_app()
        telemetry.configure_logging(app.config["LOG_FORMAT"])
        health.code_heads()  # read the migration files now, not in a worker's first /readyz
        return app


def prepare_metrics_dir(instance_path: str | Path) -> str:
    """Where gunicorn's workers (and the job worker) keep their metric values, so /metrics
    sums every process. Must be in the environment before any of them imports
    prometheus_client; emptied on start, as values of processes gone are not ours to sum."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(Path(instance_path) / "metrics")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    return directory


def child_exit(_server, worker) -> None:
    """gunicorn's hook: a dead worker's live gauges no longer count (its counters do)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def default_workers() -> int:
    return max(2, min(8, (os.cpu_count() or 1) * 2))


def ssl_context(_config, default_ssl_context_factory):
    """gunicorn's hook (its `ssl_version` setting is ignored since 21.0): TLS 1.2 at least."""
    from .core.tls import harden

    return harden(default_ssl_context_factory())


def run(
    host: str,
    port: int,
    workers: int,
    with_worker: bool = True,
    certfile: str | None = None,
    keyfile: str | None = None,
    access_log: bool = True,
) -> None:
    """Serve until stopped; the single-machine default also drains jobs in a child process.
    With a certificate, serves HTTPS itself (TLS 1.2 and 1.3 only)."""
    worker = None
    if with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "backend.cli", "worker"])  # noqa: S603

    def on_exit(_server):
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=10)

    tls_options = {}
    if certfile:
        tls_options = {"certfile": certfile, "keyfile": keyfile, "ssl_context": ssl_context}
    Server(
        {
            **tls_options,
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "timeout": 60,
            "graceful_timeout": 10,
            # Under SCHEDLINK_LOG_FORMAT=json the app writes the one line per request itself.
            "accesslog": "-" if access_log else None,
            "logger_class": RedactingLogger,
            "on_exit": on_exit,
            "child_exit": child_exit,
        }
    ).run()
