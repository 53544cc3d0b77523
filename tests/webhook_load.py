"""Webhook load for the worker-process tests and bench/bench_webhooks.py: a database with one
host and one channel to a local receiver, notifications committed in bulk or one by one, and
`schedlink worker` processes started (and killed) like an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from backend import notifications
from backend.core import database
from backend.core.outbound import Outbound
from backend.models import WebhookMessage

ROOT = Path(__file__).resolve().parent.parent


class Load:
    def __init__(self, database_url: str, receiver_url: str):
        self.database_url = database_url
        database.migrate(database_url)
        self.engine = database.make_engine(database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        from backend.accounts import create_account

        with database.write(self.sessions) as s:
            account = create_account(
                s, f"load-{time.time_ns()}@example.com", "Load", "Etc/UTC", "a long password"
            )
            self.account_id = account.id
            channel, _ = notifications.create_channel(
                s, account.id, {"callback_url": receiver_url}, Outbound(["127.0.0.1"]),
                datetime.now(UTC),
            )  # fmt: skip
            self.channel_id = channel.id

    def body(self, i: int) -> dict:
        return {"scheduling_link": {"id": f"sl_{i}", "contact": {"reference": f"ref-{i}"}}}

    def commit_many(self, n: int, per_transaction: int = 100) -> None:
        """n booking_created notifications, committed in transactions of `per_transaction`."""
        for start in range(0, n, per_transaction):
            with database.write(self.sessions) as s:
                for i in range(start, min(n, start + per_transaction)):
                    notifications.notify(
                        s, self.account_id, "booking_created", self.body(i), now=datetime.now(UTC)
                    )

    def commit_one(self, i: int) -> tuple[str, float]:
        """One notification in its own transaction; (webhook-id, time.time() after commit)."""
        with database.write(self.sessions) as s:
            notifications.notify(
                s, self.account_id, "booking_created", self.body(i), now=datetime.now(UTC)
            )
            s.flush()
            msg_id = s.scalars(
                select(WebhookMessage.public_id).order_by(WebhookMessage.id.desc()).limit(1)
            ).one()
        return msg_id, time.time()

    def counts(self) -> dict[str, int]:
        with self.sessions() as s:
            rows = s.execute(
                select(WebhookMessage.status, func.count()).group_by(WebhookMessage.status)
            ).all()
        return dict(rows)

    def rows(self) -> list[WebhookMessage]:
        with self.sessions() as s:
            return list(s.scalars(select(WebhookMessage).order_by(WebhookMessage.id)))

    def wait_delivered(self, n: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.counts().get("delivered", 0) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"not delivered in {timeout}s: {self.counts()}")
            time.sleep(0.05)

    def close(self) -> None:
        self.engine.dispose()


def start_worker(
    database_url: str, workdir: Path, poll: float = 0.05, **env: str
) -> subprocess.Popen:
    """`schedlink worker` in its own session (so a test can SIGKILL it alone). PostgreSQL
    wakes it on each commit (NOTIFY); `poll` is how often it looks without one."""
    workdir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "SCHEDLINK_DATABASE_URL": database_url,
        "SCHEDLINK_INSTANCE_PATH": str(workdir / "instance"),
        "SCHEDLINK_SECRET_KEY": "webhook-load-secret-key",
        "SCHEDLINK_OUTBOUND_ALLOW": "127.0.0.1,localhost",
        **{f"SCHEDLINK_{k}": v for k, v in env.items()},
    }
    log = open(workdir / f"worker-{time.time_ns()}.log", "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker", "--poll", str(poll)],
        env=environment, cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
