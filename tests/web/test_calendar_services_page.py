"""The calendar services page: sign-in, add a feed (and bad addresses), status in words,
untrusted names escaped, sync now, choose the booking calendar, remove; the hours page tells
the truth about what is checked."""

from __future__ import annotations

import re

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
    refusal = refused.get_data(as_text=True)
    assert "Not connected:" in refusal
    # Says what is refused and why, not "use https" (issue 26.7).
    assert "private or local address" in refusal and "SCHEDLINK_OUTBOUND_ALLOW" in refusal
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


def _visible(html: str) -> str:
    """The page's text as a person reads it (no tags, no attribute values)."""
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_last_sync_in_the_hosts_zone_and_a_feed_named_once(app, client, host, feeds):
    login(client)
    page = client.get("/calendar_services").get_data(as_text=True)
    feeds.write("team.ics", FEED.replace("<script>x</script>", "Team"))
    client.post(
        "/calendar_services/feed",
        data={"csrf_token": _csrf(page), "url": feeds.url("team.ics"), "profile_name": "Team"},
    )
    run_once(app)
    page = client.get("/calendar_services").get_data(as_text=True)
    row = re.search(r"<tr data-profile=.*?</tr>", page, re.S)[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert _visible(cells[0]).split() == ["Team"]  # the feed and its calendar: one name
    last_sync = _visible(re.search(r'class="last-sync">(.*?)</td>', row, re.S)[1])
    assert not re.search(r"\d{4}-\d\d-\d\dT", last_sync), last_sync  # no raw ISO time
    assert "(Europe/London)" in last_sync and "just now" in last_sync
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d", last_sync)


def test_sign_in_services_say_what_the_operator_must_set(client, host):
    login(client)
    page = client.get("/calendar_services").get_data(as_text=True)
    assert 'id="connect-google"' not in page and 'id="connect-microsoft"' not in page
    google = _visible(re.search(r'id="unavailable-google">(.*?)</p>', page, re.S)[1])
    assert "Google Calendar is not set up on this server" in " ".join(google.split())
    assert "SCHEDLINK_GOOGLE_CLIENT_ID" in google and "SCHEDLINK_GOOGLE_CLIENT_SECRET" in google
    outlook = re.search(r'id="unavailable-microsoft">(.*?)</p>', page, re.S)[1]
    assert "SCHEDLINK_MICROSOFT_CLIENT_ID" in outlook


def test_a_configured_service_is_a_button(app, client, host):
    app.config["GOOGLE_CLIENT_ID"] = "client-id"
    login(client)
    page = client.get("/calendar_services").get_data(as_text=True)
    assert 'id="connect-google"' in page and "Connect Google Calendar" in page
    assert 'id="unavailable-google"' not in page and 'id="unavailable-microsoft"' in page
