"""Real-Time Sequencing into connected target calendars: each step's event is written into
each participant's CalDAV (a real Radicale) or Google (its stand-in) calendar at the step's
time under the step's event_id, moved on reschedule, deleted from a participant who drops
out of a `required: 1` step or written for one newly in it, and deleted on cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import caldav
import pytest
from calendar_servers import radicale
from helpers import book, make_host
from sqlalchemy import select
from test_oauth_calendars import Api, _day, _link_profile, _local, _sync, _z

from backend import create_app, db
from backend.models import Account, Booking, Organization
from backend.outbox import run_once
from backend.scheduling import cancel, reschedule

USERS = {"alice": "correct-app-password"}


@pytest.fixture(scope="module")
def dav(tmp_path_factory):
    with radicale(tmp_path_factory.mktemp("radicale"), USERS) as url:
        yield url


@pytest.fixture(scope="module")
def google():
    api = Api("google")
    with api.standin:
        yield api


@pytest.fixture
def work(dav):
    """A fresh, empty calendar in alice's CalDAV account."""
    principal = caldav.DAVClient(url=dav, username="alice", password=USERS["alice"]).principal()
    for existing in principal.calendars():
        existing.delete()
    return principal.make_calendar(name="Work")


@pytest.fixture
def app(database_url, tmp_path, google):
    google.reset()
    app = create_app(
        {
            "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test", "SERVER_NAME": "schedlink.test",
            "OUTBOUND_ALLOW": ["127.0.0.1"], "REDIRECT_ORIGINS": ["https://ats.example.com"],
            **google.standin.config(),
        }
    )  # fmt: skip
    yield app
    app.extensions["schedlink.engine"].dispose()


def _target(client, host, provider: str) -> str:
    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    return next(c["calendar_id"] for c in calendars if c["provider_name"] == provider)


def _caldav_steps(work) -> dict[str, str]:
    """UID -> DTSTART of the events schedlink wrote into the CalDAV calendar."""
    found = {}
    for item in work.events():
        event = item.icalendar_component
        found[str(event["uid"])] = _z(event["dtstart"].dt)
    return found


def _google_steps(google) -> dict[str, tuple[str, str, str]]:
    """event_id -> (start, summary, Google's id) of the live events schedlink wrote."""
    return {
        e["extendedProperties"]["private"]["schedlink_event_id"]: (
            _z(google.start_of(e)),
            e["summary"],
            e["id"],
        )
        for e in google.bookings()
    }


