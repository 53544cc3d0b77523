"""Issue 25: reminders are outbox jobs planned with the booking (run_at = start − offset),
sent by the worker at the right minute on a clock the test controls — exactly once, never
after a cancel, re-planned after a reschedule — and the invitation carries matching VALARMs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import create_link, form_fields, path_of
from sqlalchemy import select

from backend import db
from backend.models import Booking, Job
from backend.outbox import worker as jobs
from backend.scheduling import cancel, reschedule
from backend.scheduling.reminders import KIND


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _book_last(client, link):
    fields = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    start = fields["starts"][-1]  # days ahead: every reminder is still to come
    response = client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "tz": "Europe/London", "start": start,
              "name": "Ada Lovelace", "email": "ada@example.com"},
    )  # fmt: skip
    assert response.status_code == 303
    return _parse(start), fields["starts"]


@pytest.fixture
def clock(monkeypatch):
    """The worker's clock, set by the test."""
    state = {"now": datetime.now(UTC)}
    monkeypatch.setattr(jobs, "_now", lambda: state["now"])
    return state


def _reminder_mails(smtp):
    return [(r[0], m) for r, m in smtp.messages if m["Subject"].startswith("Reminder:")]


def _reminder_jobs(app):
    with app.app_context():
        return list(db.session().scalars(select(Job).where(Job.kind == KIND).order_by(Job.id)))


def test_reminders_are_sent_at_their_minute_exactly_once(app, client, host, smtp, clock):
    link = create_link(
        client, host, conferencing={"profile_id": "none"},
        place={"type": "in_person", "address": "1 Main St, Berlin"},
    )  # fmt: skip
    assert link["reminders"] == [1440, 60]
    start, _ = _book_last(client, link)
    planned = _reminder_jobs(app)
    assert sorted({j.run_at for j in planned}) == [
        start - timedelta(hours=24), start - timedelta(hours=1),
    ]  # fmt: skip
    assert len(planned) == 4  # two offsets × (invitee, host)
    jobs.run_once(app)  # the confirmations
    smtp.messages.clear()
    clock["now"] = start - timedelta(hours=24, minutes=1)
    jobs.run_once(app)
    assert _reminder_mails(smtp) == []
    clock["now"] = start - timedelta(hours=24)
    assert jobs.run_once(app) == 2
    mails = dict(_reminder_mails(smtp))
    assert set(mails) == {"ada@example.com", host.email}
    text = mails["ada@example.com"].get_body(("plain",)).get_content()
    assert "tomorrow" in text and "1 Main St, Berlin" in text
    assert "/booking/reschedule/" in text and "/booking/cancel/" in text
    assert "/booking/" not in mails[host.email].get_body(("plain",)).get_content()
    assert jobs.run_once(app) == 0  # sent once
    clock["now"] = start - timedelta(minutes=59)
    assert jobs.run_once(app) == 2
    assert len(_reminder_mails(smtp)) == 4
    assert jobs.run_once(app) == 0


def test_a_cancelled_booking_sends_no_reminder(app, client, host, smtp, clock):
    link = create_link(client, host, conferencing={"profile_id": "none"}, reminders=[60])
    start, _ = _book_last(client, link)
    with app.app_context():
        booking_id = db.session().scalar(select(Booking.public_id))
    cancel(app.extensions["schedlink.sessions"], booking_id, None, "invitee", datetime.now(UTC))
    clock["now"] = start
    jobs.run_once(app)
    assert _reminder_mails(smtp) == []


def test_a_rescheduled_booking_is_reminded_at_its_new_time_only(app, client, host, smtp, clock):
    link = create_link(client, host, conferencing={"profile_id": "none"}, reminders=[60])
    start, starts = _book_last(client, link)
    new_start = _parse(starts[-3])
    with app.app_context():
        booking_id = db.session().scalar(select(Booking.public_id))
    reschedule(
        app.extensions["schedlink.sessions"], booking_id, new_start, datetime.now(UTC),
        app.config["BOOKING_WINDOW_DAYS"],
    )  # fmt: skip
    runs = sorted(j.run_at for j in _reminder_jobs(app))
    assert new_start - timedelta(hours=1) in runs
    jobs.run_once(app)
    smtp.messages.clear()
    clock["now"] = new_start - timedelta(minutes=59)
    jobs.run_once(app)
    assert len(_reminder_mails(smtp)) == 2
    clock["now"] = start  # the old time's reminders find the start moved: nothing
    jobs.run_once(app)
    assert len(_reminder_mails(smtp)) == 2


def test_the_invitation_carries_matching_valarms(app, client, host, smtp):
    link = create_link(client, host, conferencing={"profile_id": "none"}, reminders=[90, 15])
    _book_last(client, link)
    jobs.run_once(app)
    for _rcpt, message in smtp.messages:
        ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
        body = ics.get_content()
        body = body.decode() if isinstance(body, bytes) else body
        assert body.count("BEGIN:VALARM") == 2
        assert "TRIGGER:-PT1H30M" in body and "TRIGGER:-PT15M" in body


def test_bad_reminders_are_422(client, host):
    for bad in ([0], "60", [60] * 6, [60.5], [True]):
        response = client.post(
            "/v1/scheduling_links",
            json={"contact": {"email": "ada@example.com"}, "reminders": bad},
            headers=host.headers,
        )
        assert response.status_code == 422 and "reminders" in response.get_json()["errors"]
    assert create_link(client, host, reminders=[])["reminders"] == []


def test_moved_emails_state_the_old_and_the_new_time(app, client, host, smtp):
    link = create_link(client, host, conferencing={"profile_id": "none"}, reminders=[])
    start, starts = _book_last(client, link)
    with app.app_context():
        booking_id = db.session().scalar(select(Booking.public_id))
    reschedule(
        app.extensions["schedlink.sessions"], booking_id, _parse(starts[-3]), datetime.now(UTC),
        app.config["BOOKING_WINDOW_DAYS"],
    )  # fmt: skip
    jobs.run_once(app)
    moved = [m for _r, m in smtp.messages if m["Subject"].startswith("Moved:")]
    assert len(moved) == 2
    old = start.strftime("%H:%M")
    for message in moved:
        text = message.get_body(("plain",)).get_content()
        assert "Was:" in text and old in text.split("Was:")[1].splitlines()[0]
        assert 'id="was"' in message.get_body(("html",)).get_content()
