"""Webhook delivery across real worker processes (`schedlink worker`): a worker SIGKILLed in
the middle of a delivery loses nothing (its lease runs out and another sends it again, with
the same webhook-id), and two workers never deliver a message twice unless by a retry."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections import Counter

import pytest
from webhook_load import Load, start_worker, stop_worker
from webhook_receiver import Receiver


@pytest.fixture
def database_url(empty_database_url):
    return empty_database_url


def test_a_worker_killed_mid_delivery_loses_nothing(database_url, tmp_path):
    with Receiver() as receiver:
        receiver.script.hold = threading.Event()  # the first request hangs
        load = Load(database_url, receiver.url)  # the channel's verification is queued
        first = start_worker(database_url, tmp_path / "a", WEBHOOK_TIMEOUT="2", WEBHOOK_BATCH="1")
        second = None
        try:
            [held] = receiver.wait_for(1, timeout=60)
            os.kill(first.pid, signal.SIGKILL)  # in the middle of the POST
            first.wait(timeout=10)
            receiver.script.hold.set()
            receiver.script.hold = None
            [row] = load.rows()
            assert (row.status, row.attempts) == ("pending", 1)
            second = start_worker(
                database_url, tmp_path / "b", WEBHOOK_TIMEOUT="2", WEBHOOK_BATCH="1"
            )
            load.wait_delivered(1, timeout=60)  # after the dead worker's lease ran out
            got = receiver.wait_for(2)
            assert [r.webhook_id for r in got] == [held.webhook_id] * 2
            assert got[0].body == got[1].body
            [row] = load.rows()
            assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)
        finally:
            if second is not None:
                stop_worker(second)
            load.close()


def test_two_workers_never_deliver_a_message_twice(database_url, tmp_path):
    with Receiver() as receiver:
        receiver.script.delay = 0.002  # so the two workers overlap in time
        load = Load(database_url, receiver.url)
        load.commit_many(199)
        workers = [start_worker(database_url, tmp_path / name, WEBHOOK_BATCH="5") for name in "ab"]
        try:
            load.wait_delivered(200, timeout=120)
            time.sleep(0.5)  # anything sent twice would have arrived by now
        finally:
            for worker in workers:
                stop_worker(worker)
        rows = load.rows()
        load.close()
        assert {(r.status, r.attempts) for r in rows} == {("delivered", 1)}
        counts = Counter(r.webhook_id for r in receiver.received)
        assert len(counts) == 200 and set(counts.values()) == {1}
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_an_idle_worker_is_woken_by_the_commit_and_stops_at_once(database_url, tmp_path):
    """PostgreSQL: a worker polling only every 30 s still sends a new notification within
    moments of its commit (LISTEN/NOTIFY). Both: SIGTERM ends an idle worker at once."""
    with Receiver() as receiver:
        load = Load(database_url, receiver.url)
        worker = start_worker(database_url, tmp_path / "w", poll=30)
        try:
            receiver.wait_for(1, timeout=60)  # the verification, found on start
            time.sleep(1.0)  # now idle, waiting
            if database_url.startswith("postgresql"):
                started = time.monotonic()
                load.commit_many(1)
                receiver.wait_for(2, timeout=10)
                assert time.monotonic() - started < 5
            started = time.monotonic()
            worker.terminate()
            worker.wait(timeout=20)
            assert time.monotonic() - started < 5 and worker.returncode == 0
        finally:
            stop_worker(worker)
            load.close()


def test_a_worker_whose_listening_connection_dies_listens_again(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    import psycopg

    def listeners(kill: bool = False) -> int:
        with psycopg.connect(database_url, autocommit=True) as conn:
            pids = [
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND query LIKE 'LISTEN %'"
                )
            ]
            for pid in pids if kill else []:
                conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        return len(pids)

    with Receiver() as receiver:
        load = Load(database_url, receiver.url)
        worker = start_worker(database_url, tmp_path / "w", poll=5)
        try:
            receiver.wait_for(1, timeout=60)
            assert listeners(kill=True) == 1
            load.commit_many(1)  # heard, or found by the next poll
            receiver.wait_for(2, timeout=15)
            deadline = time.monotonic() + 15
            while listeners() != 1:  # listening again
                assert time.monotonic() < deadline and worker.poll() is None
                time.sleep(0.1)
            started = time.monotonic()
            load.commit_many(1)
            receiver.wait_for(3, timeout=10)
            assert time.monotonic() - started < 2.5 and worker.poll() is None  # not the poll
        finally:
            stop_worker(worker)
            load.close()


def test_a_worker_outlives_a_database_outage(database_url, tmp_path):
    """The database refuses connections for a while: the worker's rounds fail, the process
    stays, and once the database is back it delivers what was committed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL can refuse connections to one database on demand")
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)

    with Receiver() as receiver:
        load = Load(database_url, receiver.url)
        worker = start_worker(database_url, tmp_path / "w", poll=0.2)
        try:
            receiver.wait_for(1, timeout=60)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false')
                try:
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        [url.database],
                    )
                    # Wait until the worker's rounds have failed on the database twice.
                    logs = tmp_path / "w"
                    deadline = time.monotonic() + 30
                    while _failed_rounds(logs) < 2:
                        assert worker.poll() is None, "the worker ended with the database"
                        assert time.monotonic() < deadline, "no round failed on the database"
                        time.sleep(0.1)
                finally:
                    conn.execute(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true')
            load.commit_many(1)
            receiver.wait_for(2, timeout=60)
            assert worker.poll() is None
        finally:
            stop_worker(worker)
            load.close()


def _failed_rounds(workdir) -> int:
    return sum(
        p.read_text(errors="replace").count("worker round failed") for p in workdir.glob("*.log")
    )
