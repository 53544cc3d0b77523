"""ICS feed profiles end to end through the API: connect, sync in the worker, busy time in
availability and on the booking page, re-sync on change, failures, revoke."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from calendar_servers import FeedServer
from helpers import create_link, form_fields, path_of
from sqlalchemy import select, update

from backend import create_app, db
from backend.models import Account, CalendarSync, Event
from backend.outbox import run_once


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    with FeedServer(tmp_path_factory.mktemp("feeds")) as server:
        yield server


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test",
            "SERVER_NAME": "schedlink.test",
            "OUTBOUND_ALLOW": ["127.0.0.1"],
        }
    )
    yield app
    app.extensions["schedlink.engine"].dispose()


def _day() -> date:
    """A Tuesday next week: inside working hours and the booking window."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7)


def _feed(*events: tuple[str, str, str, str], extra: str = "") -> str:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n"
        f"DTSTART;TZID=Europe/London:{start}\r\nDTEND;TZID=Europe/London:{end}\r\n{extra}"
        "END:VEVENT\r\n"
        for uid, summary, start, end in events
    )
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nX-WR-CALNAME:Work\r\n"
    return f"{head}{body}END:VCALENDAR\r\n"


def _at(day: date, hhmm: str) -> str:
    return f"{day:%Y%m%d}T{hhmm.replace(':', '')}00"


def _starts(client, host) -> set[datetime]:
    link = create_link(client, host)
    fields = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    return {datetime.fromisoformat(v.replace("Z", "+00:00")) for v in fields["starts"]}


def _london(day: date, hhmm: str) -> datetime:
    from zoneinfo import ZoneInfo

    h, m = map(int, hhmm.split(":"))
    return datetime(
        day.year, day.month, day.day, h, m, tzinfo=ZoneInfo("Europe/London")
    ).astimezone(UTC)


def _connect(client, host, url, **extra) -> dict:
    response = client.post(
        "/v1/profiles", json={"provider_name": "ics", "url": url, **extra}, headers=host.headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["profile"]


def _profile(client, host, profile_id) -> dict:
    profiles = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"]
    return next(p for p in profiles if p["profile_id"] == profile_id)


def _version(app, host) -> int:
    with app.app_context():
        return db.session().get(Account, host.account_id).availability_version


def test_feed_busy_time_blocks_slots_and_follows_changes(app, client, host, feeds):
    day = _day()
    feeds.write(
        "work.ics", _feed(("meeting-1", "Board meeting", _at(day, "10:00"), _at(day, "12:00")))
    )
    free = _starts(client, host)
    assert _london(day, "10:00") in free and _london(day, "11:00") in free

    profile = _connect(client, host, feeds.url("work.ics"))
    assert profile["provider_name"] == "ics" and profile["profile_connected"] is True
    assert profile["profile_initial_sync_required"] is True
    assert profile["profile_name"] == "127.0.0.1"
    run_once(app)

    synced = _profile(client, host, profile["profile_id"])
    assert synced["profile_initial_sync_required"] is False
    assert synced["sync_error"] is None and synced["last_synced_at"]
    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    feed_calendar = next(c for c in calendars if c["profile_id"] == profile["profile_id"])
    assert feed_calendar == {
        "calendar_id": feed_calendar["calendar_id"],
        "calendar_name": "Work",
        "profile_id": profile["profile_id"],
        "provider_name": "ics",
        "profile_name": "127.0.0.1",
        "calendar_readonly": True,
        "calendar_primary": True,
        "calendar_deleted": False,
    }
    assert calendars[0]["provider_name"] == "schedlink" and calendars[0]["calendar_primary"]

    events = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert [(e["summary"], e["calendar_id"], e["start"]) for e in events] == [
        (
            "Board meeting",
            feed_calendar["calendar_id"],
            _london(day, "10:00").strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    ]
    # A synced calendar is read-only through the API.
    refused = client.post(
        f"/v1/calendars/{feed_calendar['calendar_id']}/events",
        json={
            "event_id": "x",
            "summary": "x",
            "start": f"{day}T09:00:00Z",
            "end": f"{day}T09:30:00Z",
        },
        headers=host.headers,
    )
    assert refused.status_code == 422

    busy = _starts(client, host)
    assert not any(_london(day, "09:31") < s < _london(day, "12:00") for s in busy)
    assert _london(day, "12:00") in busy and _london(day, "09:00") in busy

    # Unchanged feed: a sync writes nothing and keeps the slot cache valid.
    version = _version(app, host)
    client.post(f"/v1/profiles/{profile['profile_id']}/sync", headers=host.headers)
    run_once(app)
    assert _version(app, host) == version

    # The meeting moves: the next sync moves the busy time and bumps the version.
    feeds.write(
        "work.ics", _feed(("meeting-1", "Board meeting", _at(day, "14:00"), _at(day, "15:00")))
    )
    assert (
        client.post(f"/v1/profiles/{profile['profile_id']}/sync", headers=host.headers).status_code
        == 202
    )
    run_once(app)
    assert _version(app, host) > version
    moved = _starts(client, host)
    assert _london(day, "10:00") in moved and _london(day, "14:00") not in moved

    # The source fails: the last good busy time stays, the reason is shown in words.
    feeds.fail("work.ics", 503)
    client.post(f"/v1/profiles/{profile['profile_id']}/sync", headers=host.headers)
    run_once(app)
    failing = _profile(client, host, profile["profile_id"])
    assert "busy or having problems" in failing["sync_error"]
    assert _london(day, "14:00") not in _starts(client, host)
    with app.app_context():
        state = db.session().scalar(select(CalendarSync))
        assert state.failures == 1 and state.next_sync_at > datetime.now(UTC)
    feeds.fail("work.ics", None)

    # Revoke: calendars and busy times are gone at once.
    assert (
        client.post(
            f"/v1/profiles/{profile['profile_id']}/revoke", headers=host.headers
        ).status_code
        == 202
    )
    assert client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:] == []
    assert [
        c["provider_name"]
        for c in client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    ] == ["schedlink"]
    assert _london(day, "14:00") in _starts(client, host)
    with app.app_context():
        assert db.session().scalar(select(Event).where(Event.summary == "Board meeting")) is None


def test_periodic_sync_and_a_booking_check_see_feed_events(app, client, host, feeds):
    day = _day()
    feeds.write("later.ics", _feed())
    profile = _connect(client, host, feeds.url("later.ics"), profile_name="Later")
    assert profile["profile_name"] == "Later"
    run_once(app)
    link = create_link(client, host)
    page = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    target = _london(day, "10:00").strftime("%Y-%m-%dT%H:%M:%SZ")
    assert target in page["starts"]
    # The feed gains an event there; the periodic sync (once due) picks it up...
    feeds.write("later.ics", _feed(("x", "Dentist", _at(day, "10:00"), _at(day, "11:00"))))
    run_once(app)  # not due yet: nothing read
    with app.app_context():
        assert db.session().scalar(select(Event).where(Event.summary == "Dentist")) is None
        with db.write() as s:
            s.execute(
                update(CalendarSync).values(next_sync_at=datetime.now(UTC) - timedelta(seconds=1))
            )
    run_once(app)
    # ...and booking the page that still shows the old slot is refused in the transaction.
    response = client.post(
        path_of(link["url"]),
        data={
            "form_token": page["form_token"],
            "tz": "Europe/London",
            "start": target,
            "name": "Ada Lovelace",
            "email": "ada@example.com",
        },
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"provider_name": "ics"}, "url", "required"),
        ({"provider_name": "ics", "url": "ftp://example.com/x.ics"}, "url", "https://"),
        ({"provider_name": "ics", "url": "http://10.1.2.3/cal.ics"}, "url", ""),
        ({"provider_name": "ics", "url": "http://169.254.169.254/latest"}, "url", ""),
        # Certain to be refused when fetched, so refused when stored (127.0.0.1 is allowed here).
        ({"provider_name": "ics", "url": "https://localhost/x.ics"}, "url", "this machine"),
        ({"provider_name": "ics", "url": "webcal://localhost/x.ics"}, "url", "this machine"),
        ({"provider_name": "ics", "url": "https://cal.localhost./x.ics"}, "url", "this machine"),
        ({"provider_name": "ics", "url": "https://10.0.0.1./x.ics"}, "url", "private"),
        (
            {
                "provider_name": "caldav",
                "url": "https://localhost/dav/",
                "username": "u",
                "password": "p",
            },
            "url",
            "this machine",
        ),  # fmt: skip
        (
            {"provider_name": "google", "url": "https://x"},
            "provider_name",
            "calendar_authorizations",
        ),
        ({"provider_name": "exchange"}, "provider_name", "ics or caldav"),
        ({"provider_name": "caldav", "url": "https://dav.example.com/"}, "username", "required"),
    ],
)
def test_bad_connections_are_422_and_store_nothing(client, host, body, field, words):
    response = client.post("/v1/profiles", json=body, headers=host.headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in errors and words in errors[field][0]["description"]
    assert client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:] == []


