"""U+0000 typed (or sent) into the public pages' forms: booking (`POST /b/<token>`: name,
note, e-mail, zone, time), cancelling (the reason) and rescheduling (the time). PostgreSQL
refuses NUL in text, so an uncleaned value would be a 500 there; on both databases the
answer is a cleaned value or a clear 4xx page (which does not echo the NUL back), never a
500."""

from __future__ import annotations

import re
from html import unescape

from helpers import create_link, form_fields, path_of
from sqlalchemy import select

from backend import db
from backend.models import Booking


def _href(html: str, element_id: str) -> str:
    return unescape(re.search(rf'href="([^"]+)" id="{element_id}"', html).group(1))


def test_nul_in_the_booking_name_and_note_is_cleaned_not_a_500(app, client, host):
    link = create_link(client, host, conferencing={"profile_id": "none"})
    fields = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    response = client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "tz": "Europe/London",
              "start": fields["starts"][0], "name": "Ada\x00 Lovelace",
              "email": "ada@example.com", "notes": "Step-free\x00 access, please.\n\x00"},
    )  # fmt: skip
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        assert booking.invitee_name == "Ada Lovelace"
        assert booking.invitee_notes == "Step-free access, please."
    # Cancel with a NUL in the reason: cleaned, cancelled.
    cancel = path_of(_href(confirmation, "cancel"))
    form = form_fields(client.get(cancel).get_data(as_text=True))
    done = client.post(cancel, data={"form_token": form["form_token"], "reason": "Ill\x00 today"})
    assert done.status_code == 200 and "is cancelled" in done.get_data(as_text=True)
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        assert booking.status == "cancelled" and booking.cancel_reason == "Ill today"


def test_nul_in_the_other_booking_fields_is_a_clear_4xx(app, client, host):
    link = create_link(client, host, conferencing={"profile_id": "none"})
    page = path_of(link["url"])
    fields = form_fields(client.get(page).get_data(as_text=True))
    good = {"form_token": fields["form_token"], "tz": "Europe/London",
            "start": fields["starts"][0], "name": "Ada", "email": "ada@example.com"}  # fmt: skip
    for field, value in (
        ("name", "\x00"), ("email", "\x00"), ("start", "\x00"),
        ("form_token", fields["form_token"] + "\x00"),
    ):  # fmt: skip
        response = client.post(page, data={**good, field: value})
        assert 400 <= response.status_code < 500, (field, response.status_code)
        assert "\x00" not in response.get_data(as_text=True), "not echoed into the page"
    # In the address and the zone a NUL is dropped (an unknown zone is not kept): booked.
    response = client.post(
        page, data={**good, "email": "ada\x00@example.com", "tz": "Europe/London\x00"}
    )
    assert response.status_code == 303
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        assert booking.invitee_email == "ada@example.com" and booking.invitee_tzid is None


def test_nul_in_the_reschedule_and_cancel_forms_is_a_clear_4xx(app, client, host):
    link = create_link(client, host, conferencing={"profile_id": "none"})
    fields = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    booked = client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0], "name": "Ada",
              "email": "ada@example.com"},
    )  # fmt: skip
    confirmation = client.get(booked.headers["Location"]).get_data(as_text=True)
    move = path_of(_href(confirmation, "reschedule"))
    offer = form_fields(client.get(move).get_data(as_text=True))
    for data in ({"form_token": offer["form_token"], "start": "\x00"},
                 {"form_token": "\x00", "start": offer["starts"][-1]}):  # fmt: skip
        response = client.post(move, data=data)
        assert 400 <= response.status_code < 500, (data, response.status_code)
    cancel = path_of(_href(confirmation, "cancel"))
    response = client.post(cancel, data={"form_token": "x\x00", "reason": "x"})
    assert 400 <= response.status_code < 500
    with app.app_context():
        assert db.session().scalars(select(Booking)).one().status == "confirmed"
