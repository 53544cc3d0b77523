"""Calendar syncs have a lane of their own in `schedlink worker`: a sync that takes long (a
slow feed server, a feed of hostile repeating events) never holds up a webhook (issue 19,
item 1). A real worker process, a real feed server, a real webhook receiver."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from calendar_servers import FeedServer
from hostile_feeds import hostile_feed
from sqlalchemy import select
from webhook_load import Load, start_worker, stop_worker
from webhook_receiver import Receiver

from backend import create_app
from backend.calendars.services import connect_profile
from backend.core import database
from backend.models import Account, CalendarSync, Event, Job


@pytest.fixture
def database_url(empty_database_url):
    return empty_database_url


def _connect_feed(load: Load, url: str, tmp_path) -> None:
    """An ics profile for the load's account, sealed with the worker's secret key; its
    first sync is queued."""
    app = create_app(
        {
            "DATABASE_URL": load.database_url, "SECRET_KEY": "webhook-load-secret-key",
            "INSTANCE_PATH": str(tmp_path / "app"), "OUTBOUND_ALLOW": ["127.0.0.1"],
        }
    )  # fmt: skip
    ext = app.extensions
    try:
        with database.write(load.sessions) as s:
            connect_profile(
                s, s.get(Account, load.account_id), {"provider_name": "ics", "url": url},
                outbound=ext["schedlink.outbound"], sealer=ext["schedlink.sealer"],
                now=datetime.now(UTC),
            )  # fmt: skip
    finally:
        ext["schedlink.engine"].dispose()


def _sync_job(load: Load) -> Job:
    with load.sessions() as s:
        return s.scalars(select(Job).where(Job.kind == "calendar.sync")).one()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def test_a_webhook_is_delivered_within_5_s_while_a_hostile_feed_syncs(database_url, tmp_path):
    day = datetime.now(UTC).date() + timedelta(days=9)
    with Receiver() as receiver, FeedServer(tmp_path / "feeds") as feeds:
        feeds.write("hostile.ics", hostile_feed(day))
        feeds.slow("hostile.ics", 6)  # the sync is surely still running when the webhook comes
        load = Load(database_url, receiver.url)  # the channel's verification is queued
        _connect_feed(load, feeds.url("hostile.ics"), tmp_path)
        worker = start_worker(database_url, tmp_path / "w", poll=0.2)
        try:
            receiver.wait_for(1, timeout=60)  # the verification: the worker is up
            _wait(lambda: _sync_job(load).attempts == 1, 30, "the sync started")
            committed = time.time()
            webhook_id, _ = load.commit_one(1)
            [*_, got] = receiver.wait_for(2, timeout=30)
            assert got.webhook_id == webhook_id
            assert got.at - committed < 5, "the webhook waited for the calendar sync"
            assert _sync_job(load).status == "pending"  # still syncing meanwhile

            # The sync itself ends within its budget, stores the ordinary events and names
            # the series it could not read as written.
            _wait(lambda: _sync_job(load).status == "done", 60, "the sync finished")
            with load.sessions() as s:
                state = s.scalars(select(CalendarSync)).one()
                summaries = set(s.scalars(select(Event.summary)))
            assert {"Board meeting", "Standup", "Review"} <= summaries
            assert "“Never 1”" in state.sync_error and state.failures == 0
        finally:
            stop_worker(worker)
            load.close()
