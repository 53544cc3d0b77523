"""The official SDK drives Real-Time Scheduling against a live `schedlink serve`:
pycronofy's `real_time_scheduling`, `get_real_time_scheduling_status` (by id and by token)
and `disable_real_time_scheduling_link`, then the page a visitor sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from live_server import LiveServer

pycronofy = pytest.importorskip("pycronofy")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("rts-live")
    server = LiveServer(f"sqlite:///{workdir / 'live.db'}", workdir, workers=1)
    host = server.create_host_with_cli("rts@example.com")
    server.start()
    try:
        yield server, host
    finally:
        server.stop()


def _client(server, host):
    client = pycronofy.Client(client_secret=host.api_key, access_token=host.api_key)
    client.request_handler.base_url = server.url
    return client


def test_pycronofy_real_time_scheduling(live):
    server, host = live
    client = _client(server, host)
    calendar = client.list_calendars()[0]["calendar_id"]
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    made = client.real_time_scheduling(
        availability={
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 30},
            "available_periods": [{"start": start, "end": start + timedelta(hours=2)}],
            "start_interval": {"minutes": 30},
        },
        oauth={"redirect_uri": "https://app.example.com/oauth"},
        event={"event_id": "sdk-1", "summary": "SDK interview", "tzid": "Europe/London"},
        target_calendars=[{"sub": host.sub, "calendar_id": calendar}],
        minimum_notice={"minutes": 60},
        event_creation="single",
    )["real_time_scheduling"]
    assert made["real_time_scheduling_id"].startswith("sch_")
    token = made["url"].rsplit("/", 1)[-1]
    by_id = client.get_real_time_scheduling_status(
        real_time_scheduling_id=made["real_time_scheduling_id"]
    )["real_time_scheduling"]
    by_token = client.get_real_time_scheduling_status(token=token)["real_time_scheduling"]
    assert by_id == by_token
    assert by_id["status"] == "open" and by_id["event"]["event_id"] == "sdk-1"
    page = requests.get(made["url"], timeout=10)
    assert page.status_code == 200 and 'name="start"' in page.text
    disabled = client.disable_real_time_scheduling_link(
        made["real_time_scheduling_id"], "No longer needed"
    )["real_time_scheduling"]
    assert disabled["status"] == "disabled"
    gone = requests.get(made["url"], timeout=10)
    assert gone.status_code == 410 and "No longer needed" in gone.text
