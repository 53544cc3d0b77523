"""Real-Time Sequencing into connected target calendars: each step's event is written into
each participant's CalDAV (a real Radicale) or Google (its stand-in) calendar at the step's
time under the step's event_id (else its sequence_id), moved on reschedule, deleted from a
participant who drops out of a `required: 1` step or written for one newly in it, and
deleted on cancel; a host dropped from every step loses the booking from their booking
calendar; the meeting goes on the host's first step by ordinal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import caldav
import pytest
from calendar_servers import radicale
from conferencing_helpers import run_due
from helpers import book, make_host
from sqlalchemy import select
from test_oauth_calendars import Api, _day, _link_profile, _local, _sync, _z

from backend import db
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
def app_config(google):
    google.reset()
    return {"REDIRECT_ORIGINS": ["https://ats.example.com"], **google.standin.config()}


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


def _colleague(app, host):
    """Alan, in the host's organization: the two may be queried together."""
    alan = make_host(app, email="alan@example.com", name="Alan Turing")
    with app.app_context(), db.write() as s:
        org = Organization(public_id="org_loop", name="Loop")
        s.add(org)
        s.flush()
        for who in (host, alan):
            s.get(Account, who.account_id).organization_id = org.id
    return alan


def _connect_caldav(client, who, dav) -> None:
    connected = client.post(
        "/v1/profiles", headers=who.headers,
        json={"provider_name": "caldav", "url": dav, "username": "alice",
              "password": USERS["alice"]},
    )  # fmt: skip
    assert connected.status_code == 201, connected.get_json()


def _busy(client, who, start: datetime, end: datetime, event_id: str) -> None:
    """A local event of `who`'s: busy time."""
    body = {"event_id": event_id, "summary": "Busy", "start": _z(start), "end": _z(end)}
    put = client.post(f"/v1/calendars/{_target(client, who, 'schedlink')}/events",
                      json=body, headers=who.headers)  # fmt: skip
    assert put.status_code == 202, put.get_json()


def _sequence(day, steps: list[dict], targets: list[dict], **event) -> dict:
    """A sequence request over 09:00-16:00 London; a step is (sequence_id, subs, minutes,
    extra): its participants one group, `required: 1`, 30 minutes after it at least."""
    return {
        "oauth": {"redirect_uri": "https://ats.example.com/after"},
        "event": {"event_id": "loop-1", "summary": "Interview loop", "tzid": "Europe/London",
                  **event},
        "availability": {
            "query_periods": [{"start": _z(_local(day, 9)), "end": _z(_local(day, 16))}],
            "sequence": [
                {"sequence_id": sequence_id, "ordinal": i + 1,
                 "participants": [{"members": [{"sub": s} for s in subs], "required": 1}],
                 "required_duration": {"minutes": minutes},
                 "buffer": {"after": {"minimum": {"minutes": 30}}}, **extra}
                for i, (sequence_id, subs, minutes, extra) in enumerate(steps)
            ],
        },
        "target_calendars": targets,
    }  # fmt: skip


def _book_sequence(client, host, body, start: datetime) -> None:
    made = client.post("/v1/real_time_sequencing", json=body, headers=host.headers)
    assert made.status_code == 200, made.get_json()
    response, _fields = book(client, made.get_json()["real_time_scheduling"]["url"], _z(start))
    assert response.status_code == 303


def _booking_id(app) -> str:
    with app.app_context():
        return db.session().scalar(select(Booking.public_id))


def test_step_events_go_into_connected_target_calendars(app, client, host, dav, work, google):
    alan = _colleague(app, host)
    _connect_caldav(client, host, dav)
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


def test_steps_without_their_own_event_id_are_two_events(app, client, host, dav, work):
    """A participant in two steps that name no `event_id` of their own gets two events, each
    under its step's `sequence_id` (never the top-level `event_id`), in a local and in a
    CalDAV target calendar alike."""
    _connect_caldav(client, host, dav)
    run_once(app)
    day = _day()
    local = _target(client, host, "schedlink")
    steps = [("tech", [host.sub], 60, {}),
             ("culture", [host.sub], 30, {"event": {"summary": "Culture chat"}})]  # fmt: skip
    targets = [{"sub": host.sub, "calendar_id": local},
               {"sub": host.sub, "calendar_id": _target(client, host, "caldav")}]  # fmt: skip
    _book_sequence(client, host, _sequence(day, steps, targets), _local(day, 9))
    run_once(app)
    culture = _z(_local(day, 10) + timedelta(minutes=30))
    window = {"from": _z(_local(day, 0)), "to": _z(_local(day, 23))}
    listed = client.get("/v1/events", query_string=window, headers=host.headers).get_json()
    ours = [(e["event_id"], e["start"], e["summary"]) for e in listed["events"]
            if e["calendar_id"] == local]  # fmt: skip
    assert sorted(ours) == [
        ("culture", culture, "Culture chat"),
        ("tech", _z(_local(day, 9)), "Interview loop"),
    ]
    assert _caldav_steps(work) == {"tech": _z(_local(day, 9)), "culture": culture}


