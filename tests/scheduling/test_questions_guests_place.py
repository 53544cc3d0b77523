"""Issue 25: questions, guests and place on a link — created through the API, asked on the
booking page (without JavaScript), stored on the booking and shown to the host only: e-mail,
.ics, webhooks' booking and GET /v1/events. Bad input: each problem by its field, everything
typed kept, nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import create_link, form_fields, login, path_of
from sqlalchemy import func, select

from backend import db
from backend.core.validation import FieldErrors
from backend.models import Booking
from backend.outbox import worker as jobs
from backend.scheduling.questions import phone_e164, read_answers

QUESTIONS = [
    {"label": "Company", "type": "text", "required": True},
    {"label": "What would you like to discuss?", "type": "textarea"},
    {"label": "Seniority", "type": "choice", "choices": ["Junior", "Senior"], "required": True},
    {"label": "Topics", "type": "choices", "choices": ["Pay", "Team", "Remote"]},
    {"label": "Mobile", "type": "phone"},
    {"label": "I agree to be recorded", "type": "checkbox", "required": True},
]


def _link(client, host, **extra):
    body = {
        "questions": QUESTIONS,
        "max_guests": 2,
        "place": {"type": "in_person", "address": "1 Main St <Berlin> & Co"},
        "conferencing": {"profile_id": "none"},
    }
    return create_link(client, host, **(body | extra))


def _post(client, link, **data):
    page = client.get(path_of(link["url"])).get_data(as_text=True)
    fields = form_fields(page)
    form = {
        "form_token": fields["form_token"], "tz": "Europe/London", "start": fields["starts"][0],
        "name": "Ada Lovelace", "email": "ada@example.com",
    }  # fmt: skip
    form.update(data)
    return client.post(path_of(link["url"]), data=form), fields


GOOD = {
    "answer-q1": "Analytical Engines <Ltd>",
    "answer-q2": "Line one\nLine two",
    "answer-q3": "Senior",
    "answer-q4": ["Pay", "Remote"],
    "answer-q5": "+44 20 7946 0958",
    "answer-q6": "on",
    "guests": "charles@example.com\nmary@example.com",
}


def _count(app):
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Booking))


def test_link_api_returns_questions_guests_and_place(client, host):
    link = _link(client, host)
    assert [q["id"] for q in link["questions"]] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert link["questions"][2] == {
        "id": "q3", "label": "Seniority", "type": "choice", "required": True,
        "choices": ["Junior", "Senior"],
    }  # fmt: skip
    assert link["max_guests"] == 2
    assert link["place"] == {"type": "in_person", "address": "1 Main St <Berlin> & Co"}
    plain = create_link(client, host)
    assert plain["questions"] == [] and plain["max_guests"] == 3 and plain["place"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"questions": [{"type": "text"}]}, "questions.0.label"),
        ({"questions": [{"label": "Pick", "type": "choice"}]}, "questions.0.choices"),
        ({"questions": [{"label": f"Q{i}"} for i in range(21)]}, "questions"),
        ({"questions": [{"label": "X", "type": "colour"}]}, "questions.0.type"),
        ({"questions": "nope"}, "questions"),
        ({"max_guests": 99}, "max_guests"),
        ({"place": {"type": "teleport"}}, "place.type"),
        ({"place": {"type": "in_person"}}, "place.address"),
        ({"place": {"type": "phone", "calls": "invitee", "number": "12"}}, "place.number"),
    ],
)
def test_bad_link_settings_are_422_by_field(client, host, body, field):
    body = {"contact": {"name": "Ada", "email": "ada@example.com"}} | body
    response = client.post("/v1/scheduling_links", json=body, headers=host.headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()


def test_booking_page_asks_and_stores_answers_guests_and_place(app, client, host, smtp):
    link = _link(client, host)
    html = client.get(path_of(link["url"])).get_data(as_text=True)
    assert "1 Main St &lt;Berlin&gt; &amp; Co" in html and "<Berlin>" not in html
    assert "openstreetmap.org/search?query=1%20Main%20St" in html
    for name in ("answer-q1", "answer-q2", "answer-q3", "answer-q4", "answer-q5", "answer-q6"):
        assert f'name="{name}"' in html
    assert 'name="guests"' in html and "up to 2" in html
    response, _ = _post(client, link, **GOOD)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        booking = db.session().scalar(select(Booking))
        assert booking.guests == ["charles@example.com", "mary@example.com"]
        assert booking.location["address"] == "1 Main St <Berlin> & Co"
        answers = {a["label"]: a["value"] for a in booking.answers}
    assert answers == {
        "Company": "Analytical Engines <Ltd>",
        "What would you like to discuss?": "Line one\nLine two",
        "Seniority": "Senior",
        "Topics": ["Pay", "Remote"],
        "Mobile": "+442079460958",
        "I agree to be recorded": True,
    }
    # One mail each: invitee, host and the two guests.
    assert jobs.run_once(app) == 4
    by_rcpt = {rcpt[0]: message for rcpt, message in smtp.messages}
    assert set(by_rcpt) == {
        "ada@example.com",
        host.email,
        "charles@example.com",
        "mary@example.com",
    }

    def parts(message):
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
        body = ics.get_content()
        body = (body.decode() if isinstance(body, bytes) else body).replace("\r\n ", "")
        return html, text, body

    html, text, ics = parts(by_rcpt[host.email])
    assert "Analytical Engines &lt;Ltd&gt;" in html and "<Ltd>" not in html
    assert "Pay, Remote" in text and "+442079460958" in text
    assert "charles@example.com" in html and "1 Main St" in text
    assert "Analytical Engines <Ltd>" in ics and "LOCATION:1 Main St <Berlin> & Co" in ics
    assert "ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:charles@example.com" in ics
    for guest in ("charles@example.com", "mary@example.com", "ada@example.com"):
        html, text, ics = parts(by_rcpt[guest])
        assert "Analytical Engines" not in html + text + ics  # answers: the host's only
        assert "1 Main St" in text and "METHOD:REQUEST" in ics
        assert "LOCATION:1 Main St" in ics
    assert "added you as a guest" in parts(by_rcpt["mary@example.com"])[1]


def test_events_api_lists_answers_attendees_and_location(app, client, host):
    link = _link(client, host)
    assert _post(client, link, **GOOD)[0].status_code == 303
    now = datetime.now(UTC)
    query = {"from": now.isoformat(), "to": (now + timedelta(days=30)).isoformat()}
    events = client.get("/v1/events", query_string=query, headers=host.headers).get_json()
    booked = [e for e in events["events"] if e.get("answers") is not None]
    assert len(booked) == 1
    event = booked[0]
    assert {"label": "Topics", "value": ["Pay", "Remote"]} in event["answers"]
    assert [a["email"] for a in event["attendees"]] == [
        "ada@example.com", "charles@example.com", "mary@example.com",
    ]  # fmt: skip
    assert event["location"] == {"description": "1 Main St <Berlin> & Co"}


def test_bad_answers_are_shown_by_their_field_and_nothing_is_stored(app, client, host):
    link = _link(client, host)
    bad = GOOD | {
        "answer-q1": "",
        "answer-q3": "Chief",
        "answer-q5": "+44 12",
        "answer-q6": "",
        "answer-q2": "x" * 2001,
        "guests": "charles@example.com\nnot-an-address",
    }
    response, _ = _post(client, link, **bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("answer-q1", "answer-q2", "answer-q3", "answer-q5", "answer-q6", "guests"):
        assert f'id="{field}-error"' in html, field
    assert "not-an-address" in html and "+44 12" in html  # kept as typed
    assert 'value="Remote" checked' in html
    too_many = GOOD | {"guests": "a@example.com b@example.com c@example.com"}
    response, _ = _post(client, link, **too_many)
    assert response.status_code == 422 and "up to 2 guests" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_phone_place_asks_the_invitees_number(app, client, host):
    link = create_link(
        client, host, place={"type": "phone", "calls": "host"}, conferencing={"profile_id": "none"}
    )
    response, _ = _post(client, link, phone="nope")
    assert response.status_code == 422 and 'id="phone-error"' in response.get_data(as_text=True)
    response, _ = _post(client, link, phone="+1 415 555 2671")
    assert response.status_code == 303
    with app.app_context():
        booking = db.session().scalar(select(Booking))
        assert booking.location == {"type": "phone", "calls": "host", "number": "+14155552671"}


def test_read_answers_unit():
    questions = [
        {"id": "q1", "label": "Topics", "type": "choices", "required": False,
         "choices": ["A", "B"]},
    ]  # fmt: skip
    errors = FieldErrors()
    assert read_answers(questions, {"q1": ["B", "Z"]}, errors) is None
    assert "answer-q1" in errors.errors
    errors = FieldErrors()
    assert read_answers(questions, {"q1": ["B", "A"]}, errors)[0]["value"] == ["A", "B"]
    assert phone_e164("0044 20 7946 0958") == "+442079460958"
    assert phone_e164("+1 555") is None


def test_dashboard_shows_the_host_answers_guests_and_place_escaped(app, client, host):
    link = _link(client, host)
    assert _post(client, link, **GOOD)[0].status_code == 303
    login(client)
    html = client.get("/").get_data(as_text=True)
    assert "Analytical Engines &lt;Ltd&gt;" in html and "<Ltd>" not in html
    assert "Pay, Remote" in html and "+442079460958" in html
    assert "Guests: charles@example.com, mary@example.com" in html
    assert "1 Main St &lt;Berlin&gt; &amp; Co" in html


def test_confirmation_page_shows_the_place(app, client, host):
    link = _link(client, host)
    response, _ = _post(client, link, **GOOD)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 Main St &lt;Berlin&gt; &amp; Co" in page and 'id="place"' in page
    assert "charles@example.com" in page
