"""A Real-Time Sequencing booking after the fact: the invitee's reschedule page re-offers
whole options (its own steps are not busy) and moves every step's event with the gap rules
kept; the host's dashboard cancel cancels every step; two moves racing for one option give
it to one of them. Both databases."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from html import unescape

from helpers import form_fields, login, path_of, web_post
from sqlalchemy import select
from test_real_time import _day, _sequence_body, _z

from backend.models import Booking, BookingHost, Event
from backend.scheduling import SlotUnavailable, reschedule


def _make(client, host, hours: int = 4) -> dict:
    body = _sequence_body(client, host)
    start = _day()
    body["availability"]["query_periods"] = [
        {"start": _z(start), "end": _z(start + timedelta(hours=hours))}
    ]
    response = client.post("/v1/real_time_sequencing", json=body, headers=host.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["real_time_scheduling"]


def _steps(app, booking_public_id: str) -> list[tuple]:
    with app.extensions["schedlink.sessions"]() as s:
        rows = s.execute(
            select(Event.sequence_id, Event.event_uid, Event.start_at, Event.end_at, Event.status)
            .join(Booking, Booking.id == Event.booking_id)
            .where(Booking.public_id == booking_public_id)
            .order_by(Event.start_at)
        ).all()
    return [tuple(r) for r in rows]


def _expected(start: datetime) -> list[tuple]:
    # tech 60 min, then at least 30 min, then culture 30 min (the earliest completion)
    return [
        ("tech", "loop-tech", start, start + timedelta(minutes=60), "confirmed"),
        ("culture", "loop-culture", start + timedelta(minutes=90),
         start + timedelta(minutes=120), "confirmed"),
    ]  # fmt: skip


def test_reschedule_moves_every_step_and_cancel_cancels_them(app, client, host):
    made = _make(client, host)
    fields = form_fields(client.get(path_of(made["url"])).get_data(as_text=True))
    booked = client.post(
        path_of(made["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip
    assert booked.status_code == 303
    html = client.get(booked.headers["Location"]).get_data(as_text=True)
    move_url = unescape(re.search(r'href="([^"]+)" id="reschedule"', html).group(1))
    with app.extensions["schedlink.sessions"]() as s:
        booking_id = s.scalars(select(Booking.public_id)).one()
    first = _day()
    assert _steps(app, booking_id) == _expected(first)

    page = client.get(path_of(move_url))
    assert page.status_code == 200
    offered = form_fields(page.get_data(as_text=True))["starts"]
    # Whole options again: the booking's own steps are not busy, so options overlapping its
    # chain (09:00-11:00) are offered; its own option is not a choice.
    assert _z(first) not in offered
    assert offered and offered[0] < _z(first + timedelta(minutes=120)), offered
    target = datetime.fromisoformat(offered[-1].replace("Z", "+00:00"))
    moved = client.post(
        path_of(move_url),
        data={"form_token": form_fields(page.get_data(as_text=True))["form_token"],
              "start": offered[-1]},
    )  # fmt: skip
    assert moved.status_code == 303, moved.get_data(as_text=True)[:2000]
    assert _steps(app, booking_id) == _expected(target)
    with app.extensions["schedlink.sessions"]() as s:
        booking = s.scalars(select(Booking)).one()
        assert (booking.start_at, booking.end_at) == (target, target + timedelta(minutes=120))
        seats = s.execute(select(BookingHost.start_at, BookingHost.end_at)).all()
        assert [tuple(x) for x in seats] == [(booking.start_at, booking.end_at)]
    # The API's view of the calendar agrees: one event per step, at the new times.
    window = {"from": _z(first - timedelta(days=1)), "to": _z(first + timedelta(days=1))}
    events = client.get("/v1/events", query_string=window, headers=host.headers).get_json()
    assert sorted((e["event_id"], e["start"]) for e in events["events"]) == [
        ("loop-culture", _z(target + timedelta(minutes=90))),
        ("loop-tech", _z(target)),
    ]

    login(client)
    web_post(client, "/", f"/bookings/{booking_id}/cancel", {"reason": "Role filled"})
    assert [row[-1] for row in _steps(app, booking_id)] == ["cancelled", "cancelled"]
    with app.extensions["schedlink.sessions"]() as s:
        assert s.scalars(select(Booking.status)).one() == "cancelled"


def test_two_moves_racing_for_one_option_give_it_to_one(app, client, host):
    """Two sequence bookings of one host race to move onto the same option: one wins, the
    other is SlotUnavailable and stays where it was; no step events overlap."""
    sessions = app.extensions["schedlink.sessions"]
    made = [_make(client, host, hours=8) for _ in range(2)]
    for i, link in enumerate(made):
        page = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
        booked = client.post(
            path_of(link["url"]),
            data={"form_token": page["form_token"], "start": page["starts"][0],
                  "name": f"Ada {i}", "email": f"ada{i}@example.com"},
        )  # fmt: skip
        assert booked.status_code == 303
    with sessions() as s:
        ids = list(s.scalars(select(Booking.public_id).order_by(Booking.id)))
    before = [_steps(app, b) for b in ids]
    # after both chains, on the hour (on every step's start grid)
    target = max(b[-1][3] for b in before).replace(minute=0) + timedelta(hours=1)
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def move(i):
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                reschedule(sessions, ids[i], target, datetime.now(UTC), 14)
                outcomes[i] = "moved"
            except SlotUnavailable:
                outcomes[i] = "taken"
            except Exception as exc:  # the assertion shows it
                outcomes[i] = repr(exc)

    threads = [threading.Thread(target=move, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["moved", "taken"], outcomes
    winner = outcomes.index("moved")
    # (its events keep their uids: the other booking holds the event_ids in this calendar)
    placed = [(r[0], *r[2:]) for r in _steps(app, ids[winner])]
    assert placed == [(r[0], *r[2:]) for r in _expected(target)]
    assert _steps(app, ids[1 - winner]) == before[1 - winner]
    spans = [(r[2], r[3]) for b in ids for r in _steps(app, b)]
    assert not any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1 :])
