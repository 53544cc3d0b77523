"""A round-robin booking's meeting is its seated host's own, and a move that hands the booking
to another host hands the meeting on. Grace (the link's owner) makes Meet meetings on her
Google calendar's events, Alan Teams meetings on his Outlook calendar's: booked with Grace, the
Meet sits on her event; moved to Alan, her event and its Meet are deleted and the invitee gets
a Teams meeting on Alan's event — page, "Moved" e-mail and its .ics, /v1/events and webhooks.
A link naming Grace's Zoom, moved to Alan who has no Zoom and wants no meetings: her Zoom
meeting is deleted (retried when Zoom fails) and the booking has no meeting, as a new booking
with Alan has none. Against the providers' stand-ins at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conferencing_helpers import (
    JOIN,
    RETURN_TO,
    Provider,
    events,
    link_calendar,
    local,
    run_due,
    texts,
)
from helpers import (
    book,
    create_link,
    form_fields,
    login,
    make_host,
    path_of,
    web_post,
    webhook_bodies,
)
from oauth_browser import come_back
from sqlalchemy import select
from standins import StandinProvider, StandinUser, query_of, zoom_meetings

from backend import db
from backend.accounts import organization_named
from backend.core.validation import format_utc
from backend.models import Account, Booking, Calendar
from backend.outbox import worker as jobs
from backend.scheduling import manage_urls

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture(scope="module")
def providers():
    google, microsoft = Provider("google"), Provider("microsoft")
    zoom = StandinProvider("zoom")
    zoom.meetings_bp = zoom_meetings.blueprint(zoom)
    zoom.register(zoom.meetings_bp)
    with google.standin, microsoft.standin, zoom:
        yield google, microsoft, zoom


@pytest.fixture
def app_config(providers):
    google, microsoft, zoom = providers
    google.reset()
    microsoft.reset()
    microsoft.standin.user = StandinUser(email="alan@example.com", name="Alan Turing")
    zoom.meetings_bp.meetings.clear()
    zoom.meetings_bp.calls.clear()
    return {"OUTBOUND_ALLOW": ["127.0.0.1"], **google.standin.config(),
            **microsoft.standin.config(), **zoom.config()}  # fmt: skip


@pytest.fixture
def alan(app, host):
    alan = make_host(app, email="alan@example.com", name="Alan Turing", tzid="UTC")
    with app.app_context(), db.write() as s:
        organization = organization_named(s, "Acme")
        for h in (host, alan):
            s.get(Account, h.account_id).organization_id = organization.id
    return alan


def _around_the_clock(client, h) -> None:
    body = {"tzid": "UTC", "min_notice_minutes": 0, "buffer": {"before": 0, "after": 0},
            "weekly_periods": [{"day": d, "start_time": "00:00", "end_time": "00:00"}
                               for d in DAYS]}  # fmt: skip
    assert client.put("/v1/availability_rules", json=body, headers=h.headers).status_code in (
        200, 202,
    )  # fmt: skip


def _ready(app, client, h, provider) -> None:
    """Hours around the clock, the provider's calendar as the booking calendar, a channel."""
    _around_the_clock(client, h)
    pro = link_calendar(client, h, provider)
    run_due(app)  # the first sync lists the calendars
    listed = client.get("/v1/calendars", headers=h.headers).get_json()["calendars"]
    ours = next(c for c in listed if c["profile_id"] == pro)
    chosen = client.put("/v1/booking_calendar", json={"calendar_id": ours["calendar_id"]},
                        headers=h.headers)  # fmt: skip
    assert chosen.status_code == 200, chosen.get_json()
    made = client.post("/v1/channels", json={"callback_url": f"http://127.0.0.1:9/{h.sub}"},
                       headers=h.headers)  # fmt: skip
    assert made.status_code == 201, made.get_json()


def _local_calendar(app, h) -> str:
    with app.app_context():
        return db.session().scalar(
            select(Calendar.public_id).where(
                Calendar.account_id == h.account_id, Calendar.profile_id.is_(None)
            )
        )


def _invitee_mails(smtp) -> list:
    return [m for to, m in smtp.messages if "ada@example.com" in to]


def _base() -> datetime:
    return (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                          microsecond=0)  # fmt: skip


def _team_link(client, grace, alan, summary="Intro call", **body) -> dict:
    return create_link(client, grace, summary=summary, hosts={
        "members": [{"sub": grace.sub}, {"sub": alan.sub}], "required": 1}, **body)  # fmt: skip


def _busy(app, client, h, start: datetime) -> None:
    busy = client.post(f"/v1/calendars/{_local_calendar(app, h)}/events", json={
        "event_id": f"busy-{start:%H}", "summary": "Busy", "start": format_utc(start),
        "end": format_utc(start + timedelta(hours=1))}, headers=h.headers)  # fmt: skip
    assert busy.status_code == 202


def _move(app, client, start: datetime):
    """The invitee moves the one booking on its reschedule page."""
    with app.app_context():
        booking = db.session().scalar(select(Booking))
        urls = manage_urls(app.extensions["schedlink.tokens"], app.config["BASE_URL"], booking)
    page = path_of(urls["reschedule"])
    fields = form_fields(client.get(page).get_data(as_text=True))
    moved = client.post(page, data={"form_token": fields["form_token"],
                                    "start": format_utc(start)})  # fmt: skip
    assert moved.status_code == 303
    return booking, moved


