"""Issue 23: links with several hosts — collective (everyone attends) and round robin (one
free host, the longest idle). Offers are checked against an oracle computed here from the
hosts' own hours, notice, buffers and events, independently of the engine; bookings are
checked on their seat rows."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from helpers import book, create_link, form_fields, login, make_host, path_of
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from backend import db
from backend.accounts import organization_named
from backend.core.validation import format_utc, parse_utc
from backend.models import (
    Account,
    Booking,
    BookingHost,
    Calendar,
    Event,
    LinkHost,
    SchedulingLink,
)
from backend.outbox import worker as jobs
from backend.scheduling import changes as booking_changes

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _join(app, org: str, *hosts) -> None:
    with app.app_context(), db.write() as s:
        organization = organization_named(s, org)
        for h in hosts:
            s.get(Account, h.account_id).organization_id = organization.id


@pytest.fixture
def team(app, host):
    """Grace (the caller) and two colleagues in one organization; their default hours
    (weekdays 09:00-17:00 in their zones) overlap from 09:00 to 16:00 UTC."""
    alan = make_host(app, email="alan@example.com", name="Alan Turing", tzid="Europe/Paris")
    ada = make_host(app, email="ada.host@example.com", name="Ada Byron", tzid="Europe/Lisbon")
    _join(app, "Acme", host, alan, ada)
    return [host, alan, ada]


def _members(*hosts) -> list[dict]:
    return [{"sub": h.sub} for h in hosts]


def _calendar_id(client, h) -> str:
    return client.get("/v1/calendars", headers=h.headers).get_json()["calendars"][0]["calendar_id"]


def _busy(client, h, start: datetime, end: datetime, event_id: str) -> None:
    response = client.post(
        f"/v1/calendars/{_calendar_id(client, h)}/events",
        json={
            "event_id": event_id,
            "summary": "Busy",
            "start": format_utc(start),
            "end": format_utc(end),
        },
        headers=h.headers,
    )
    assert response.status_code == 202, response.get_json()


def _rules(client, h, tzid: str, hours: tuple[str, str], notice=0, before=0, after=0) -> None:
    body = {
        "tzid": tzid,
        "weekly_periods": [{"day": d, "start_time": hours[0], "end_time": hours[1]} for d in DAYS],
        "min_notice_minutes": notice,
        "buffer": {"before": before, "after": after},
    }
    response = client.put("/v1/availability_rules", json=body, headers=h.headers)
    assert response.status_code in (200, 202), response.get_json()


def _offered(client, link) -> set[str]:
    page = client.get(path_of(link["url"]))
    assert page.status_code == 200
    return set(form_fields(page.get_data(as_text=True))["starts"])


# --- the oracle: a host's free 30-minute slots, from first principles ------------------------


class Plan:
    def __init__(self, tzid, hours, notice, before, after, busy):
        self.tzid, self.hours, self.notice = tzid, hours, notice
        self.before, self.after, self.busy = before, after, busy

    def free(self, start: datetime, now: datetime, minutes: int = 30) -> bool:
        end = start + timedelta(minutes=minutes)
        if start < now + timedelta(minutes=self.notice):
            return False
        zone = ZoneInfo(self.tzid)
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        opens, closes = (time.fromisoformat(x) for x in self.hours)
        same_day = local_start.date() == local_end.date() or local_end.time() == time(0)
        if not same_day or local_start.time() < opens:
            return False
        if closes != time(0) and (local_end.time() > closes or local_end.time() == time(0)):
            return False  # (a closing time of 00:00 is the end of the day)
        widened = (start - timedelta(minutes=self.before), end + timedelta(minutes=self.after))
        return not any(b0 < widened[1] and widened[0] < b1 for b0, b1 in self.busy)


def _grid(now: datetime, margin_plans) -> list[datetime]:
    """30-minute starts from an hour ahead to 13 days ahead, leaving out any start within 10
    minutes of a host's notice boundary (the page is read a moment after `now`)."""
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    starts = [first + timedelta(minutes=30 * i) for i in range(13 * 48)]
    return [
        s
        for s in starts
        if all(
            abs(s - (now + timedelta(minutes=p.notice))) > timedelta(minutes=10)
            for p in margin_plans
        )
    ]


