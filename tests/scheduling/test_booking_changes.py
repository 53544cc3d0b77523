"""After booking: confirmation page, .ics, add-to-calendar, cancel and reschedule links,
the 12/24-hour choice carried through, and the e-mails each change sends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from helpers import book, create_link, form_fields, path_of
from sqlalchemy import select, update

from backend import db
from backend.models import Booking, Event
from backend.outbox import worker as jobs
from backend.scheduling import changes as booking_changes


def _booked(client, host, **link_body):
    link = create_link(client, host, **link_body)
    response, fields = book(client, link["url"])
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    return link, fields, response.headers["Location"], page.get_data(as_text=True)


def _href(html: str, element_id: str) -> str:
    return unescape(re.search(rf'href="([^"]+)" id="{element_id}"', html).group(1))


def test_confirmation_offers_ics_calendar_links_and_self_service(client, host):
    _link, fields, location, html = _booked(client, host, summary="Intro call")
    assert "Download .ics" in html
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in html
    start = fields["starts"][0]
    stamp = start.replace("-", "").replace(":", "")
    assert stamp in unescape(html)  # Google's dates=YYYYMMDDTHHMMSSZ/…
    ics = client.get(location + "/invite.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body and "SUMMARY:Intro call with Grace Hopper" in body
    assert f"DTSTART:{stamp}" in body
    assert ics.headers["Cache-Control"] == "no-store"
    assert _href(html, "cancel").startswith("http://schedlink.test/booking/cancel/")
    assert _href(html, "reschedule").startswith("http://schedlink.test/booking/reschedule/")


def test_tokens_are_purpose_bound(client, host):
    _link, _fields, location, html = _booked(client, host)
    cancel_token = _href(html, "cancel").rsplit("/", 1)[1]
    reschedule_token = _href(html, "reschedule").rsplit("/", 1)[1]
    confirmation_token = location.rsplit("/", 1)[1]
    assert client.get(f"/booking/reschedule/{cancel_token}").status_code == 404
    assert client.get(f"/booking/cancel/{reschedule_token}").status_code == 404
    assert client.get(f"/booking/cancel/{confirmation_token}").status_code == 404
    assert client.get(f"/b/{cancel_token}").status_code == 404


def test_cancel_frees_the_slot_and_tells_both(app, client, host, smtp):  # noqa: F811
    # No meeting: the job counts below are the two e-mails (invitee, host) alone.
    link, fields, _location, html = _booked(client, host, conferencing={"profile_id": "none"})
    assert jobs.run_once(app) == 2
    smtp.messages.clear()
    cancel_url = path_of(_href(html, "cancel"))
    page = client.get(cancel_url)
    assert page.status_code == 200 and "Cancel this meeting?" in page.get_data(as_text=True)
    form_token = form_fields(page.get_data(as_text=True))["form_token"]
    done = client.post(cancel_url, data={"form_token": form_token, "reason": "Ill <b>today</b>"})
    assert done.status_code == 200 and "is cancelled" in done.get_data(as_text=True)
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        assert booking.status == "cancelled" and booking.cancelled_by == "invitee"
        assert booking.cancel_reason == "Ill <b>today</b>" and booking.sequence == 1
        event = db.session().scalars(select(Event)).one()
        assert event.status == "cancelled"
    # The slot is offered again by another link.
    other = create_link(client, host)
    assert (
        fields["starts"][0]
        in form_fields(client.get(path_of(other["url"])).get_data(as_text=True))["starts"]
    )
    assert jobs.run_once(app) == 2
    assert len(smtp.messages) == 2
    for _rcpt, message in smtp.messages:
        assert message["Subject"].startswith("Cancelled:")
        ics = next(
            p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
        ).get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert "METHOD:CANCEL" in ics and "SEQUENCE:1" in ics and "STATUS:CANCELLED" in ics
        assert "&lt;b&gt;today" in message.get_body(("html",)).get_content()
    # Cancelling twice: a clear page, not an error.
    again = client.get(cancel_url)
    assert again.status_code == 410 and "cancelled" in again.get_data(as_text=True)


def test_reschedule_moves_the_booking_atomically(app, client, host, smtp):  # noqa: F811
    link, fields, _location, html = _booked(client, host)
    jobs.run_once(app)
    smtp.messages.clear()
    url = path_of(_href(html, "reschedule"))
    page = client.get(url).get_data(as_text=True)
    assert "Pick a new time" in page
    offered = form_fields(page)
    assert fields["starts"][0] not in offered["starts"], "its own time is no choice"
    assert fields["starts"][1] in offered["starts"], "its own time is not busy for itself"
    new_start = offered["starts"][-1]
    moved = client.post(url, data={"form_token": offered["form_token"], "start": new_start})
    assert moved.status_code == 303
    confirmation = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert new_start in confirmation
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        event = db.session().scalars(select(Event)).one()
        assert booking.status == "confirmed" and booking.sequence == 1
        assert (
            booking.start_at
            == event.start_at
            == datetime.fromisoformat(new_start.replace("Z", "+00:00"))
        )
    jobs.run_once(app)
    subjects = sorted(m["Subject"] for _r, m in smtp.messages)
    assert all(s.startswith("Moved:") for s in subjects) and len(subjects) == 2
    for _r, message in smtp.messages:
        ics = next(
            p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
        ).get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert "METHOD:REQUEST" in ics and "SEQUENCE:1" in ics
    # The link itself stays used up.
    assert client.get(path_of(link["url"])).status_code == 410


def test_reschedule_page_says_the_current_time_and_the_same_time_is_no_move(
    app, client, host, smtp
):
    _link, fields, _location, html = _booked(client, host, conferencing={"profile_id": "none"})
    assert jobs.run_once(app) == 2
    smtp.messages.clear()
    url = path_of(_href(html, "reschedule"))
    page = client.get(url + "?tz=Europe/London&h=24").get_data(as_text=True)
    current = datetime.fromisoformat(fields["starts"][0].replace("Z", "+00:00"))
    london = current.astimezone(ZoneInfo("Europe/London"))
    said = re.search(r'Now booked for <strong id="current-time">([^<]+)</strong>', page)
    assert said and f"{london:%H:%M}" in said.group(1) and str(london.day) in said.group(1)
    offered = form_fields(page)
    assert fields["starts"][0] not in offered["starts"]

    # A page opened before (or a hand-made form) sends the same time: nothing happens.
    same = client.post(
        url, data={"form_token": offered["form_token"], "start": fields["starts"][0]}
    )
    assert same.status_code == 200
    text = unescape(same.get_data(as_text=True))
    assert "That is the time you are already booked for, so nothing changed" in text
    assert "Now booked for" in text
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        assert booking.sequence == 0 and booking.start_at == current
    assert jobs.run_once(app) == 0
    assert smtp.messages == []


def test_reschedule_onto_a_taken_time_is_409(app, client, host):
    _link, fields, _location, html = _booked(client, host)
    url = path_of(_href(html, "reschedule"))
    offered = form_fields(client.get(url).get_data(as_text=True))
    target = offered["starts"][-1]
    blocker = create_link(client, host)
    assert book(client, blocker["url"], start=target)[0].status_code == 303
    response = client.post(url, data={"form_token": offered["form_token"], "start": target})
    assert response.status_code == 409
    with app.app_context():
        moved = (
            db.session()
            .scalars(
                select(Booking).where(
                    Booking.start_at
                    == datetime.fromisoformat(fields["starts"][0].replace("Z", "+00:00"))
                )
            )
            .one()
        )
        assert moved.sequence == 0


def test_past_meetings_cannot_be_changed(app, client, host):
    _link, _fields, _location, html = _booked(client, host)
    with app.app_context(), db.write() as s:
        past = datetime.now(UTC) - timedelta(hours=2)
        s.execute(update(Booking).values(start_at=past, end_at=past + timedelta(minutes=30)))
    for element in ("cancel", "reschedule"):
        response = client.get(path_of(_href(html, element)))
        assert response.status_code == 410
        assert "already started" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "expected"), [("en-US,en;q=0.9", "12"), ("de-DE", "24"), ("en-GB", "24"), ("", "24")]
)
def test_clock_defaults_from_the_locale(client, host, accept, expected):
    link = create_link(client, host)
    html = client.get(path_of(link["url"]), headers={"Accept-Language": accept}).get_data(
        as_text=True
    )
    assert f'name="h" value="{expected}"' in html
    if expected == "12":
        assert re.search(r"<span>\d{1,2}:\d\d (am|pm)</span>", html)
    else:
        assert re.search(r"<span>\d\d:\d\d</span>", html)


def test_twelve_hour_choice_sticks_through_confirmation_and_email(app, client, host, smtp):  # noqa: F811
    link = create_link(client, host)
    page = client.get(path_of(link["url"]) + "?h=12&tz=America/New_York").get_data(as_text=True)
    fields = form_fields(page)
    assert fields["h"] == "12" and fields["tz"] == "America/New_York"
    response = client.post(
        path_of(link["url"]),
        data={
            "form_token": fields["form_token"],
            "start": fields["starts"][0],
            "name": "Ada",
            "email": "ada@example.com",
            "tz": fields["tz"],
            "h": fields["h"],
        },
    )
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(
        r"\d{1,2}:\d\d (am|pm)–\d{1,2}:\d\d (am|pm) \(America/New York\)", confirmation
    )
    jobs.run_once(app)
    invitee_mail = next(m for r, m in smtp.messages if r == ["ada@example.com"])
    assert re.search(
        r"(am|pm) \(America/New York\)", invitee_mail.get_body(("plain",)).get_content()
    )


def test_zone_picker_and_month_view(client, host):
    link = create_link(client, host)
    html = client.get(path_of(link["url"]) + "?tz=Asia/Kolkata").get_data(as_text=True)
    assert 'list="zones"' in html and '<option value="Asia/Kolkata">' in html
    days = re.findall(r'<h3 id="day-(\d{4}-\d\d-\d\d)"', html)
    assert days and all(f'href="#day-{d}"' in html for d in days)
    assert "Kolkata, India · GMT+5:30 · now" in html
    bogus = client.get(path_of(link["url"]) + "?tz=Not/AZone&h=7").get_data(as_text=True)
    assert 'name="tz" value="Not/AZone"' not in bogus
    assert "We don't know the time zone “Not/AZone”" in bogus
    # Without the script, a city typed in the zone field is enough.
    city = client.get(path_of(link["url"]) + "?tz=new+york").get_data(as_text=True)
    assert 'name="tz" value="America/New_York"' in city and "We don" not in city


def test_booking_posts_are_rate_limited(app, client, host):
    app.config["RATELIMIT_BOOKING"] = "3/minute"
    link = create_link(client, host)
    codes = [client.post(path_of(link["url"]), data={}).status_code for _ in range(4)]
    assert codes[:3] == [400, 400, 400] and codes[3] == 429
    limited = client.post(path_of(link["url"]), data={})
    assert int(limited.headers["Retry-After"]) >= 1


def test_disabling_the_link_stops_reschedules_but_not_cancels(app, client, host):
    link, fields, _location, html = _booked(client, host, max_uses=3)
    url = path_of(_href(html, "reschedule"))
    offered = form_fields(client.get(url).get_data(as_text=True))
    disabled = client.post(
        f"/v1/scheduling_links/{link['id']}/disable",
        json={"display_message": "Position filled"},
        headers=host.headers,
    )
    assert disabled.get_json()["scheduling_link"]["status"] == "disabled"
    page = client.get(url)
    assert page.status_code == 410 and "Position filled" in page.get_data(as_text=True)
    moved = client.post(
        url, data={"form_token": offered["form_token"], "start": offered["starts"][-1]}
    )
    assert moved.status_code == 410
    with app.app_context():
        booking = db.session().scalars(select(Booking)).one()
        assert booking.sequence == 0 and booking.status == "confirmed"
        assert booking.start_at == datetime.fromisoformat(
            fields["starts"][0].replace("Z", "+00:00")
        )
    # The domain refuses it too, whichever face asks.
    with pytest.raises(booking_changes.BookingNotChangeable):
        booking_changes.reschedule(
            app.extensions["schedlink.sessions"], booking.public_id, booking.start_at,
            datetime.now(UTC), 14,
        )  # fmt: skip
    cancel_url = path_of(_href(html, "cancel"))
    form_token = form_fields(client.get(cancel_url).get_data(as_text=True))["form_token"]
    assert client.post(cancel_url, data={"form_token": form_token}).status_code == 200


def _subjects(smtp) -> dict:
    return {rcpt[0]: str(message["Subject"]) for rcpt, message in smtp.messages}


def _ics_summary(message) -> str:
    ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    body = ics.get_content()
    body = (body.decode() if isinstance(body, bytes) else body).replace("\r\n ", "")
    return re.search(r"^SUMMARY:(.*)$", body, re.M).group(1).strip()


@pytest.mark.parametrize(
    ("summary", "invitee_title", "host_title"),
    [
        (None, "Meeting with Grace Hopper", "Meeting with Ada Lovelace"),
        ("Intro call", "Intro call with Grace Hopper", "Intro call with Ada Lovelace"),
        # A summary that names someone already: nothing is added for them.
        ("Call: Grace Hopper / Ada", "Call: Grace Hopper / Ada",
         "Call: Grace Hopper / Ada with Ada Lovelace"),
        ("Interview: Ada Lovelace", "Interview: Ada Lovelace with Grace Hopper",
         "Interview: Ada Lovelace"),
    ],
)  # fmt: skip
def test_the_summary_names_each_side_once(
    app, client, host, smtp, summary, invitee_title, host_title
):
    body = {"conferencing": {"profile_id": "none"}} | ({"summary": summary} if summary else {})
    link = create_link(client, host, **body)
    assert link["summary"] == (summary or "Meeting")
    offer = client.get(path_of(link["url"])).get_data(as_text=True)
    assert f"<title>{invitee_title} · schedlink</title>" in unescape(offer)
    assert "Grace Hopper with Grace Hopper" not in unescape(offer)
    response, _ = book(client, link["url"])
    location = response.headers["Location"]
    page = unescape(client.get(location).get_data(as_text=True))
    assert f"<title>Booked: {invitee_title} · schedlink</title>" in page
    assert f'<p class="what">{invitee_title}</p>' in page
    ics = client.get(location + "/invite.ics").get_data(as_text=True).replace("\r\n ", "")
    assert f"SUMMARY:{invitee_title}" in ics.splitlines()
    add_links = re.findall(r'href="(https://(?:calendar\.google|outlook\.live)[^"]+)"', page)
    assert len(add_links) == 2
    for calendar_link in add_links:
        query = parse_qs(urlsplit(calendar_link).query)
        assert (query.get("text") or query.get("subject")) == [invitee_title]
    assert jobs.run_once(app) == 2
    assert _subjects(smtp) == {
        "ada@example.com": f"Confirmed: {invitee_title}",
        host.email: f"New: {host_title}",
    }
    for rcpt, message in smtp.messages:
        title = invitee_title if rcpt[0] == "ada@example.com" else host_title
        assert _ics_summary(message) == title
        assert title in message.get_body(("plain",)).get_content()
    smtp.messages.clear()
    cancel_url = path_of(_href(page.replace("&", "&amp;"), "cancel"))
    cancel_page = unescape(client.get(cancel_url).get_data(as_text=True))
    assert f"<p>{invitee_title}</p>" in cancel_page
    form_token = form_fields(cancel_page)["form_token"]
    done = unescape(client.post(cancel_url, data={"form_token": form_token}).get_data(as_text=True))
    assert f"<p>{invitee_title}, " in done
    assert jobs.run_once(app) == 2
    assert _subjects(smtp) == {
        "ada@example.com": f"Cancelled: {invitee_title}",
        host.email: f"Cancelled: {host_title}",
    }


def _aged(app, token: str, hours: float = 7) -> str:
    tokens = app.extensions["schedlink.tokens"]
    issued = int(datetime.now(UTC).timestamp() - hours * 3600)
    return tokens.dumps("booking-form", tokens.loads("booking-form", token), issued_at=issued)


def test_reschedule_and_cancel_pages_open_for_hours_ask_again(app, client, host):
    _link, _fields, _location, html = _booked(client, host)
    url = path_of(_href(html, "reschedule"))
    offered = form_fields(client.get(url).get_data(as_text=True))
    target = offered["starts"][-1]
    old = _aged(app, offered["form_token"])
    moved = client.post(url, data={"form_token": old, "start": target})
    assert moved.status_code == 409
    page = moved.get_data(as_text=True)
    assert "This page was open for a long time; check the time and confirm again." in page
    assert f'name="start" value="{target}" required checked' in page
    fresh = form_fields(page)["form_token"]
    assert client.post(url, data={"form_token": fresh, "start": target}).status_code == 303

    cancel_url = path_of(_href(html, "cancel"))
    old = _aged(app, form_fields(client.get(cancel_url).get_data(as_text=True))["form_token"])
    asked = client.post(cancel_url, data={"form_token": old, "reason": "Ill <b>today</b>"})
    assert asked.status_code == 409
    page = asked.get_data(as_text=True)
    assert "This page was open for a long time" in page
    assert ">Ill &lt;b&gt;today&lt;/b&gt;</textarea>" in page
    with app.app_context():
        assert db.session().scalars(select(Booking)).one().status == "confirmed"
    fresh = form_fields(page)["form_token"]
    done = client.post(cancel_url, data={"form_token": fresh, "reason": "Ill"})
    assert done.status_code == 200 and "is cancelled" in done.get_data(as_text=True)


def _cancel(client, html: str):
    cancel_url = path_of(_href(html, "cancel"))
    form_token = form_fields(client.get(cancel_url).get_data(as_text=True))["form_token"]
    return cancel_url, client.post(cancel_url, data={"form_token": form_token})


def test_cancelled_and_turned_off_pages_offer_a_next_step(client, host):
    # A link with a use left: the cancelled page (and the cancel link opened again) books again.
    link, _fields, _location, html = _booked(client, host, max_uses=2)
    cancel_url, done = _cancel(client, html)
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and _href(page, "book-again") == link["url"]
    again = client.get(cancel_url)
    assert again.status_code == 410 and _href(again.get_data(as_text=True), "book-again")

    # A one-time link is used up: reply to the host and ask for a new link; no booking button.
    _link, _fields, _location, html = _booked(client, host)
    cancel_url, done = _cancel(client, html)
    page = unescape(done.get_data(as_text=True))
    assert 'id="book-again"' not in page
    assert re.search(r"Reply to the message this link came with and ask\s+Grace Hopper", page)
    again = unescape(client.get(cancel_url).get_data(as_text=True))
    assert 'id="book-again"' not in again and "reply to the message" in again

    # A turned-off link says what to do next.
    off = create_link(client, host)
    client.post(f"/v1/scheduling_links/{off['id']}/disable", json={}, headers=host.headers)
    page = unescape(client.get(path_of(off["url"])).get_data(as_text=True))
    assert 'id="next-step"' in page and "reply to the message this link came with" in page
    assert "Grace Hopper" in page
