"""Google Calendar and Outlook (Microsoft Graph) profiles, end to end against the providers'
stand-ins: consent with PKCE, first sync after the callback, busy semantics, incremental sync
(syncToken / delta) and its expiry, bookings written/moved/deleted, provider errors, and a
revoked refresh token that disconnects the profile and tells the host."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from helpers import book, create_link, form_fields, login, make_host, path_of
from oauth_browser import come_back
from sqlalchemy import select
from standins import StandinProvider, query_of
from standins.google_calendar import GoogleCalendar
from standins.graph_calendar import GraphCalendar

from backend import create_app, db
from backend.accounts import organization_named
from backend.models import Account, Booking, BookingWrite
from backend.outbox import run_once
from backend.scheduling import cancel, reschedule

LONDON = ZoneInfo("Europe/London")
RETURN_TO = "https://ats.example.com/calendars"


class Api:
    """One provider's stand-in and how to put events in it, in that provider's shapes."""

    def __init__(self, name: str):
        self.name = name
        self.store = GoogleCalendar() if name == "google" else GraphCalendar()
        self.standin = StandinProvider(name)
        self.standin.register(self.store.blueprint(self.standin))
        self.calendar = "primary-cal" if name == "google" else "AAMkcal1"

    def reset(self) -> None:
        self.store.__init__()
        if self.name == "google":
            self.store.add_calendar(self.calendar, "Work", primary=True)
            self.store.add_calendar("holidays", "Holidays", access_role="reader")
        else:
            self.store.add_calendar(self.calendar, "Calendar", default=True)
            self.store.add_calendar("AAMkcal2", "Birthdays", can_edit=False)

    def add(self, start: datetime, end: datetime, summary: str, *, free=False, declined=False,
            weekly: int | None = None) -> str:  # fmt: skip
        if self.name == "google":
            event = {"summary": summary, "start": {"dateTime": _z(start)},
                     "end": {"dateTime": _z(end)}}  # fmt: skip
            if free:
                event["transparency"] = "transparent"
            if declined:
                event["attendees"] = [{"email": "host@example.com", "self": True,
                                       "responseStatus": "declined"}]  # fmt: skip
            if weekly:
                event["recurrence"] = [f"RRULE:FREQ=WEEKLY;COUNT={weekly}"]
            return self.store.add_event(self.calendar, event)["id"]
        event = {"subject": summary, "start": {"dateTime": _graph(start), "timeZone": "UTC"},
                 "end": {"dateTime": _graph(end), "timeZone": "UTC"}}  # fmt: skip
        if free:
            event["showAs"] = "free"
        if declined:
            event["responseStatus"] = {"response": "declined"}
        if weekly:
            event["recurrence"] = {
                "pattern": {"type": "weekly", "interval": 1,
                            "daysOfWeek": [start.strftime("%A").lower()]},
                "range": {"type": "numbered", "numberOfOccurrences": weekly,
                          "startDate": start.date().isoformat()},
            }  # fmt: skip
        return self.store.add_event(self.calendar, event)["id"]

    def remove(self, event_id: str) -> None:
        if self.name == "google":
            self.store.remove_event(self.calendar, event_id)
        else:
            self.store.remove_event(event_id)

    def bookings(self) -> list[dict]:
        """Live events in the primary calendar that schedlink wrote (they have attendees)."""
        if self.name == "google":
            events = self.store.events[self.calendar].values()
            return [e for e in events if e.get("attendees") and e["status"] != "cancelled"
                    and not e["attendees"][0].get("self")]  # fmt: skip
        return [e for e in self.store.events.values() if e.get("attendees") and not e["_deleted"]]

    def guest(self, event: dict) -> str:
        attendee = event["attendees"][0]
        return attendee["email"] if self.name == "google" else attendee["emailAddress"]["address"]

    def start_of(self, event: dict) -> datetime:
        return datetime.fromisoformat(event["start"]["dateTime"].replace("Z", "")[:19]).replace(
            tzinfo=UTC
        )

    def incremental_calls(self) -> int:
        if self.name == "google":
            return sum(1 for _m, _p, args in self.store.requests if "syncToken" in args)
        return sum(1 for _m, path in self.store.requests if "deltatoken" in path)

    def expire_tokens(self) -> None:
        if self.name == "google":
            self.store.expire_sync_tokens()
        else:
            self.store.expire_delta_tokens()


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _graph(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000")


@pytest.fixture(scope="module", params=["google", "microsoft"])
def api(request):
    api = Api(request.param)
    with api.standin:
        yield api


@pytest.fixture
def app(database_url, tmp_path, api):
    api.reset()
    app = create_app(
        {
            "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test", "SERVER_NAME": "schedlink.test",
            "OUTBOUND_ALLOW": ["127.0.0.1"], "REDIRECT_ORIGINS": ["https://ats.example.com"],
            **api.standin.config(),
        }
    )  # fmt: skip
    yield app
    app.extensions["schedlink.engine"].dispose()


def _day() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 1)  # a Wednesday within a week


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(UTC)


def _link_profile(client, host, api) -> str:
    started = client.post("/v1/calendar_authorizations", headers=host.headers,
                          json={"provider_name": api.name, "redirect_uri": RETURN_TO})  # fmt: skip
    assert started.status_code == 200, started.get_json()
    url = started.get_json()["authorization_request"]["url"]
    assert url.startswith(api.standin.url) and "code_challenge=" in url
    back = api.standin.consent(url)
    answer = come_back(client, back)  # started through the API: confirmed in the browser
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(RETURN_TO + "?last_linked_profile_id=pro_")
    return query_of(answer.headers["Location"])["last_linked_profile_id"]


def _profile(client, host) -> dict:
    (profile,) = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:]
    return profile


def _starts(client, host) -> list[str]:
    link = create_link(client, host)
    return form_fields(client.get(path_of(link["url"])).get_data(as_text=True))["starts"]


def _sync(client, host, app, profile_id) -> None:
    assert client.post(f"/v1/profiles/{profile_id}/sync", headers=host.headers).status_code == 202
    run_once(app)


def test_busy_time_incremental_sync_and_errors(app, client, host, api):
    day = _day()
    meeting = api.add(_local(day, 10), _local(day, 11), "Board meeting")
    api.add(_local(day, 12), _local(day, 13), "Lunch", free=True)
    api.add(_local(day, 13), _local(day, 14), "Declined", declined=True)
    api.add(_local(day, 15), _local(day, 16), "Weekly 1:1", weekly=3)

    profile_id = _link_profile(client, host, api)
    run_once(app)  # the worker notices the new profile and syncs it
    profile = _profile(client, host)
    assert profile["profile_id"] == profile_id and profile["provider_name"] == api.name
    assert profile["profile_connected"] and not profile["profile_initial_sync_required"]
    assert profile["sync_error"] is None
    listed = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    calendars = [c for c in listed if c["profile_id"] == profile_id]
    assert [(c["calendar_primary"], c["calendar_readonly"]) for c in calendars] == [
        (True, False),
        (False, True),
    ]

    starts = _starts(client, host)
    assert _z(_local(day, 10)) not in starts and _z(_local(day, 15)) not in starts
    assert _z(_local(day, 12)) in starts and _z(_local(day, 13)) in starts
    week3 = day + timedelta(days=14)
    stored = client.get(f"/v1/events?from={week3}&to={week3 + timedelta(days=1)}",
                        headers=host.headers).get_json()["events"]  # fmt: skip
    assert [(e["summary"], e["start"]) for e in stored] == [("Weekly 1:1", _z(_local(week3, 15)))]

    # Changes arrive incrementally.
    calls = api.incremental_calls()
    api.remove(meeting)
    api.add(_local(day, 16), _local(day, 17), "Late call")
    _sync(client, host, app, profile_id)
    assert api.incremental_calls() > calls
    starts = _starts(client, host)
    assert _z(_local(day, 10)) in starts and _z(_local(day, 16)) not in starts

    # An expired sync token means one full read, not an error.
    api.expire_tokens()
    api.add(_local(day, 9), _local(day, 10), "Early")
    _sync(client, host, app, profile_id)
    assert _profile(client, host)["sync_error"] is None
    assert _z(_local(day, 9)) not in _starts(client, host)

    # A provider outage keeps the last good busy time and says so.
    api.standin.fail_next(503, times=10)
    _sync(client, host, app, profile_id)
    assert "busy or having problems (HTTP 503)" in _profile(client, host)["sync_error"]
    assert _z(_local(day, 16)) not in _starts(client, host)
    api.standin._failures.clear()

    # An expired access token is refreshed and the call repeated.
    api.standin.expire_access_tokens()
    api.add(_local(day, 11), _local(day, 12), "Added after expiry")
    _sync(client, host, app, profile_id)
    assert _profile(client, host)["sync_error"] is None
    assert _z(_local(day, 11)) not in _starts(client, host)


def test_bookings_are_written_moved_and_deleted(app, client, host, api):
    profile_id = _link_profile(client, host, api)
    run_once(app)
    listed = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    primary = next(c for c in listed if c["profile_id"] == profile_id and c["calendar_primary"])
    chosen = client.put("/v1/booking_calendar", json={"calendar_id": primary["calendar_id"]},
                        headers=host.headers)  # fmt: skip
    assert chosen.status_code == 200
    day = _day()
    link = create_link(client, host)
    response, _fields = book(client, link["url"], start=_z(_local(day, 11)))
    assert response.status_code == 303
    run_once(app)
    (written,) = api.bookings()
    assert api.guest(written) == "ada@example.com"
    assert api.start_of(written) == _local(day, 11)

    # Synced back, it is not counted twice.
    _sync(client, host, app, profile_id)
    listed = client.get(f"/v1/events?from={day}&to={day + timedelta(days=1)}",
                        headers=host.headers).get_json()["events"]  # fmt: skip
    assert len([e for e in listed if e["start"] == _z(_local(day, 11))]) == 1

    sessions = app.extensions["schedlink.sessions"]
    with app.app_context():
        booking = db.session().scalar(select(Booking))
    now = datetime.now(UTC)
    reschedule(sessions, booking.public_id, _local(day, 14), now, 14)
    run_once(app)
    (moved,) = api.bookings()
    assert moved["id"] == written["id"] and api.start_of(moved) == _local(day, 14)
    cancel(sessions, booking.public_id, None, "host", now)
    run_once(app)
    assert api.bookings() == []


def test_revoked_access_disconnects_tells_the_host_and_relinks(app, client, host, api, smtp):
    profile_id = _link_profile(client, host, api)
    run_once(app)
    api.standin.revoke_refresh_tokens()
    api.standin.expire_access_tokens()
    smtp.messages.clear()
    _sync(client, host, app, profile_id)
    run_once(app)  # the e-mail job
    profile = _profile(client, host)
    assert profile["profile_connected"] is False
    assert profile["sync_error"]
    relink = profile["profile_relink_url"]
    assert relink == f"http://schedlink.test/calendar_services/{profile_id}/relink"
    ((_rcpt, message),) = smtp.messages
    assert message["To"].addresses[0].addr_spec == host.email
    assert relink in message.get_body(("plain",)).get_content()

    # The host follows the link, consents again, and the same profile is connected.
    login(client)
    started = client.get(urlsplit(relink).path)
    assert started.status_code == 303
    back = api.standin.consent(started.headers["Location"])
    answer = client.get(back.removeprefix("http://schedlink.test"))
    assert answer.status_code == 303
    assert query_of(answer.headers["Location"])["last_linked_profile_id"] == profile_id
    run_once(app)
    profile = _profile(client, host)
    assert profile["profile_connected"] is True and profile["sync_error"] is None
    assert "profile_relink_url" not in profile


def test_authorization_errors(client, host, api):
    bad = client.post("/v1/calendar_authorizations", headers=host.headers,
                      json={"provider_name": "zoom", "redirect_uri": RETURN_TO})  # fmt: skip
    assert bad.status_code == 422
    missing = client.post("/v1/calendar_authorizations", headers=host.headers,
                          json={"provider_name": api.name})  # fmt: skip
    assert missing.status_code == 422 and "redirect_uri" in missing.get_json()["errors"]
    started = client.post("/v1/calendar_authorizations", headers=host.headers,
                          json={"provider_name": api.name, "redirect_uri": RETURN_TO})  # fmt: skip
    api.standin.deny_next_consent()
    back = api.standin.consent(started.get_json()["authorization_request"]["url"])
    answer = client.get(back.removeprefix("http://schedlink.test"))
    assert answer.headers["Location"] == RETURN_TO + "?error=access_denied"
    assert client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:] == []


def test_real_time_scheduling_writes_its_connected_target_calendar(app, client, host, api):
    """A connected calendar named in `target_calendars` gets the booked event with the
    request's summary and description (Outlook: its `event_id` as the transactionId), moved
    and deleted with the booking; `event_creation: single` writes only the first target."""
    profile_id = _link_profile(client, host, api)
    run_once(app)
    listed = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    primary = next(c for c in listed if c["profile_id"] == profile_id and c["calendar_primary"])
    local = next(c for c in listed if c["provider_name"] == "schedlink")
    day = _day()
    body = {
        "oauth": {"redirect_uri": "https://ats.example.com/after"},
        "event": {"event_id": "interview-4711", "summary": "Interview: Ada",
                  "description": "Second round", "tzid": "Europe/London"},
        "availability": {
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 60},
            "query_periods": [{"start": _z(_local(day, 11)), "end": _z(_local(day, 16))}],
        },
        "target_calendars": [{"sub": host.sub, "calendar_id": primary["calendar_id"]},
                             {"sub": host.sub, "calendar_id": local["calendar_id"]}],
        "event_creation": "single",
    }  # fmt: skip
    if api.name == "microsoft":  # a meeting only when asked: the host's default, Teams
        body["event"]["conferencing"] = {"profile_id": "default"}
    made = client.post("/v1/real_time_scheduling", json=body, headers=host.headers)
    assert made.status_code == 200, made.get_json()
    response, _fields = book(
        client, made.get_json()["real_time_scheduling"]["url"], start=_z(_local(day, 11))
    )
    assert response.status_code == 303
    run_once(app)
    (written,) = api.bookings()
    assert api.start_of(written) == _local(day, 11)
    if api.name == "google":
        assert (written["summary"], written["description"]) == ("Interview: Ada", "Second round")
    else:
        assert written["subject"] == "Interview: Ada"
        # the host's Teams default put its meeting onto this one event
        assert written["body"]["content"].startswith("Second round\n\nMicrosoft Teams meeting")
        assert written["transactionId"] == "interview-4711"
    # single: the second target took no copy; the seat event (with the template) stays in
    # the local calendar, and the connected one has the one event written above
    events = client.get(f"/v1/events?from={day}&to={day + timedelta(days=1)}",
                        headers=host.headers).get_json()["events"]  # fmt: skip
    assert [(e["calendar_id"], e["summary"]) for e in events] == [
        (local["calendar_id"], "Interview: Ada")
    ]

    sessions = app.extensions["schedlink.sessions"]
    with app.app_context():
        booking = db.session().scalar(select(Booking))
    now = datetime.now(UTC)
    reschedule(sessions, booking.public_id, _local(day, 14), now, 14)
    run_once(app)
    (moved,) = api.bookings()
    assert moved["id"] == written["id"] and api.start_of(moved) == _local(day, 14)
    cancel(sessions, booking.public_id, None, "host", now)
    run_once(app)
    assert api.bookings() == []


def test_written_bookings_carry_place_and_guests_and_leave_a_round_robin_host_who_lost_them(
    app, client, host, api
):
    """The event written into the host's calendar has the booking's place as its location and
    the guests as attendees (as the .ics); when a round-robin move hands the booking to
    another host, the copy already written in the first host's calendar is deleted, and
    stays deleted at the next move."""
    profile_id = _link_profile(client, host, api)
    run_once(app)
    listed = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    primary = next(c for c in listed if c["profile_id"] == profile_id and c["calendar_primary"])
    client.put("/v1/booking_calendar", json={"calendar_id": primary["calendar_id"]},
               headers=host.headers)  # fmt: skip
    alan = make_host(app, email="alan@example.com", name="Alan Turing")
    with app.app_context(), db.write() as s:
        organization = organization_named(s, "Acme")
        for h in (host, alan):
            s.get(Account, h.account_id).organization_id = organization.id
    link = create_link(
        client, host, hosts={"members": [{"sub": host.sub}, {"sub": alan.sub}], "required": 1},
        place={"type": "in_person", "address": "1 Main St, Berlin"},
    )  # fmt: skip
    day = _day()
    fields = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    booked = client.post(path_of(link["url"]), data={
        "form_token": fields["form_token"], "start": _z(_local(day, 11)), "name": "Ada Lovelace",
        "email": "ada@example.com", "guests": "charles@example.com"})  # fmt: skip
    assert booked.status_code == 303
    run_once(app)
    (written,) = api.bookings()
    if api.name == "google":
        assert written["location"] == "1 Main St, Berlin"
        assert [a["email"] for a in written["attendees"]] == [
            "ada@example.com",
            "charles@example.com",
        ]
        assert written["attendees"][1]["optional"] is True
    else:
        assert written["location"] == {"displayName": "1 Main St, Berlin"}
        assert [(a["emailAddress"]["address"], a["type"]) for a in written["attendees"]] == [
            ("ada@example.com", "required"), ("charles@example.com", "optional")
        ]  # fmt: skip

    # Grace is busy at 14:00 (a local event); the booking moves there and goes to Alan.
    local = listed[0]["calendar_id"]
    busy = client.post(f"/v1/calendars/{local}/events", headers=host.headers, json={
        "event_id": "busy", "summary": "Busy", "start": _z(_local(day, 14)),
        "end": _z(_local(day, 15))})  # fmt: skip
    assert busy.status_code == 202
    with app.app_context():
        booking = db.session().scalar(select(Booking))
    reschedule(app.extensions["schedlink.sessions"], booking.public_id, _local(day, 14),
               datetime.now(UTC), 14)  # fmt: skip
    with app.app_context():
        (seat,) = db.session().scalar(select(Booking)).seats
        assert seat.account_id == alan.account_id
    run_once(app)
    assert api.bookings() == []  # Grace's copy is gone
    with app.app_context():
        (write,) = db.session().scalars(select(BookingWrite)).all()
        assert write.state == "removed"
    # A further move that Alan keeps leaves it gone.
    reschedule(app.extensions["schedlink.sessions"], booking.public_id,
               _local(day, 14) + timedelta(minutes=30), datetime.now(UTC), 14)  # fmt: skip
    run_once(app)
    assert api.bookings() == []