def test_a_host_dropped_from_every_step_loses_the_booking_from_their_calendar(
    app, client, host, dav, work
):
    """Grace's booking calendar (CalDAV) holds the booking as one event spanning the chain
    while she takes a step; a move that gives her only step to Alan deletes it there, a
    further move leaves it deleted, and a move that gives her the step again writes it."""
    alan = _colleague(app, host)
    _connect_caldav(client, host, dav)
    run_once(app)
    chosen = {"calendar_id": _target(client, host, "caldav")}
    assert client.put("/v1/booking_calendar", json=chosen, headers=host.headers).status_code == 200
    day = _day()
    half_past = {h: _local(day, h) + timedelta(minutes=30) for h in (10, 12, 14)}
    _busy(client, alan, half_past[10], _local(day, 11), "dentist")
    _busy(client, host, half_past[12], _local(day, 13), "lunch")
    _busy(client, host, half_past[14], _local(day, 15), "school-run")
    # Alan does the technical interview; the culture chat is whoever of the two is free.
    steps = [("tech", [alan.sub], 60, {}), ("culture", [alan.sub, host.sub], 30, {})]
    targets = [{"sub": who.sub, "calendar_id": _target(client, who, "schedlink")}
               for who in (alan, host)]  # fmt: skip
    _book_sequence(client, host, _sequence(day, steps, targets), _local(day, 9))
    run_once(app)
    booking = _booking_id(app)
    uid = f"{booking}@schedlink"
    assert _caldav_steps(work) == {uid: _z(_local(day, 9))}  # Alan is at the dentist

    sessions, now = app.extensions["schedlink.sessions"], datetime.now(UTC)
    for hour in (11, 13):  # Grace is busy at the culture chat: it is Alan's alone
        reschedule(sessions, booking, _local(day, hour), now, 14)
        run_once(app)
        assert _caldav_steps(work) == {}, hour
    reschedule(sessions, booking, _local(day, 9), now, 14)
    run_once(app)
    assert _caldav_steps(work) == {uid: _z(_local(day, 9))}


def test_the_meeting_goes_on_the_first_step_its_host_attends(app, client, host, google):
    """Google writes both of the host's steps and makes the booking's meeting: Meet goes on
    the first step's event by `ordinal` (here not the first by name), stays there when the
    booking moves, and is the link the booking's event shows."""
    _link_profile(client, host, google)
    run_once(app)
    day, local = _day(), _target(client, host, "schedlink")
    steps = [("tech", [host.sub], 60, {"event": {"event_id": "loop-tech"}}),
             ("culture", [host.sub], 30, {"event": {"event_id": "loop-culture"}})]  # fmt: skip
    targets = [{"sub": host.sub, "calendar_id": _target(client, host, "google")}]
    body = _sequence(day, steps, targets, conferencing={"profile_id": "default"})
    _book_sequence(client, host, body, _local(day, 9))
    window = {"from": _z(_local(day, 0)), "to": _z(_local(day, 23))}
    sessions = app.extensions["schedlink.sessions"]
    for start in (_local(day, 9), _local(day, 11)):
        if start != _local(day, 9):
            reschedule(sessions, _booking_id(app), start, datetime.now(UTC), 14)
        run_due(app)
        written = {e["extendedProperties"]["private"]["schedlink_event_id"]: e
                   for e in google.bookings()}  # fmt: skip
        assert sorted(written) == ["loop-culture", "loop-tech"]
        assert _z(google.start_of(written["loop-tech"])) == _z(start)
        join = written["loop-tech"].get("hangoutLink")
        assert join and "hangoutLink" not in written["loop-culture"], start
        listed = client.get("/v1/events", query_string=window, headers=host.headers).get_json()
        (ours,) = [e for e in listed["events"] if e["calendar_id"] == local and "conferencing" in e]
        assert (ours["event_id"], ours["conferencing"]["join_url"]) == ("loop-tech", join)
    attached = [args for method, _path, args in google.store.requests
                if method == "PATCH" and args.get("conferenceDataVersion") == "1"]  # fmt: skip
    assert len(attached) == 1, attached  # made once: the other step's writes leave it be
