"""CalDAV profiles against a real Radicale server: discovery, busy time including recurring
events, bookings written into the chosen calendar with the invitee as attendee, moved on
reschedule, deleted on cancel, and a write failure that loses nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import caldav
import pytest
from calendar_servers import radicale
from helpers import book, create_link, form_fields, login, path_of
from sqlalchemy import select, update

from backend import create_app, db
from backend.connections import write_credentials
from backend.models import Booking, BookingWrite, Job, Profile
from backend.outbox import run_once
from backend.scheduling import cancel, reschedule

LONDON = ZoneInfo("Europe/London")
USERS = {"alice": "correct-app-password"}


@pytest.fixture(scope="module")
def dav(tmp_path_factory):
    with radicale(tmp_path_factory.mktemp("radicale"), USERS) as url:
        yield url


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


def _day() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 1)  # a Wednesday within a week


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def work_calendar(dav, request):
    """A fresh calendar in alice's account with a weekly recurring meeting (one week
    excepted) and a one-off event."""
    client = caldav.DAVClient(url=dav, username="alice", password=USERS["alice"])
    principal = client.principal()
    for existing in principal.calendars():
        existing.delete()
    calendar = principal.make_calendar(name="Work")
    day = _day()
    calendar.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:weekly-sync@example.com\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Weekly sync\r\n"
        f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T100000\r\n"
        f"DTEND;TZID=Europe/London:{day:%Y%m%d}T110000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=3\r\n"
        f"EXDATE;TZID=Europe/London:{day + timedelta(days=7):%Y%m%d}T100000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    calendar.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:one-off@example.com\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Dentist\r\n"
        f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T140000\r\n"
        f"DTEND;TZID=Europe/London:{day:%Y%m%d}T150000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return calendar


def _connect(client, host, dav, password=USERS["alice"]):
    return client.post(
        "/v1/profiles",
        json={"provider_name": "caldav", "url": dav, "username": "alice", "password": password},
        headers=host.headers,
    )


def _starts(client, link) -> list[str]:
    return form_fields(client.get(path_of(link["url"])).get_data(as_text=True))["starts"]


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_wrong_password_is_a_clear_422(client, host, dav, work_calendar):
    response = _connect(client, host, dav, password="wrong")
    assert response.status_code == 422
    assert (
        "refused the username or password" in response.get_json()["errors"]["url"][0]["description"]
    )
    assert client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:] == []


def test_caldav_busy_time_and_booking_round_trip(app, client, host, dav, work_calendar):
    response = _connect(client, host, dav)
    assert response.status_code == 201, response.get_json()
    profile = response.get_json()["profile"]
    assert profile["profile_name"] == "alice on 127.0.0.1"
    run_once(app)
    synced = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1]
    assert synced["sync_error"] is None and not synced["profile_initial_sync_required"]
    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    work = next(c for c in calendars if c["provider_name"] == "caldav")
    assert work["calendar_name"] == "Work" and work["calendar_readonly"] is False

    day = _day()
    link = create_link(
        client, host, contact={"name": "Ada Lovelace", "email": "ada@example.com"},
        place={"type": "in_person", "address": "1 Main St, Berlin"},
    )  # fmt: skip
    starts = _starts(client, link)
    # The recurring meeting blocks weeks 1 and 3 (week 2 is an EXDATE); the one-off blocks 14:00.
    assert _z(_local(day, 10)) not in starts and _z(_local(day, 10, 30)) not in starts
    assert _z(_local(day, 14)) not in starts
    assert _z(_local(day + timedelta(days=7), 10)) in starts
    third = day + timedelta(days=14)  # past the booking window: seen in the stored events
    stored = client.get(
        f"/v1/events?from={third}&to={third + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert [(e["summary"], e["start"]) for e in stored] == [("Weekly sync", _z(_local(third, 10)))]
    assert _z(_local(day, 11)) in starts

    # Bookings go to the Work calendar, with the invitee as attendee.
    assert (
        client.put(
            "/v1/booking_calendar", json={"calendar_id": work["calendar_id"]}, headers=host.headers
        ).status_code
        == 200
    )
    page = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    response = client.post(path_of(link["url"]), data={
        "form_token": page["form_token"], "start": _z(_local(day, 11)), "name": "Ada Lovelace",
        "email": "ada@example.com", "guests": "charles@example.com"})  # fmt: skip
    assert response.status_code == 303
    run_once(app)
    objects = [o for o in work_calendar.events() if "schedlink" in o.data]
    assert len(objects) == 1
    data = objects[0].data
    assert "mailto:ada@example.com" in data and "ATTENDEE" in data and "CN=Ada Lovelace" in data
    # The place and the guests, as the booking's .ics has them.
    unfolded = data.replace("\r\n ", "").replace("\n ", "")
    assert "LOCATION:1 Main St\\, Berlin" in unfolded
    assert "ROLE=OPT-PARTICIPANT:mailto:charles@example.com" in unfolded
    assert f"DTSTART:{_local(day, 11):%Y%m%dT%H%M%S}Z" in data

    # Synced back, the booking is not busy twice: the events API shows it once.
    client.post(f"/v1/profiles/{profile['profile_id']}/sync", headers=host.headers)
    run_once(app)
    listed = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert len([e for e in listed if _z(_local(day, 11)) == e["start"]]) == 1

    with app.app_context():
        booking = db.session().scalar(select(Booking))
    now = datetime.now(UTC)
    reschedule(db_sessions(app), booking.public_id, _local(day, 15), now, 14)
    run_once(app)
    moved = [o for o in work_calendar.events() if "schedlink" in o.data]
    assert len(moved) == 1 and f"DTSTART:{_local(day, 15):%Y%m%dT%H%M%S}Z" in moved[0].data
    assert _sequence(moved[0].data) > _sequence(data)

    cancel(db_sessions(app), booking.public_id, "changed plans", "host", now)
    run_once(app)
    assert [o for o in work_calendar.events() if "schedlink" in o.data] == []


def _sequence(ics: str) -> int:
    return int(re.search(r"SEQUENCE:(\d+)", ics).group(1))


def db_sessions(app):
    return app.extensions["schedlink.sessions"]


def test_a_failed_write_keeps_the_booking_shows_it_and_retries(
    app, client, host, dav, work_calendar
):
    assert _connect(client, host, dav).status_code == 201
    run_once(app)
    work = next(
        c
        for c in client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
        if c["provider_name"] == "caldav"
    )
    client.put(
        "/v1/booking_calendar", json={"calendar_id": work["calendar_id"]}, headers=host.headers
    )
    sealer = app.extensions["schedlink.sealer"]
    with app.app_context(), db.write() as s:  # the password was changed at the provider
        profile = s.scalar(select(Profile))
        write_credentials(profile, sealer, {"url": dav, "username": "alice", "password": "old"})
    link = create_link(client, host)
    response, _fields = book(client, link["url"], start=_z(_local(_day(), 11)))
    assert response.status_code == 303
    run_once(app)
    with app.app_context():
        write = db.session().scalar(select(BookingWrite))
        assert write.state == "failed" and "refused" in write.last_error
        assert db.session().scalar(select(Booking)).status == "confirmed"
        job = db.session().scalar(select(Job).where(Job.kind == "calendar.booking"))
        assert job.status == "pending" and job.attempts == 1 and job.run_at > datetime.now(UTC)
    login(client)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Not yet in “Work”" in dashboard and "keeps trying" in dashboard

    with app.app_context(), db.write() as s:  # the host fixes the password; the retry succeeds
        write_credentials(
            s.scalar(select(Profile)),
            sealer,
            {"url": dav, "username": "alice", "password": USERS["alice"]},
        )
        s.execute(
            update(Job).where(Job.kind == "calendar.booking").values(run_at=datetime.now(UTC))
        )
    run_once(app)
    with app.app_context():
        assert db.session().scalar(select(BookingWrite)).state == "written"
    assert len([o for o in work_calendar.events() if "schedlink" in o.data]) == 1


def test_real_time_scheduling_writes_its_caldav_target_calendar(
    app, client, host, dav, work_calendar
):
    """A CalDAV calendar named in `target_calendars` gets the booked event under the
    request's `event_id` (its UID) with its summary and description; synced back it is not
    busy twice; reschedule moves it, cancel deletes it."""
    assert _connect(client, host, dav).status_code == 201
    run_once(app)
    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    work = next(c for c in calendars if c["provider_name"] == "caldav")
    day = _day()
    body = {
        "oauth": {"redirect_uri": "https://ats.example.com/after"},
        "event": {"event_id": "interview-4711", "summary": "Interview: Ada",
                  "description": "Second round", "tzid": "Europe/London"},
        "availability": {
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 60},
            "query_periods": [{"start": _z(_local(day, 11)), "end": _z(_local(day, 13))}],
        },
        "target_calendars": [{"sub": host.sub, "calendar_id": work["calendar_id"]}],
    }  # fmt: skip
    made = client.post("/v1/real_time_scheduling", json=body, headers=host.headers)
    assert made.status_code == 200, made.get_json()
    url = made.get_json()["real_time_scheduling"]["url"]
    response, _fields = book(client, url, start=_z(_local(day, 11)))
    assert response.status_code == 303
    run_once(app)
    (written,) = [o for o in work_calendar.events() if "interview-4711" in o.data]
    data = written.data
    assert "UID:interview-4711" in data and "SUMMARY:Interview: Ada" in data
    assert "DESCRIPTION:Second round" in data and "mailto:ada@example.com" in data
    assert f"DTSTART:{_local(day, 11):%Y%m%dT%H%M%S}Z" in data
    client.post(f"/v1/profiles/{work['profile_id']}/sync", headers=host.headers)
    run_once(app)
    listed = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert len([e for e in listed if e["start"] == _z(_local(day, 11))]) == 1

    with app.app_context():
        booking = db.session().scalar(select(Booking))
    now = datetime.now(UTC)
    reschedule(db_sessions(app), booking.public_id, _local(day, 12), now, 14)
    run_once(app)
    (moved,) = [o for o in work_calendar.events() if "interview-4711" in o.data]
    assert f"DTSTART:{_local(day, 12):%Y%m%dT%H%M%S}Z" in moved.data
    cancel(db_sessions(app), booking.public_id, None, "host", now)
    run_once(app)
    assert [o for o in work_calendar.events() if "interview-4711" in o.data] == []
