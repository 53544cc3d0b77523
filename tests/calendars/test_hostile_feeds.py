"""Feeds whose repeating events would cost the recurrence library seconds each (rules that
never or rarely match, starts in year 1): a sync stays within its budget, stores the rest of
the feed and names the series it left out (issue 19, item 1)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from calendar_servers import FeedServer
from helpers import login
from hostile_feeds import calendar, event, hostile_feed
from sqlalchemy import select

from backend import create_app, db
from backend.calendars.feeds import parse_feed
from backend.calendars.sources import LeftOut
from backend.models import CalendarSync
from backend.outbox import run_once


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    with FeedServer(tmp_path_factory.mktemp("hostile")) as server:
        yield server


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test", "SERVER_NAME": "schedlink.test",
            "OUTBOUND_ALLOW": ["127.0.0.1"],
        }
    )  # fmt: skip
    yield app
    app.extensions["schedlink.engine"].dispose()


def test_a_feed_of_50_never_matching_series_syncs_within_budget_stores_the_rest_and_names_them(
    app, client, host, feeds
):
    day = datetime.now(UTC).date() + timedelta(days=9)
    feeds.write("hostile.ics", hostile_feed(day))
    response = client.post(
        "/v1/profiles",
        json={"provider_name": "ics", "url": feeds.url("hostile.ics")},
        headers=host.headers,
    )
    assert response.status_code == 201
    profile_id = response.get_json()["profile"]["profile_id"]
    started = time.monotonic()
    run_once(app)
    # Before: about 2.5 s of CPU per series, two minutes for this feed. Now: within the
    # budget's wall deadline whatever the machine, and in practice well under a second.
    assert time.monotonic() - started < 45  # the budget's wall deadline (expansion.BUDGET)

    events = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    busy = {(e["summary"], e["start"]) for e in events}
    assert {
        ("Board meeting", f"{day}T13:00:00Z"),
        ("Standup", f"{day}T15:00:00Z"),
        ("Review", f"{day}T16:00:00Z"),
    } <= busy
    # The series that start in year 1 repeat daily: read, and busy every day at 09:00.
    assert ("Never 2", f"{day}T09:00:00Z") in busy

    [profile] = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:]
    assert profile["profile_id"] == profile_id and profile["last_synced_at"]
    error = profile["sync_error"]
    assert "never comes" in error and "“<b>Leap</b> & co”" in error and "“Never 1”" in error
    assert "Never 2”" not in error  # read in full, not an offender
    assert len(error) <= 1000

    login(client)  # the Calendar services page shows it, escaped
    page = client.get("/calendar_services").get_data(as_text=True)
    assert "“&lt;b&gt;Leap&lt;/b&gt; &amp; co”" in page and "<b>Leap" not in page


def test_a_series_over_its_cpu_budget_is_left_out_by_name_and_the_rest_still_counts(monkeypatch):
    """A rule no static check recognises (a daily COUNT from year 1 walks 740,000 days): the
    CPU budget ends it."""
    from backend.calendars import expansion

    monkeypatch.setattr(
        expansion, "BUDGET", expansion.Budget(first_try_cpu=0.02, series_cpu=0.2, total_cpu=3)
    )
    feed = calendar(
        event("slow@example.com", "Slow one", "00010101T090000Z", "FREQ=DAILY;COUNT=100000000"),
        event("ok@example.com", "Weekly", "20260105T100000Z", "FREQ=WEEKLY"),
        event("single@example.com", "Single", "20260107T100000Z"),
    )
    left_out = LeftOut()
    started = time.process_time()
    events = parse_feed(
        feed, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), "UTC",
        left_out=left_out,
    )  # fmt: skip
    assert time.process_time() - started < 1.0  # the work is the child's, and bounded
    summaries = [e.summary for e in events]
    assert summaries.count("Weekly") == 8 and summaries.count("Single") == 1
    assert "Slow one" not in summaries
    [problem] = left_out.sentences
    assert "“Slow one”" in problem and "take too long" in problem


def test_a_child_that_runs_past_the_wall_deadline_is_killed_and_named(monkeypatch):
    from backend.calendars import expansion

    monkeypatch.setattr(
        expansion, "BUDGET",
        expansion.Budget(first_try_cpu=5, series_cpu=5, total_cpu=10, wall=0.5),
    )  # fmt: skip
    feed = calendar(
        event("slow@example.com", "Slow one", "00010101T090000Z", "FREQ=DAILY;COUNT=100000000"),
        event("single@example.com", "Single", "20260107T100000Z"),
    )
    left_out = LeftOut()
    started = time.monotonic()
    events = parse_feed(
        feed, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), "UTC",
        left_out=left_out,
    )  # fmt: skip
    assert time.monotonic() - started < 5
    assert [e.summary for e in events] == ["Single"]
    assert any("“Slow one”" in p for p in left_out.sentences) and left_out.costly


def test_a_calendar_cut_short_by_its_budget_is_stored_and_read_again_hourly(
    app, client, host, feeds, monkeypatch
):
    from backend.calendars import expansion

    monkeypatch.setattr(
        expansion, "BUDGET", expansion.Budget(first_try_cpu=0.02, series_cpu=0.2, total_cpu=3)
    )
    day = datetime.now(UTC).date() + timedelta(days=9)
    feeds.write(
        "costly.ics",
        calendar(
            event("slow@example.com", "Slow one", "00010101T090000Z", "FREQ=DAILY;COUNT=99999999"),
            event("ok@example.com", "Dentist", f"{day:%Y%m%d}T100000Z"),
        ),
    )
    client.post(
        "/v1/profiles",
        json={"provider_name": "ics", "url": feeds.url("costly.ics")},
        headers=host.headers,
    )
    run_once(app)
    [profile] = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:]
    assert "“Slow one”" in profile["sync_error"] and "too long" in profile["sync_error"]
    events = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert [e["summary"] for e in events] == ["Dentist"]
    with app.app_context():
        state = db.session().scalar(select(CalendarSync))
        assert state.failures == 0
        wait = state.next_sync_at.replace(tzinfo=UTC) - datetime.now(UTC)
        assert timedelta(minutes=55) < wait <= timedelta(hours=1)