def test_a_move_to_another_host_gives_the_invitee_that_hosts_meeting(
    app, client, host, alan, smtp, providers
):
    google, microsoft, _zoom = providers
    grace = host
    _ready(app, client, grace, google)
    _ready(app, client, alan, microsoft)
    base = _base()
    link = _team_link(client, grace, alan)
    assert book(client, link["url"], start=format_utc(base))[0].status_code == 303
    run_due(app)
    (meet_event,) = google.meeting_events()  # Grace is seated: the Meet is on her event
    meet = google.join_url(meet_event)
    assert re.fullmatch(JOIN["google"], meet)
    smtp.messages.clear()

    # Grace is busy at 13:00; the invitee moves there, so Alan takes it.
    later = base + timedelta(hours=3)
    _busy(app, client, grace, later)
    booking, moved = _move(app, client, later)
    jobs.run_once(app)  # due now: the calendar writes and the meeting; the e-mail waits for it

    # Grace's event and its Meet are gone; Alan's Outlook event carries a Teams meeting.
    assert google.live_events() == []
    (teams_event,) = microsoft.meeting_events()
    teams = microsoft.join_url(teams_event)
    assert re.fullmatch(JOIN["microsoft"], teams) and microsoft.start(teams_event) == later
    assert microsoft.online.calls == []  # on the event, not a separate online meeting
    # The invitee is shown Alan's meeting everywhere.
    html = client.get(local(moved.headers["Location"])).get_data(as_text=True)
    assert re.search(r'id="join-url"[^>]*>([^<]+)<', html).group(1) == teams
    (moved_mail, *_more) = _invitee_mails(smtp)
    assert moved_mail["Subject"].startswith("Moved: ")
    text = moved_mail.get_body(("plain",)).get_content()
    assert teams in text and meet not in text
    ics = next(p for p in moved_mail.iter_attachments()
               if p.get_content_type() == "text/calendar").get_content()  # fmt: skip
    assert f"LOCATION:{teams}" in ics.replace("\r\n ", "")
    assert events(client, alan)[booking.public_id]["conferencing"]["join_url"] == teams
    (assigned,) = webhook_bodies(app, alan, "conferencing_assigned")
    assert assigned["event"]["conferencing"]["join_url"] == teams
    # The owner's channels heard the move with {"pending": true}, then the new link.
    (owner_moved,) = webhook_bodies(app, grace, "booking_rescheduled")
    assert owner_moved["event"]["conferencing"] == {"pending": True}
    assert webhook_bodies(app, grace, "conferencing_assigned")[-1]["event"] == assigned["event"]


def test_a_move_to_a_host_without_that_service_deletes_the_meeting_as_booking_them_would(
    app, client, host, alan, smtp, providers
):
    *_calendars, zoom = providers
    grace = host
    _around_the_clock(client, grace)
    _around_the_clock(client, alan)
    started = client.post("/v1/conferencing_service_authorizations", headers=grace.headers,
                          json={"provider_name": "zoom", "redirect_uri": RETURN_TO})  # fmt: skip
    back = come_back(client, zoom.consent(started.get_json()["authorization_request"]["url"]))
    zoom_profile = query_of(back.headers["Location"])["last_linked_profile_id"]
    login(client, email=alan.email)  # Alan has no Zoom and wants no meetings
    web_post(client, "/settings/conferencing", "/settings/conferencing/default",
             {"default": "none"})  # fmt: skip
    base = _base()
    link = _team_link(client, grace, alan, conferencing={"profile_id": zoom_profile})
    assert book(client, link["url"], start=format_utc(base))[0].status_code == 303
    run_due(app)
    (made,) = zoom.meetings_bp.meetings.values()  # Grace's own Zoom meeting
    smtp.messages.clear()

    later = base + timedelta(hours=3)
    _busy(app, client, grace, later)
    zoom.fail_next(503)  # Zoom is down for the first try
    booking, _moved = _move(app, client, later)
    jobs.run_once(app)
    assert list(zoom.meetings_bp.meetings.values()) == [made]  # kept for the retry
    run_due(app)
    assert zoom.meetings_bp.meetings == {}
    assert "conferencing" not in events(client, alan)[booking.public_id]
    (moved_mail,) = texts(smtp, "ada@example.com")
    assert "has moved" in moved_mail and made["join_url"] not in moved_mail
    # Booked with Alan from the start, the same link makes no meeting either.
    again = _team_link(client, grace, alan, conferencing={"profile_id": zoom_profile})
    _busy(app, client, grace, base + timedelta(hours=5))
    booked, _ = book(client, again["url"], start=format_utc(base + timedelta(hours=5)))
    assert booked.status_code == 303
    run_due(app)
    fresh = [e for e in events(client, alan).values() if e["event_id"] != booking.public_id]
    assert [("conferencing" in e) for e in fresh if e["summary"] == "Intro call"] == [False]
    assert len(zoom.meetings_bp.meetings) == 0
    # A link naming Grace's Jitsi gives Alan a Jitsi link: everyone has that service.
    profiles = client.get("/v1/userinfo", headers=grace.headers).get_json()
    jitsi = profiles["conferencing_profiles"][0]
    assert jitsi["provider_name"] == "jitsi"
    third = _team_link(client, grace, alan, summary="Jitsi call",
                       conferencing={"profile_id": jitsi["profile_id"]})  # fmt: skip
    _busy(app, client, grace, base + timedelta(hours=7))
    assert (
        book(client, third["url"], start=format_utc(base + timedelta(hours=7)))[0].status_code
        == 303
    )
    run_due(app)
    (jitsi_call,) = [e for e in events(client, alan).values() if e["summary"] == "Jitsi call"]
    assert jitsi_call["conferencing"]["provider_name"] == "jitsi"