def _setup_team_calendars(client, team) -> list[Plan]:
    """Different zones, hours, notice and buffers per host, and seeded random busy events."""
    rng = random.Random(23)
    now = datetime.now(UTC)
    settings = [
        ("Europe/London", ("08:00", "18:00"), 0, 15, 0),
        ("America/New_York", ("07:00", "16:00"), 1440, 0, 30),
        ("Asia/Tokyo", ("00:00", "00:00"), 240, 10, 10),  # around the clock
    ]
    plans = []
    for i, (h, (tzid, hours, notice, before, after)) in enumerate(zip(team, settings, strict=True)):
        _rules(client, h, tzid, hours, notice, before, after)
        busy = []
        for j in range(25):
            start = now + timedelta(minutes=rng.randrange(60, 13 * 1440))
            end = start + timedelta(minutes=rng.choice((17, 30, 45, 90, 200)))
            _busy(client, h, start, end, f"busy-{i}-{j}")
            busy.append((start.replace(microsecond=0), end.replace(microsecond=0)))
        plans.append(Plan(tzid, hours, notice, before, after, busy))
    return plans


def _in_grid(offered: set[str], grid: list[datetime]) -> set[str]:
    keep = {format_utc(s) for s in grid}
    return offered & keep


def test_collective_offers_only_common_free_times(client, team):
    plans = _setup_team_calendars(client, team)
    link = create_link(
        client,
        team[0],
        duration_minutes=30,
        hosts={"members": _members(*team), "required": "all"},
    )
    assert link["hosts"] == {
        "members": [
            {"sub": h.sub, "name": n}
            for h, n in zip(team, ("Grace Hopper", "Alan Turing", "Ada Byron"), strict=True)
        ],
        "required": "all",
    }
    now = datetime.now(UTC)
    grid = _grid(now, plans)
    offered = _in_grid(_offered(client, link), grid)
    expected = {format_utc(s) for s in grid if all(p.free(s, now) for p in plans)}
    assert expected, "the oracle finds common times (the test would say nothing otherwise)"
    extra = sorted(offered - expected)[:3]
    assert not extra, [
        (
            x,
            [p.free(parse_utc(x), now) for p in plans],
            [
                b
                for p in plans
                for b in p.busy
                if b[0] - timedelta(hours=2) < parse_utc(x) < b[1] + timedelta(hours=2)
            ],
        )
        for x in extra
    ]
    assert offered == expected
    # Strictly fewer than any one host alone offers: the intersection is doing work.
    alone = {format_utc(s) for s in grid if plans[1].free(s, now)}
    assert expected < alone


def test_round_robin_offers_the_union_of_free_times(client, team):
    plans = _setup_team_calendars(client, team)
    link = create_link(client, team[0], hosts={"members": _members(*team), "required": 1})
    assert link["hosts"]["required"] == 1
    now = datetime.now(UTC)
    grid = _grid(now, plans)
    offered = _in_grid(_offered(client, link), grid)
    expected = {format_utc(s) for s in grid if any(p.free(s, now) for p in plans)}
    assert offered == expected
    assert expected > {format_utc(s) for s in grid if plans[0].free(s, now)}


def _seat_hosts(app, booking_public_id: str) -> list[int]:
    with app.app_context():
        return list(
            db.session().scalars(
                select(BookingHost.account_id)
                .join(Booking, Booking.id == BookingHost.booking_id)
                .where(Booking.public_id == booking_public_id)
                .order_by(BookingHost.id)
            )
        )


def _booking_id_of(app, link) -> str:
    with app.app_context():
        return db.session().scalar(
            select(Booking.public_id)
            .join(SchedulingLink, SchedulingLink.id == Booking.link_id)
            .where(SchedulingLink.public_id == link["id"])
        )


