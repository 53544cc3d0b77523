"""The real production server (`schedlink serve`: gunicorn gthread workers) on loopback, for
tests and benchmarks that must cross process boundaries: a fresh database (SQLite file or a
new PostgreSQL database), hosts and API keys, and small page-parsing helpers.

The one server start-up for every suite that needs a real process: the concurrency and
durability tests, the e2e browser tests (with the demo pages and the job worker) and
bench/bench_booking_page.py. Nothing here is a test.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEDLINK = [sys.executable, "-m", "backend.cli"]
PG_ADMIN_URL = os.environ.get(
    "SCHEDLINK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET_KEY = "live-server-test-secret-key-0123456789abcdef"


# --- databases -------------------------------------------------------------------------------


def pg_unreachable_reason() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it can."""
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}".splitlines()[0]
    return None


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    from sqlalchemy import create_engine, text

    name = f"schedlink_live_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Host:
    email: str
    api_key: str
    sub: str = ""

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"}


class LiveServer:
    """`python -m backend.cli serve --workers N` on a free loopback port; without the job
    worker unless asked (races measure the web workers alone)."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        workers: int = 4,
        extra_env: dict | None = None,
        quiet_access_log: bool = False,
        job_worker: bool = False,
    ):
        self.database_url = database_url
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = self.workdir / "server.log"
        self.env = {
            **os.environ,
            "SCHEDLINK_DATABASE_URL": database_url,
            "SCHEDLINK_INSTANCE_PATH": str(self.workdir / "instance"),
            "SCHEDLINK_BASE_URL": self.url,
            "SCHEDLINK_SECRET_KEY": SECRET_KEY,
            # Per-IP / per-link limits are not what these runs measure (every client here is
            # 127.0.0.1, one bucket shared by all workers).
            "SCHEDLINK_RATELIMIT_BOOKING": "100000/minute",
            "SCHEDLINK_RATELIMIT_BOOKING_PER_LINK": "100000/minute",
        }
        self.env.pop("SCHEDLINK_DEMO", None)
        self.env.update(extra_env or {})
        self.job_worker = job_worker
        self.process: subprocess.Popen | None = None
        self._quiet = quiet_access_log
        self._log = None

    def cli(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(
            [*SCHEDLINK, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"schedlink {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def start(self, timeout: float = 60) -> LiveServer:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*SCHEDLINK, "serve", "--port", str(self.port), "--workers", str(self.workers)]
            + ([] if self.job_worker else ["--no-job-worker"]),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL if self._quiet else self._log,
            stderr=self._log,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"schedlink serve exited:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"schedlink serve did not answer /healthz:\n{self.log_text()}")
        self._wait_for_workers(deadline)
        return self

    def _wait_for_workers(self, deadline: float) -> None:
        """gunicorn answers as soon as its first worker has booted; wait for all of them, so
        every request of a race lands on a warm worker."""
        while time.monotonic() < deadline:
            booted = self.log_text().count("Booting worker with pid")
            if booted >= self.workers:
                return
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # gunicorn's master: graceful shutdown of its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def errors_since(self, offset: int) -> str:
        """Tracebacks or 5xx lines the server logged after `offset` bytes."""
        with open(self.log_path, "rb") as fh:
            fh.seek(offset)
            new = fh.read().decode(errors="replace")
        bad = [
            line
            for line in new.splitlines()
            if "Traceback" in line or "[ERROR]" in line or re.search(r'" 5\d\d ', line)
        ]
        return "\n".join(bad)

    # --- accounts, made the way an operator would --------------------------------------------

    def create_host_with_cli(
        self, email: str, name: str = "Grace Hopper", tzid: str = "Europe/London"
    ) -> Host:
        sub = self.cli(
            "create-user", email, "--name", name, "--timezone", tzid,
            stdin="a long enough password\n",
        ).strip()  # fmt: skip
        api_key = self.cli("create-api-key", email).strip().splitlines()[-1]
        return Host(email=email, api_key=api_key, sub=sub)


def create_host_directly(
    database_url: str, email: str, name: str = "Grace Hopper", tzid: str = "Europe/London"
) -> Host:
    """Same as the CLI, without a subprocess: backend.accounts on the same database."""
    from sqlalchemy.orm import sessionmaker

    from backend import db
    from backend.accounts import create_account, create_api_key

    engine = db.make_engine(database_url)
    try:
        with db.write(sessionmaker(engine, expire_on_commit=False)) as s:
            account = create_account(s, email, name, tzid, "a long enough password")
            _key, plaintext = create_api_key(s, account, "live tests")
            sub = account.sub
    finally:
        engine.dispose()
    return Host(email=email, api_key=plaintext, sub=sub)


# --- the booking page ------------------------------------------------------------------------


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


class _FormInputs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append({name: value or "" for name, value in attrs})


def page_fields(html: str) -> dict:
    """The booking form's hidden inputs (name -> value), and `starts`: the offered slot values
    (inputs named "start"), in page order."""
    parser = _FormInputs()
    parser.feed(html)
    parser.close()
    fields: dict = {
        i["name"]: i.get("value", "")
        for i in parser.inputs
        if i.get("type") == "hidden" and i.get("name")
    }
    fields["starts"] = [i["value"] for i in parser.inputs if i.get("name") == "start"]
    return fields


def parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
