"""The calendar services page: sign-in, add a feed (and bad addresses), status in words,
untrusted names escaped, sync now, choose the booking calendar, remove; the hours page tells
the truth about what is checked."""

from __future__ import annotations

import pytest
from calendar_servers import FeedServer
from helpers import _csrf, login

from backend import create_app
from backend.outbox import run_once


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    with FeedServer(tmp_path_factory.mktemp("page-feeds")) as server:
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


FEED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nX-WR-CALNAME:<script>x</script>\r\n"
    "END:VCALENDAR\r\n"
)


def test_page_needs_sign_in(client, host):
    response = client.get("/calendar_services")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_add_sync_choose_and_remove(app, client, host, feeds):
    login(client)
    hours = client.get("/settings/hours").get_data(as_text=True)
    assert "No calendar is connected yet" in hours and "never over events in\n" not in hours
    page = client.get("/calendar_services").get_data(as_text=True)
    assert 'id="no-calendars"' in page
    assert 'id="connect-google"' not in page  # not set up on this server

    refused = client.post(
        "/calendar_services/feed",
        data={"csrf_token": _csrf(page), "url": "http://10.0.0.8/cal.ics"},
        follow_redirects=True,
    )
    assert "Not connected:" in refused.get_data(as_text=True)
    forged = client.post("/calendar_services/feed", data={"url": feeds.url("x.ics")})
    assert forged.status_code == 400

    feeds.write("named.ics", FEED)
    added = client.post(
        "/calendar_services/feed",
        data={
            "csrf_token": _csrf(page),
            "url": feeds.url("named.ics"),
            "profile_name": "<b>Team</b>",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Calendar connected" in added and "Waiting for the first sync" in added
    assert "&lt;b&gt;Team&lt;/b&gt;" in added and "<b>Team</b>" not in added
    run_once(app)
    page = client.get("/calendar_services").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "No calendar is connected yet" not in client.get("/settings/hours").get_data(
        as_text=True
    )

    feeds.fail("named.ics", 404)
    profile_id = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1][
        "profile_id"
    ]
    synced = client.post(
        f"/calendar_services/{profile_id}/sync",
        data={"csrf_token": _csrf(page)},
        follow_redirects=True,
    )
    assert "Syncing now" in synced.get_data(as_text=True)
    run_once(app)
    page = client.get("/calendar_services").get_data(as_text=True)
    assert "does not exist (HTTP 404)" in page
    feeds.fail("named.ics", None)

    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    feed_calendar = calendars[1]["calendar_id"]
    readonly = client.post(
        "/calendar_services/booking_calendar",
        data={"csrf_token": _csrf(page), "calendar_id": feed_calendar},
        follow_redirects=True,
    )
    assert "read-only" in readonly.get_data(as_text=True)
    assert feed_calendar not in page.split('id="booking-calendar"')[1].split("</form>")[0]

    removed = client.post(
        f"/calendar_services/{profile_id}/remove",
        data={"csrf_token": _csrf(page)},
        follow_redirects=True,
    )
    assert "Calendar removed" in removed.get_data(as_text=True)
    assert client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:] == []