def test_unreachable_and_not_a_calendar_explained(app, client, host, feeds):
    feeds.write("page.ics", "<html><body>Please sign in</body></html>")
    page = _connect(client, host, feeds.url("page.ics"))
    missing = _connect(client, host, feeds.url("missing.ics"))
    run_once(app)
    assert "does not return a calendar" in _profile(client, host, page["profile_id"])["sync_error"]
    missing_error = _profile(client, host, missing["profile_id"])["sync_error"]
    assert "does not exist (HTTP 404)" in missing_error
    assert _profile(client, host, missing["profile_id"])["profile_initial_sync_required"] is True


def test_unknown_profile_is_404(client, host):
    for action in ("sync", "revoke"):
        response = client.post(f"/v1/profiles/pro_{'a' * 26}/{action}", headers=host.headers)
        assert response.status_code == 404 and response.is_json


def test_booking_calendar_defaults_to_local_and_refuses_feeds(app, client, host, feeds):
    local = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0]
    assert client.get("/v1/booking_calendar", headers=host.headers).get_json() == {
        "calendar_id": local["calendar_id"]
    }
    feeds.write("ro.ics", _feed())
    _connect(client, host, feeds.url("ro.ics"))
    run_once(app)
    feed_calendar = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][1]
    refused = client.put(
        "/v1/booking_calendar",
        json={"calendar_id": feed_calendar["calendar_id"]},
        headers=host.headers,
    )
    assert (
        refused.status_code == 422
        and "read-only" in refused.get_json()["errors"]["calendar_id"][0]["description"]
    )
    ok = client.put(
        "/v1/booking_calendar", json={"calendar_id": local["calendar_id"]}, headers=host.headers
    )
    assert ok.status_code == 200


def test_a_lost_secret_key_disconnects_instead_of_failing_forever(
    app, client, host, feeds, tmp_path
):
    feeds.write("sealed.ics", _feed())
    profile = _connect(client, host, feeds.url("sealed.ics"))
    rotated = create_app({**app.config, "SECRET_KEY": "another-key", "SECRET_KEY_FALLBACKS": []})
    try:
        run_once(rotated)
    finally:
        rotated.extensions["schedlink.engine"].dispose()
    shown = _profile(client, host, profile["profile_id"])
    assert shown["profile_connected"] is False
    assert "secret key" in shown["sync_error"]
