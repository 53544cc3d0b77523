"""A booking written into the host's Google or Outlook calendar by the same connection that
makes its meeting: the host's calendar holds exactly one event for it, and that event carries
the Meet or Teams link the invitee gets. The calendar write and the meeting's job meet in
either order (and in two workers at once); reschedule moves the one event with its meeting,
cancel deletes it. Against the providers' calendar stand-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from conferencing_helpers import JOIN, Provider, events, link_calendar, local, run_due, texts
from helpers import book, create_link, login, web_post
from sqlalchemy import select, update
from standins import StandinUser

from backend import db
from backend.models import Booking, Conference, Job
from backend.outbox import worker as jobs
from backend.scheduling import cancel, reschedule

WRITE, ASSIGN = "calendar.booking", "conferencing.assign"


@pytest.fixture(scope="module", params=["google", "microsoft"])
def provider(request):
    provider = Provider(request.param)
    with provider.standin:
        yield provider


@pytest.fixture
def app_config(provider):
    provider.reset()
    return {"OUTBOUND_ALLOW": ["127.0.0.1"], **provider.standin.config()}


def _book_into_the_connected_calendar(app, client, host, provider):
    """Link the calendar, make it the booking calendar, book the first slot; returns the
    confirmation URL and the slots that were offered."""
    pro = link_calendar(client, host, provider)
    jobs.run_once(app)  # the first sync lists the calendars
    listed = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    ours = next(c for c in listed if c["profile_id"] == pro)
    chosen = client.put("/v1/booking_calendar", json={"calendar_id": ours["calendar_id"]},
                        headers=host.headers)  # fmt: skip
    assert chosen.status_code == 200
    link = create_link(client, host, summary="Intro call")
    response, fields = book(client, link["url"])
    assert response.status_code == 303
    return response.headers["Location"], fields["starts"]


def _run_only(app, kind: str) -> None:
    """Run the due jobs of one kind, the others held back."""
    later = datetime.now(UTC) + timedelta(hours=1)
    with app.app_context(), db.write() as s:
        s.execute(update(Job).where(Job.status == "pending", Job.kind != kind).values(run_at=later))
    jobs.run_jobs(app)
    with app.app_context(), db.write() as s:
        s.execute(update(Job).where(Job.run_at == later).values(run_at=datetime.now(UTC)))


def _booking(app) -> Booking:
    with app.app_context():
        return db.session().scalar(select(Booking))


@pytest.mark.parametrize("first", [WRITE, ASSIGN])
def test_one_event_carries_the_meeting_whichever_job_runs_first(
    app, client, host, provider, smtp, first
):
    provider.store.online_meeting_reads = 1  # Teams: the link comes on a later read
    confirmation, _ = _book_into_the_connected_calendar(app, client, host, provider)
    _run_only(app, first)
    if first == ASSIGN:  # the meeting waits for the booking's event: nothing made yet
        assert provider.live_events() == []
        with app.app_context():
            assert db.session().scalar(select(Conference)).meeting_id is None
    else:
        (written,) = provider.live_events()
        assert provider.meeting_events() == []
    run_due(app)
    (event,) = provider.live_events()
    join = provider.join_url(event)
    assert re.fullmatch(JOIN[provider.name], join) and provider.title(event) == "Intro call"
    assert provider.meeting_events() == [event]
    if provider.name == "microsoft":
        assert provider.online.calls == []  # no separate online meeting either
    # The invitee sees that same link: confirmation page, e-mail, GET /v1/events.
    html = client.get(local(confirmation)).get_data(as_text=True)
    assert re.search(r'id="join-url"[^>]*>([^<]+)<', html).group(1) == join
    ics = client.get(re.search(r'href="([^"]+invite\.ics)"', html).group(1)).get_data(as_text=True)
    assert f"LOCATION:{join}" in ics.replace("\r\n ", "")
    assert any(join in text for text in texts(smtp, "ada@example.com"))
    booked = [e for e in events(client, host).values() if e["summary"] == "Intro call"]
    assert [e["conferencing"]["join_url"] for e in booked] == [join]
    # Synced back, the one event is the booking's busy time, not a second event.
    pro = next(iter(client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:]))
    client.post(f"/v1/profiles/{pro['profile_id']}/sync", headers=host.headers)
    run_due(app)
    assert [e["summary"] for e in events(client, host).values()].count("Intro call") == 1


def test_reschedule_moves_the_one_event_and_cancel_deletes_it(app, client, host, provider):
    _, starts = _book_into_the_connected_calendar(app, client, host, provider)
    run_due(app)
    (event,) = provider.live_events()
    join = provider.join_url(event)
    booking = _booking(app)
    sessions = app.extensions["schedlink.sessions"]
    later = datetime.fromisoformat(starts[-1].replace("Z", "+00:00"))
    reschedule(sessions, booking.public_id, later, datetime.now(UTC), 14)
    run_due(app)
    (moved,) = provider.live_events()
    assert moved["id"] == event["id"] and provider.start(moved) == later
    assert provider.join_url(moved) == join  # the meeting followed its event
    assert events(client, host)[booking.public_id]["conferencing"]["join_url"] == join
    cancel(sessions, booking.public_id, None, "host", datetime.now(UTC))
    run_due(app)
    assert provider.live_events() == []
    with app.app_context():
        assert db.session().scalar(select(Conference)) is None


def test_two_workers_at_once_leave_one_event_per_booking(app, client, host, provider):
    _book_into_the_connected_calendar(app, client, host, provider)
    link = create_link(client, host, summary="Second call")
    assert book(client, link["url"])[0].status_code == 303
    errors = []

    def work():
        try:
            run_due(app)
        except Exception as exc:  # reported below: a worker must not crash
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    run_due(app)
    assert errors == []
    titles = sorted(provider.title(e) for e in provider.live_events())
    assert titles == ["Intro call", "Second call"]
    assert len(provider.meeting_events()) == 2
    listed = events(client, host)
    joins = {provider.join_url(e) for e in provider.live_events()}
    assert {e["conferencing"]["join_url"] for e in listed.values() if "conferencing" in e} == joins


@pytest.mark.parametrize("provider", ["microsoft"], indirect=True)
def test_a_refused_meeting_keeps_the_booking_and_its_one_event(app, client, host, provider):
    provider.store.calendars["AAMkcal1"]["allowedOnlineMeetingProviders"] = ["skypeForConsumer"]
    _book_into_the_connected_calendar(app, client, host, provider)
    run_due(app)
    booking = _booking(app)
    assert booking.status == "confirmed"
    assert events(client, host)[booking.public_id]["conferencing"] == {"pending": True}
    (event,) = provider.live_events()
    assert event["isOnlineMeeting"] is False and provider.online.calls == []
    with app.app_context():
        conference = db.session().scalar(select(Conference))
        assert conference.status == "failing" and "Teams" in conference.error


def test_a_failing_calendar_write_leaves_the_meeting_pending_then_failing(
    app, client, host, provider
):
    _book_into_the_connected_calendar(app, client, host, provider)
    provider.standin.fail_next(503, times=1000)  # the provider's API is down
    _run_only(app, ASSIGN)  # the meeting waits for the event
    jobs.run_jobs(app)  # the write's first attempt fails
    booking = _booking(app)
    assert booking.status == "confirmed" and provider.live_events() == []
    assert events(client, host)[booking.public_id]["conferencing"] == {"pending": True}
    with app.app_context(), db.write() as s:
        conference = s.scalar(select(Conference))
        assert conference.status == "pending" and "503" in conference.error
        conference.created_at -= timedelta(minutes=11)
        s.execute(update(Job).where(Job.kind == WRITE).values(run_at=datetime.now(UTC)))
    jobs.run_jobs(app)  # the write is retried and fails again: past the grace period now
    with app.app_context():
        assert db.session().scalar(select(Conference)).status == "failing"
    # The provider is back: the event is written and the meeting put on it.
    provider.standin._failures.clear()
    run_due(app)
    (event,) = provider.live_events()
    join = events(client, host)[booking.public_id]["conferencing"]["join_url"]
    assert provider.join_url(event) == join


def test_another_connection_makes_its_own_meeting_as_before(app, client, host, provider):
    """The booking goes to one account's calendar, the meeting is made with another account
    (the stand-in keeps both accounts' events in one store): two events, as before."""
    _book_into_the_connected_calendar(app, client, host, provider)
    with app.app_context(), db.write() as s:  # that booking's meeting is not under test
        s.execute(update(Job).where(Job.status == "pending").values(status="done"))
        s.query(Conference).delete()
    provider.standin.user = StandinUser(email="meetings@example.com")
    other = link_calendar(client, host, provider)
    login(client)
    web_post(client, "/settings/conferencing", "/settings/conferencing/default",
             {"default": other})  # fmt: skip
    link = create_link(client, host, summary="Second call")
    assert book(client, link["url"])[0].status_code == 303
    run_due(app)
    written = [e for e in provider.live_events() if provider.title(e) == "Second call"]
    (meeting,) = provider.meeting_events()
    assert len(written) == 2 and meeting in written
    booked = next(e for e in events(client, host).values() if e["summary"] == "Second call")
    assert booked["conferencing"]["join_url"] == provider.join_url(meeting)
