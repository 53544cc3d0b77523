"""Issue 23: team links are race-safe across hosts, on SQLite and PostgreSQL, against the real
production server (`schedlink serve`, 4 gunicorn workers): invitees of different round-robin
links racing for a time at which one host is left free → one booking, the others are told
the time has gone; never two confirmed seats of one host that overlap. Assertions are on
database rows."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from live_server import (
    Host,
    LiveServer,
    format_utc,
    fresh_pg_database,
    parse_utc,
    pg_unreachable_reason,
)
from sqlalchemy import select, text, update
from sqlalchemy.orm import sessionmaker
from test_concurrency import TIMEOUT, Live, bookable, post_booking, race, statuses

from backend import db
from backend.accounts import organization_named
from backend.models import Account, Booking, BookingHost, SchedulingLink


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"team-live-{request.param}")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{workdir / 'schedlink.db'}"
        else:
            reason = pg_unreachable_reason()
            if reason:
                pytest.skip(reason)
            url = stack.enter_context(fresh_pg_database())
        server = LiveServer(url, workdir, workers=4)
        primary = server.create_host_with_cli("primary@example.com")  # the CLI also migrates
        stack.callback(server.stop)
        server.start()
        engine = db.make_engine(url)
        stack.callback(engine.dispose)
        yield Live(server, engine, primary, request.param)


def _team(live: Live, size: int) -> list[Host]:
    """`size` new hosts in one new organization."""
    hosts = [live.new_host() for _ in range(size)]
    with db.write(sessionmaker(live.engine, expire_on_commit=False)) as s:
        org = organization_named(s, f"Team {uuid.uuid4().hex[:8]}")
        s.execute(
            update(Account)
            .where(Account.email.in_([h.email for h in hosts]))
            .values(organization_id=org.id)
        )
    return hosts


def _busy(live: Live, host: Host, start: datetime, minutes: int) -> None:
    calendars = requests.get(f"{live.url}/v1/calendars", headers=host.headers, timeout=TIMEOUT)
    calendar_id = calendars.json()["calendars"][0]["calendar_id"]
    response = requests.post(
        f"{live.url}/v1/calendars/{calendar_id}/events",
        json={
            "event_id": f"busy-{uuid.uuid4().hex[:8]}",
            "summary": "Busy",
            "start": format_utc(start),
            "end": format_utc(start + timedelta(minutes=minutes)),
        },
        headers=host.headers,
        timeout=TIMEOUT,
    )
    assert response.status_code == 202, response.text


def _overlapping_seats(live: Live) -> list:
    return live.rows(
        text(
            "SELECT a.booking_id, b.booking_id FROM booking_hosts a JOIN booking_hosts b"
            " ON a.account_id = b.account_id AND a.id < b.id"
            " AND a.start_at < b.end_at AND b.start_at < a.end_at"
            " WHERE a.status = 'confirmed' AND b.status = 'confirmed'"
        )
    )


def _seats_at(live: Live, links: list[dict]) -> list:
    return live.rows(
        select(BookingHost.account_id, BookingHost.start_at, BookingHost.status)
        .join(Booking, Booking.id == BookingHost.booking_id)
        .join(SchedulingLink, SchedulingLink.id == Booking.link_id)
        .where(SchedulingLink.public_id.in_([link["id"] for link in links]))
    )


def _sub_of(live: Live, account_id: int) -> str:
    return live.scalar(select(Account.sub).where(Account.id == account_id))


@pytest.mark.parametrize("racers", [2, 12])
def test_invitees_racing_for_the_last_free_host_get_one_booking(live, racers):
    first, last = _team(live, 2)
    members = [{"sub": first.sub}, {"sub": last.sub}]
    links = [
        live.create_link(first, hosts={"members": members, "required": 1}) for _ in range(racers)
    ]
    pages = [live.page(link) for link in links]
    common = set.intersection(*(set(bookable(p["starts"])) for p in pages))
    # T: a time both hosts are free at, an hour past the first one (well clear of notice)
    slot = sorted(common)[2]
    _busy(live, first, parse_utc(slot), 30)  # now only `last` is free at T
    pages = [live.page(link) for link in links]  # fresh pages still offer T (through `last`)
    assert all(slot in p["starts"] for p in pages)

    outcomes = race(
        [post_booking(link, page, slot, str(i)) for i, (link, page) in enumerate(zip(links, pages))]
    )

    codes = statuses(outcomes)
    assert codes.count(303) == 1, outcomes
    assert set(codes) <= {303, 409}, [o for o in outcomes if o.status not in {303, 409}][:3]
    loser = next(o for o in outcomes if o.status == 409)
    assert "that time was just taken" in loser.body
    seats = _seats_at(live, links)
    assert [(_sub_of(live, a), format_utc(s), st) for a, s, st in seats] == [
        (last.sub, slot, "confirmed")
    ]
    used = [live.link_row(link) for link in links]
    assert sorted(row.uses for row in used) == [0] * (racers - 1) + [1]
    assert _overlapping_seats(live) == []


def test_collective_and_one_host_links_racing_never_double_book_a_host(live):
    a, b, c = _team(live, 3)
    collective = [
        live.create_link(a, hosts={"members": [{"sub": a.sub}, {"sub": b.sub}], "required": "all"}),
        live.create_link(c, hosts={"members": [{"sub": b.sub}, {"sub": c.sub}], "required": "all"}),
    ]
    alone = [live.create_link(b) for _ in range(4)]
    links = collective + alone
    pages = [live.page(link) for link in links]
    slot = min(set.intersection(*(set(bookable(p["starts"])) for p in pages)))

    outcomes = race(
        [post_booking(link, page, slot, str(i)) for i, (link, page) in enumerate(zip(links, pages))]
    )

    codes = statuses(outcomes)
    assert codes.count(303) == 1, outcomes  # every link needs b at that time
    assert set(codes) <= {303, 409}
    assert _overlapping_seats(live) == []
    b_id = live.account_id(b)
    confirmed_b = [s for s in _seats_at(live, links) if s[0] == b_id and s[2] == "confirmed"]
    assert len(confirmed_b) == 1
    assert datetime.now(UTC) < parse_utc(slot)