def test_step_events_go_into_connected_target_calendars(app, client, host, dav, work, google):
    alan = make_host(app, email="alan@example.com", name="Alan Turing")
    with app.app_context(), db.write() as s:  # same organization: may be queried together
        org = Organization(public_id="org_loop", name="Loop")
        s.add(org)
        s.flush()
        for who in (host, alan):
            s.get(Account, who.account_id).organization_id = org.id
    connected = client.post(
        "/v1/profiles", headers=host.headers,
        json={"provider_name": "caldav", "url": dav, "username": "alice",
              "password": USERS["alice"]},
    )  # fmt: skip
    assert connected.status_code == 201, connected.get_json()
    day = _day()
    google.add(_local(day, 10) + timedelta(minutes=30), _local(day, 11), "Dentist")
    alan_profile = _link_profile(client, alan, google)
    run_once(app)
    # Alan (Google) does the technical interview; the culture chat takes one of Alan or
    # Grace (CalDAV): whoever is free gets it.
    body = {
        "oauth": {"redirect_uri": "https://ats.example.com/after"},
        "event": {"event_id": "loop-1", "summary": "Interview loop", "tzid": "Europe/London"},
        "availability": {
            "query_periods": [{"start": _z(_local(day, 9)), "end": _z(_local(day, 16))}],
            "sequence": [
                {"sequence_id": "tech", "ordinal": 1,
                 "participants": [{"members": [{"sub": alan.sub}], "required": "all"}],
                 "required_duration": {"minutes": 60},
                 "event": {"event_id": "loop-tech", "summary": "Technical interview",
                           "description": "Pairing on a small problem"},
                 "buffer": {"after": {"minimum": {"minutes": 30}}}},
                {"sequence_id": "culture", "ordinal": 2,
                 "participants": [{"members": [{"sub": alan.sub}, {"sub": host.sub}],
                                   "required": 1}],
                 "required_duration": {"minutes": 30},
                 "event": {"event_id": "loop-culture", "summary": "Culture chat"}},
            ],
        },
        "target_calendars": [
            {"sub": host.sub, "calendar_id": _target(client, host, "caldav")},
            {"sub": alan.sub, "calendar_id": _target(client, alan, "google")},
        ],
    }  # fmt: skip
    made = client.post("/v1/real_time_sequencing", json=body, headers=host.headers)
    assert made.status_code == 200, made.get_json()
    response, _fields = book(
        client, made.get_json()["real_time_scheduling"]["url"], start=_z(_local(day, 9))
    )
    assert response.status_code == 303
    run_once(app)
    # Alan is at the dentist at 10:30: the culture chat is Grace's alone.
    culture = _local(day, 10) + timedelta(minutes=30)
    assert _caldav_steps(work) == {"loop-culture": _z(culture)}
    (item,) = work.events()
    assert "SUMMARY:Culture chat" in item.data and "mailto:ada@example.com" in item.data
    written = _google_steps(google)
    assert {k: v[:2] for k, v in written.items()} == {
        "loop-tech": (_z(_local(day, 9)), "Technical interview")
    }
    (tech,) = google.bookings()
    assert tech["description"] == "Pairing on a small problem"

    # 11:00: both are free for the culture chat at 12:30, so Alan gets it too.
    sessions = app.extensions["schedlink.sessions"]
    with app.app_context():
        booking = db.session().scalar(select(Booking)).public_id
    now = datetime.now(UTC)
    reschedule(sessions, booking, _local(day, 11), now, 14)
    run_once(app)
    culture = _local(day, 12) + timedelta(minutes=30)
    assert _caldav_steps(work) == {"loop-culture": _z(culture)}
    moved = _google_steps(google)
    assert {k: v[:2] for k, v in moved.items()} == {
        "loop-tech": (_z(_local(day, 11)), "Technical interview"),
        "loop-culture": (_z(culture), "Culture chat"),
    }
    assert moved["loop-tech"][2] == written["loop-tech"][2]  # the same event, moved

    # Alan is busy at 14:30: the option at 13:00 gives the culture chat to Grace alone, so
    # Alan's calendar loses that step's event and keeps his technical interview.
    google.add(_local(day, 14) + timedelta(minutes=30), _local(day, 15), "Dentist")
    _sync(client, alan, app, alan_profile)
    reschedule(sessions, booking, _local(day, 13), now, 14)
    run_once(app)
    culture = _local(day, 14) + timedelta(minutes=30)
    assert _caldav_steps(work) == {"loop-culture": _z(culture)}
    assert _google_steps(google) == {
        "loop-tech": (_z(_local(day, 13)), "Technical interview", written["loop-tech"][2])
    }

    cancel(sessions, booking, None, "host", now)
    run_once(app)
    assert _caldav_steps(work) == {}
    assert _google_steps(google) == {}

    # Alan's booking calendar is his target: his step goes there, not also the booking as
    # one event spanning the chain.
    chosen = {"calendar_id": _target(client, alan, "google")}
    assert client.put("/v1/booking_calendar", json=chosen, headers=alan.headers).status_code == 200
    made = client.post("/v1/real_time_sequencing", json=body, headers=host.headers)
    response, _fields = book(
        client, made.get_json()["real_time_scheduling"]["url"], start=_z(_local(day, 9))
    )
    assert response.status_code == 303
    run_once(app)
    assert {k: v[0] for k, v in _google_steps(google).items()} == {"loop-tech": _z(_local(day, 9))}