def test_round_robin_assigns_the_longest_idle_free_host_ties_by_position(app, client, team):
    grace, alan, ada = team
    order = [alan, ada, grace]  # position order, not account order
    for h in team:
        _rules(client, h, "UTC", ("00:00", "00:00"))
    base = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    def book_at(start: datetime, who: str) -> list[int]:
        link = create_link(
            client,
            grace,
            hosts={"members": _members(*order), "required": 1},
            contact={"name": who, "email": f"{who}@example.com"},
        )
        response, _ = book(
            client, link["url"], start=format_utc(start), name=who, email=f"{who}@example.com"
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        return _seat_hosts(app, _booking_id_of(app, link))

    # Nobody has had a round-robin booking: ties go by position.
    assert book_at(base, "a") == [alan.account_id]
    assert book_at(base + timedelta(hours=1), "b") == [ada.account_id]
    assert book_at(base + timedelta(hours=2), "c") == [grace.account_id]
    # Then the longest idle: Alan's was first.
    assert book_at(base + timedelta(hours=3), "d") == [alan.account_id]
    # Ada is next in line, but busy then: of the free ones, Grace has waited longest.
    _busy(client, ada, base + timedelta(hours=4), base + timedelta(hours=5), "ada-busy")
    assert book_at(base + timedelta(hours=4), "e") == [grace.account_id]
    # One booking calendar event per booking, in the picked host's calendar only.
    with app.app_context():
        s = db.session()
        seats = s.execute(select(BookingHost.booking_id, BookingHost.account_id)).all()
        assert len(seats) == 5
        for booking_id, account_id in seats:
            owners = s.scalars(
                select(Calendar.account_id)
                .join(Event, Event.calendar_id == Calendar.id)
                .where(Event.booking_id == booking_id)
            ).all()
            assert owners == [account_id]


def test_a_foreign_sub_is_422_unknown_sub_and_nothing_is_stored(app, client, team):
    stranger = make_host(app, email="stranger@example.com")
    other_org = make_host(app, email="other@example.com")
    _join(app, "Elsewhere", other_org)
    for members in (
        _members(team[0], stranger),
        _members(team[1], other_org),
        [{"sub": team[0].sub}, {"sub": "acc_doesnotexist"}],
        [{"sub": team[0].sub}, {"sub": "acc_" + "x" * 5000}],
    ):
        response = client.post(
            "/v1/scheduling_links",
            json={
                "contact": {"email": "ada@example.com"},
                "hosts": {"members": members, "required": "all"},
            },
            headers=team[0].headers,
        )
        assert response.status_code == 422, response.get_json()
        errors = response.get_json()["errors"]
        assert errors == {
            "hosts.members.1.sub": [
                {
                    "key": "errors.unknown_sub",
                    "description": "No account with this sub that may host your links.",
                }
            ]
        }
    for bad in (
        {"members": _members(team[0]), "required": 2},
        {"members": []},
        "all",
        {"members": _members(team[0], team[0])},
    ):
        response = client.post(
            "/v1/scheduling_links",
            json={"contact": {"email": "ada@example.com"}, "hosts": bad},
            headers=team[0].headers,
        )
        assert response.status_code == 422, bad
    with app.app_context():
        s = db.session()
        assert s.scalar(select(func.count()).select_from(SchedulingLink)) == 0
        assert s.scalar(select(func.count()).select_from(LinkHost)) == 0


def test_a_link_without_hosts_is_the_caller_alone(app, client, host):
    link = create_link(client, host)
    assert link["hosts"] == {
        "members": [{"sub": host.sub, "name": "Grace Hopper"}],
        "required": "all",
    }
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    with app.app_context():
        (seat,) = db.session().scalars(select(BookingHost)).all()
        booking = db.session().scalars(select(Booking)).one()
        assert (seat.account_id, seat.start_at, seat.end_at, seat.status) == (
            host.account_id,
            booking.start_at,
            booking.end_at,
            "confirmed",
        )


def test_collective_booking_mails_every_host_and_writes_every_calendar(app, client, team, smtp):
    link = create_link(
        client,
        team[0],
        summary="Panel interview",
        conferencing={"profile_id": "none"},
        hosts={"members": _members(*team), "required": "all"},
    )
    page = client.get(path_of(link["url"])).get_data(as_text=True)
    for name in ("Grace Hopper", "Alan Turing", "Ada Byron"):
        assert name in page
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Grace Hopper, Alan Turing and Ada Byron" in unescape(confirmation)
    assert jobs.run_once(app) == 4  # the invitee and each host
    by_recipient = {rcpt[0]: message for rcpt, message in smtp.messages}
    assert sorted(by_recipient) == sorted(["ada@example.com", *(h.email for h in team)])
    for rcpt, message in by_recipient.items():
        ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
        body = ics.get_content()
        body = body.decode() if isinstance(body, bytes) else body
        assert "METHOD:REQUEST" in body
        if rcpt != "ada@example.com":
            assert message["Subject"].startswith("New: Panel interview")
    invitee = by_recipient["ada@example.com"]
    assert "Grace Hopper, Alan Turing and Ada Byron" in invitee["Subject"]
    booking_id = _booking_id_of(app, link)
    assert sorted(_seat_hosts(app, booking_id)) == sorted(h.account_id for h in team)
    with app.app_context():
        s = db.session()
        owners = s.scalars(
            select(Calendar.account_id)
            .join(Event, Event.calendar_id == Calendar.id)
            .join(Booking, Booking.id == Event.booking_id)
            .where(Booking.public_id == booking_id)
        ).all()
        assert sorted(owners) == sorted(h.account_id for h in team)


def test_a_collective_booking_blocks_every_host(client, team):
    """A time booked through a collective link is gone from each host's own link."""
    link = create_link(client, team[0], hosts={"members": _members(*team), "required": "all"})
    starts = sorted(_offered(client, link))
    response, _ = book(client, link["url"], start=starts[0])
    assert response.status_code == 303
    for h in team:
        own = create_link(client, h)
        assert starts[0] not in _offered(client, own)


def _href(html: str, element_id: str) -> str:
    return unescape(re.search(rf'href="([^"]+)" id="{element_id}"', html).group(1))


def test_reschedule_keeps_the_collective_hosts(app, client, team):
    link = create_link(client, team[0], hosts={"members": _members(*team), "required": "all"})
    response, fields = book(client, link["url"])
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    url = path_of(_href(html, "reschedule"))
    offered = form_fields(client.get(url).get_data(as_text=True))
    new_start = offered["starts"][-1]
    moved = client.post(url, data={"form_token": offered["form_token"], "start": new_start})
    assert moved.status_code == 303
    booking_id = _booking_id_of(app, link)
    with app.app_context():
        s = db.session()
        booking = s.scalars(select(Booking).where(Booking.public_id == booking_id)).one()
        assert booking.start_at == parse_utc(new_start)
        seats = booking.seats
        assert sorted(seat.account_id for seat in seats) == sorted(h.account_id for h in team)
        assert {(seat.start_at, seat.end_at, seat.status) for seat in seats} == {
            (booking.start_at, booking.end_at, "confirmed")
        }
        events = s.scalars(select(Event).where(Event.booking_id == booking.id)).all()
        assert len(events) == 3 and {e.start_at for e in events} == {booking.start_at}


def test_round_robin_reschedule_keeps_the_host_while_free_else_repicks(app, client, team):
    grace, alan, ada = team
    for h in team:
        _rules(client, h, "UTC", ("00:00", "00:00"))
    base = (datetime.now(UTC) + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    link = create_link(client, grace, hosts={"members": _members(alan, ada), "required": 1})
    response, _ = book(client, link["url"], start=format_utc(base))
    assert response.status_code == 303
    booking_id = _booking_id_of(app, link)
    assert _seat_hosts(app, booking_id) == [alan.account_id]
    window = app.config["BOOKING_WINDOW_DAYS"]
    # Alan is free an hour later: he keeps it (though Ada has waited longer).
    booking_changes.reschedule(
        db_sessions(app), booking_id, base + timedelta(hours=1), datetime.now(UTC), window
    )
    assert _seat_hosts(app, booking_id) == [alan.account_id]
    # Alan is busy at three: Ada takes it, with the event in her calendar.
    _busy(client, alan, base + timedelta(hours=3), base + timedelta(hours=4), "alan-busy")
    booking_changes.reschedule(
        db_sessions(app), booking_id, base + timedelta(hours=3), datetime.now(UTC), window
    )
    assert _seat_hosts(app, booking_id) == [ada.account_id]
    with app.app_context():
        ((event, owner),) = (
            db.session()
            .execute(
                select(Event, Calendar.account_id)
                .join(Calendar, Calendar.id == Event.calendar_id)
                .join(Booking, Booking.id == Event.booking_id)
                .where(Booking.public_id == booking_id)
            )
            .all()
        )
        assert owner == ada.account_id
        assert event.start_at == base + timedelta(hours=3)


def db_sessions(app):
    with app.app_context():
        return db.sessions()


def test_a_removed_member_stops_being_offered(app, client, team):
    grace, alan, ada = team
    collective = create_link(client, grace, hosts={"members": _members(*team), "required": "all"})
    round_robin = create_link(client, grace, hosts={"members": _members(alan, ada), "required": 1})
    assert _offered(client, collective)
    # Alan leaves the organization.
    with app.app_context(), db.write() as s:
        s.get(Account, alan.account_id).organization_id = None
    page = client.get(path_of(collective["url"])).get_data(as_text=True)
    assert form_fields(page)["starts"] == []
    # The round robin drops him: what it offers is Ada's, and Ada gets the booking.
    ada_alone = create_link(client, ada)
    assert _offered(client, round_robin) == _offered(client, ada_alone)
    response, _ = book(client, round_robin["url"])
    assert response.status_code == 303
    assert _seat_hosts(app, _booking_id_of(app, round_robin)) == [ada.account_id]
    # The owner's dashboard says why the collective link offers nothing.
    login(client)
    dashboard = unescape(client.get("/").get_data(as_text=True))
    assert "Alan Turing is no longer in your organization" in dashboard


def test_the_dashboard_shows_team_bookings_to_every_host(app, client, team):
    grace, alan, ada = team
    link = create_link(client, grace, hosts={"members": _members(*team), "required": "all"})
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    login(client, email=alan.email)
    dashboard = unescape(client.get("/").get_data(as_text=True))
    assert "Ada Lovelace" in dashboard  # the invitee
    assert "Grace Hopper, Alan Turing and Ada Byron" in dashboard


def test_the_database_refuses_overlapping_seats_of_one_host(app, client, team):
    link = create_link(client, team[0], hosts={"members": _members(*team), "required": "all"})
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    with app.app_context():
        engine = db.engine()
        first = db.session().scalars(select(Booking)).one()
        link_id, start, end = first.link_id, first.start_at, first.end_at
        db.session().rollback()
        free_host = make_host(app, email="free@example.com").account_id
        values = {
            "link": link_id,
            "acc": team[1].account_id,
            "start": start + timedelta(minutes=10),
            "end": end + timedelta(minutes=10),
        }
        if engine.dialect.name == "sqlite":
            values = {
                k: v.replace(tzinfo=None) if isinstance(v, datetime) else v
                for k, v in values.items()
            }
        with engine.begin() as conn:  # a second booking row (bookings carry no guard now)
            booking_id = conn.execute(
                text(
                    "INSERT INTO bookings (public_id, link_id, account_id, start_at, end_at,"
                    " status, invitee_name, invitee_email, created_at) VALUES ('bk_raw', :link,"
                    " :acc, :start, :end, 'confirmed', 'Raw', 'raw@example.com', :start)"
                    " RETURNING id"
                ),
                values,
            ).scalar_one()
        seat = text(
            "INSERT INTO booking_hosts (booking_id, account_id, start_at, end_at, status)"
            " VALUES (:booking, :acc, :start, :end, :status)"
        )
        with pytest.raises(IntegrityError, match="(?i)overlap"), engine.begin() as conn:
            conn.execute(seat, {**values, "booking": booking_id, "status": "confirmed"})
        # A cancelled seat may overlap, and another host is not this host.
        with engine.begin() as conn:
            conn.execute(seat, {**values, "booking": booking_id, "status": "cancelled"})
            conn.execute(
                seat, {**values, "booking": booking_id, "acc": free_host, "status": "confirmed"}
            )
