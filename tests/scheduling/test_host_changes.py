"""Issue 25, "the host changes a booking": the host moves a booking from the dashboard on a
page like the invitee's, or asks the invitee to pick a new time (the old time stays until
they do); both pages ask a reason that the other side reads in the "Moved" e-mail and the
channels. A host's move and the invitee's racing on one booking: one wins, the rows agree.
Issue 23: a round-robin move to another host tells the old host "Reassigned" and the new one
"New", and every seated host's channels hear of team bookings. Checked on database rows, real
mail through the test SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
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
from sqlalchemy import select

from backend import db
from backend.accounts import organization_named
from backend.core.validation import format_utc, parse_utc
from backend.models import (
    Account,
    Booking,
    Calendar,
    Event,
    Job,
    SchedulingLink,
)
from backend.outbox.worker import run_jobs
from backend.scheduling import manage_urls

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _booking(app, link) -> Booking:
    with app.app_context():
        s = db.session()
        booking = s.scalar(
            select(Booking)
            .join(SchedulingLink, SchedulingLink.id == Booking.link_id)
            .where(SchedulingLink.public_id == link["id"])
        )
        booking.seats, booking.link  # noqa: B018 - loaded before the session closes
        s.expunge_all()
        return booking


def _reschedule_url(app, booking) -> str:
    with app.app_context():
        urls = manage_urls(app.extensions["schedlink.tokens"], app.config["BASE_URL"], booking)
    return path_of(urls["reschedule"])


def _events(app, booking) -> list[Event]:
    with app.app_context():
        return list(db.session().scalars(select(Event).where(Event.booking_id == booking.id)))


def _mails(smtp) -> dict[str, list]:
    """Address → [(subject, text)] of what the test SMTP server received."""
    got: dict[str, list] = {}
    for rcpts, message in smtp.messages:
        text = message.get_body(preferencelist=("plain",)).get_content()
        for rcpt in rcpts:
            got.setdefault(rcpt, []).append((message["Subject"], text, message))
    return got


def _booked_link(app, client, host, **body):
    link = create_link(client, host, **body)
    response, fields = book(client, link["url"])
    assert response.status_code == 303
    return link, _booking(app, link), fields


# --- the host moves it ------------------------------------------------------------------------


def test_the_host_moves_a_booking_from_the_dashboard(app, client, host, smtp):
    link, booking, _ = _booked_link(app, client, host)
    run_jobs(app)
    smtp.messages.clear()
    login(client)
    dashboard = client.get("/").get_data(as_text=True)
    move_path = f"/bookings/{booking.public_id}/move"
    assert f'href="{move_path}"' in dashboard

    page = client.get(move_path)
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    booked_day = booking.start_at.astimezone(ZoneInfo("Europe/London")).date().isoformat()
    assert f'data-open-day="{booked_day}"' in html  # opens on the booked day
    assert "Move the meeting with Ada Lovelace" in html and 'id="reason"' in html
    fields = form_fields(html)
    assert fields["seen"] == "0" and fields["csrf_token"]
    assert format_utc(booking.start_at) not in fields["starts"]
    target = fields["starts"][-1]

    moved = client.post(
        move_path,
        data={**{k: v for k, v in fields.items() if k != "starts"}, "start": target,
              "reason": "A customer call came up"},
        headers={"Referer": f"http://schedlink.test{move_path}"},
    )  # fmt: skip
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/#bookings")
    after = unescape(client.get("/").get_data(as_text=True))
    assert "Moved the meeting with Ada Lovelace to" in after
    assert "Moved by a host: “A customer call came up”" in after

    now = _booking(app, link)
    assert (format_utc(now.start_at), now.sequence) == (target, 1)
    assert (now.rescheduled_by, now.reschedule_reason) == ("host", "A customer call came up")
    assert {(s.start_at, s.end_at) for s in now.seats} == {(now.start_at, now.end_at)}
    assert {(e.start_at, e.end_at) for e in _events(app, now)} == {(now.start_at, now.end_at)}
    with app.app_context():  # reminders re-planned for the new time (the old ones lapse)
        planned = db.session().scalars(select(Job.payload).where(Job.kind == "booking.reminder"))
        assert target in {p["start"] for p in planned}

    run_jobs(app)
    mails = _mails(smtp)
    (subject, text, message) = mails["ada@example.com"][0]
    assert subject.startswith("Moved: ")
    assert "Was:" in text and "Grace Hopper moved it." in text
    assert "Reason: A customer call came up" in text
    ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    assert "SEQUENCE:1" in ics.get_content()
    (subject, text, _m) = mails["host@example.com"][0]
    assert subject.startswith("Moved: ") and "You moved it." in text


def test_only_a_host_of_the_booking_may_move_it_or_ask_for_a_new_time(app, client, host):
    link, booking, _ = _booked_link(app, client, host)
    make_host(app, email="eve@example.com", name="Eve")
    login(client, email="eve@example.com")
    path = f"/bookings/{booking.public_id}/move"
    page = client.get(path)
    assert page.status_code == 303
    assert "not yours" in client.get("/").get_data(as_text=True)
    asked = web_post(client, "/", f"/bookings/{booking.public_id}/propose", {"message": "x"})
    assert asked.status_code == 303
    unchanged = _booking(app, link)
    assert (unchanged.proposed_at, unchanged.sequence) == (None, 0)
    with app.app_context():
        assert db.session().scalar(select(Job).where(Job.kind == "booking.proposal")) is None


# --- the host asks the invitee to pick ----------------------------------------------------------


def test_propose_a_new_time_keeps_the_old_one_until_the_invitee_picks(app, client, host, smtp):
    link, booking, _ = _booked_link(app, client, host, max_uses=2)
    # Turned off: the invitee's reschedule page is closed ...
    off = client.post(f"/v1/scheduling_links/{link['id']}/disable", json={}, headers=host.headers)
    assert off.status_code == 200
    reschedule = _reschedule_url(app, booking)
    assert client.get(reschedule).status_code == 410
    run_jobs(app)
    smtp.messages.clear()

    login(client)
    path = f"/bookings/{booking.public_id}/move"
    asked = web_post(client, path, f"/bookings/{booking.public_id}/propose",
                     {"message": "I'm travelling <that> day"})  # fmt: skip
    assert asked.status_code == 303
    dashboard = unescape(client.get("/").get_data(as_text=True))
    assert "Asked Ada Lovelace to pick a new time" in dashboard
    proposed = _booking(app, link)
    assert proposed.proposed_by == host.sub
    assert proposed.proposal_message == "I'm travelling <that> day"
    assert (proposed.start_at, proposed.sequence) == (booking.start_at, 0)  # still booked

    run_jobs(app)
    ((subject, text, message),) = _mails(smtp)["ada@example.com"]
    assert subject.startswith("Please pick a new time: ")
    assert "Grace Hopper asks you to pick a new time" in text
    assert "I'm travelling <that> day" in text
    assert "&lt;that&gt;" in message.get_body(preferencelist=("html",)).get_content()
    pick = path_of(re.search(r"Pick a new time:\s+(\S+)", text).group(1))
    assert pick == reschedule
    smtp.messages.clear()

    # ... but a host's request opens it, and says who asked and why.
    page = client.get(pick)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "I&#39;m travelling &lt;that&gt; day" in html and 'id="proposal"' in html
    fields = form_fields(html)
    target = fields["starts"][0]
    moved = client.post(pick, data={"form_token": fields["form_token"], "seen": fields["seen"],
                                    "start": target, "reason": "Thursday is better"})  # fmt: skip
    assert moved.status_code == 303
    done = _booking(app, link)
    assert format_utc(done.start_at) == target and done.sequence == 1
    assert (done.proposed_at, done.proposed_by, done.proposal_message) == (None, None, None)
    assert (done.rescheduled_by, done.reschedule_reason) == ("invitee", "Thursday is better")
    run_jobs(app)
    (subject, text, _m) = _mails(smtp)["host@example.com"][0]
    assert subject.startswith("Moved: ")
    assert "Ada Lovelace moved it, as asked." in text and "Reason: Thursday is better" in text
    # Answered: the turned-off link's reschedule page is closed again.
    assert client.get(pick).status_code == 410


def test_a_proposal_nobody_answers_changes_nothing(app, client, host, smtp):
    link, booking, _ = _booked_link(app, client, host)
    login(client)
    path = f"/bookings/{booking.public_id}/move"
    assert web_post(client, path, f"/bookings/{booking.public_id}/propose").status_code == 303
    run_jobs(app)
    kept = _booking(app, link)
    assert (kept.status, kept.start_at, kept.sequence) == ("confirmed", booking.start_at, 0)
    assert kept.proposed_at is not None and kept.proposal_message is None
    assert {(e.start_at, e.status) for e in _events(app, kept)} == {(booking.start_at, "confirmed")}


# --- the race ---------------------------------------------------------------------------------


def test_host_and_invitee_moving_one_booking_at_once_one_wins(app, host):
    """Both pages are open at sequence 0; both are sent at once to different times. The
    one that commits first wins; the other would override a move its sender has not seen,
    and gets the page back with 409 saying where the meeting now is."""
    invitee, hosting = app.test_client(), app.test_client()
    link, booking, _ = _booked_link(app, invitee, host)
    reschedule = _reschedule_url(app, booking)
    theirs = form_fields(invitee.get(reschedule).get_data(as_text=True))
    login(hosting)
    move_path = f"/bookings/{booking.public_id}/move"
    ours = form_fields(hosting.get(move_path).get_data(as_text=True))
    targets = {"invitee": theirs["starts"][1], "host": ours["starts"][2]}
    assert targets["invitee"] != targets["host"]
    posts = {
        "invitee": lambda: invitee.post(reschedule, data={
            "form_token": theirs["form_token"], "seen": theirs["seen"],
            "start": targets["invitee"]}),
        "host": lambda: hosting.post(move_path, data={
            "csrf_token": ours["csrf_token"], "form_token": ours["form_token"],
            "seen": ours["seen"], "start": targets["host"]},
            headers={"Referer": f"http://schedlink.test{move_path}"}),
    }  # fmt: skip
    barrier, answers = threading.Barrier(2), {}

    def run(who):
        barrier.wait()
        answers[who] = posts[who]()

    threads = [threading.Thread(target=run, args=(who,)) for who in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    codes = {who: r.status_code for who, r in answers.items()}
    assert sorted(codes.values()) == [303, 409], codes
    winner = next(who for who, code in codes.items() if code == 303)
    loser = "host" if winner == "invitee" else "invitee"
    assert "This meeting was just moved to" in unescape(answers[loser].get_data(as_text=True))
    final = _booking(app, link)
    assert (format_utc(final.start_at), final.sequence) == (targets[winner], 1)
    assert final.rescheduled_by == winner
    assert {(s.start_at, s.end_at, s.status) for s in final.seats} == {
        (final.start_at, final.end_at, "confirmed")
    }
    assert {(e.start_at, e.end_at) for e in _events(app, final)} == {(final.start_at, final.end_at)}
    with app.app_context():
        moves = (
            db.session().scalars(select(Job.payload).where(Job.kind == "booking.rescheduled")).all()
        )
        assert [p["by"] for p in moves if p["recipient"] == "invitee"] == [winner]


# --- round robin: another host takes it --------------------------------------------------------


@pytest.fixture
def team(app, host):
    alan = make_host(app, email="alan@example.com", name="Alan Turing", tzid="UTC")
    ada = make_host(app, email="ada.host@example.com", name="Ada Byron", tzid="UTC")
    with app.app_context(), db.write() as s:
        organization = organization_named(s, "Acme")
        for h in (host, alan, ada):
            s.get(Account, h.account_id).organization_id = organization.id
    return host, alan, ada


def _around_the_clock(client, h) -> None:
    body = {"tzid": "UTC", "min_notice_minutes": 0, "buffer": {"before": 0, "after": 0},
            "weekly_periods": [{"day": d, "start_time": "00:00", "end_time": "00:00"}
                               for d in DAYS]}  # fmt: skip
    assert client.put("/v1/availability_rules", json=body, headers=h.headers).status_code in (
        200, 202,
    )  # fmt: skip


def _channel(client, h) -> None:
    made = client.post("/v1/channels", json={"callback_url": f"http://127.0.0.1:9/{h.sub}"},
                       headers=h.headers)  # fmt: skip
    assert made.status_code == 201, made.get_json()


def _calendar_of(app, h) -> str:
    with app.app_context():
        return db.session().scalar(
            select(Calendar.public_id).where(
                Calendar.account_id == h.account_id, Calendar.profile_id.is_(None)
            )
        )


def test_a_round_robin_move_to_another_host_reassigns_and_tells_every_hosts_channels(
    app, client, team, smtp
):
    grace, alan, ada = team
    for h in team:
        _around_the_clock(client, h)
        _channel(client, h)
    base = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                          microsecond=0)  # fmt: skip
    link = create_link(client, grace, hosts={"members": [{"sub": alan.sub}, {"sub": ada.sub}],
                                             "required": 1})  # fmt: skip
    response, _ = book(client, link["url"], start=format_utc(base))
    assert response.status_code == 303
    booking = _booking(app, link)
    assert [s.account_id for s in booking.seats] == [alan.account_id]
    # The owner's channels and the seated host's hear of it, each with their own view.
    (owner_view,) = webhook_bodies(app, grace, "booking_created")
    (alan_view,) = webhook_bodies(app, alan, "booking_created")
    assert owner_view["booking"]["id"] == alan_view["booking"]["id"] == booking.public_id
    assert alan_view["event"]["calendar_id"] == _calendar_of(app, alan)
    assert webhook_bodies(app, ada, "booking_created") == []
    # The link's news is the owner's alone.
    assert webhook_bodies(app, alan, "scheduling_link_completed") == []
    run_jobs(app)
    smtp.messages.clear()

    # Alan is busy at 13:00; the invitee moves there: Ada takes it.
    busy = client.post(
        f"/v1/calendars/{_calendar_of(app, alan)}/events",
        json={"event_id": "alan-busy", "summary": "Busy",
              "start": format_utc(base + timedelta(hours=3)),
              "end": format_utc(base + timedelta(hours=4))}, headers=alan.headers,
    )  # fmt: skip
    assert busy.status_code == 202
    reschedule = _reschedule_url(app, booking)
    fields = form_fields(client.get(reschedule).get_data(as_text=True))
    target = format_utc(base + timedelta(hours=3))
    moved = client.post(reschedule, data={"form_token": fields["form_token"], "start": target,
                                          "reason": "Later suits me"})  # fmt: skip
    assert moved.status_code == 303
    after = _booking(app, link)
    assert [s.account_id for s in after.seats] == [ada.account_id]
    assert parse_utc(target) == after.start_at

    run_jobs(app)
    mails = _mails(smtp)
    ((subject, text, message),) = mails["alan@example.com"]
    assert subject.startswith("Reassigned: ") and "Ada Byron hosts it now" in text
    ics = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    assert "METHOD:CANCEL" in ics.get_content() and "STATUS:CANCELLED" in ics.get_content()
    ((subject, text, _m),) = mails["ada.host@example.com"]
    assert subject.startswith("New: ") and "It moved to you from Alan Turing" in text
    (subject, text, _m) = mails["ada@example.com"][0]
    assert subject.startswith("Moved: ")
    assert "grace@example.com" not in mails and "host@example.com" not in mails

    (owner_moved,) = webhook_bodies(app, grace, "booking_rescheduled")
    (alan_moved,) = webhook_bodies(app, alan, "booking_rescheduled")
    (ada_moved,) = webhook_bodies(app, ada, "booking_rescheduled")
    assert owner_moved["booking"]["hosts"] == [{"sub": ada.sub}]
    assert owner_moved["booking"]["rescheduled_by"] == "invitee"
    assert owner_moved["booking"]["reschedule_reason"] == "Later suits me"
    assert alan_moved["event"] is None  # his copy is gone
    assert ada_moved["event"]["calendar_id"] == _calendar_of(app, ada)
    assert ada_moved["event"]["start"] == target


def test_a_seated_host_moves_a_collective_booking_within_the_teams_free_times(
    app, client, team, smtp
):
    """Alan is not the link's owner but attends: he may move it, and his page offers only
    times when every host is free."""
    grace, alan, ada = team
    for h in (grace, alan):
        _around_the_clock(client, h)
    base = (datetime.now(UTC) + timedelta(days=2)).replace(hour=10, minute=0, second=0,
                                                          microsecond=0)  # fmt: skip
    link = create_link(client, grace, hosts={"members": [{"sub": grace.sub}, {"sub": alan.sub}],
                                             "required": "all"})  # fmt: skip
    response, _ = book(client, link["url"], start=format_utc(base))
    assert response.status_code == 303
    booking = _booking(app, link)
    busy = client.post(
        f"/v1/calendars/{_calendar_of(app, grace)}/events",
        json={"event_id": "grace-busy", "summary": "Busy",
              "start": format_utc(base + timedelta(hours=2)),
              "end": format_utc(base + timedelta(hours=3))}, headers=grace.headers,
    )  # fmt: skip
    assert busy.status_code == 202
    login(client, email=alan.email)
    move_path = f"/bookings/{booking.public_id}/move"
    fields = form_fields(client.get(move_path).get_data(as_text=True))
    assert format_utc(base + timedelta(hours=2)) not in fields["starts"]  # Grace is busy
    target = format_utc(base + timedelta(hours=4))
    assert target in fields["starts"]
    moved = client.post(
        move_path,
        data={**{k: v for k, v in fields.items() if k != "starts"}, "start": target},
        headers={"Referer": f"http://schedlink.test{move_path}"},
    )  # fmt: skip
    assert moved.status_code == 303
    after = _booking(app, link)
    assert format_utc(after.start_at) == target and after.rescheduled_by == "host"
    assert sorted(s.account_id for s in after.seats) == sorted([grace.account_id, alan.account_id])
    assert {(e.start_at, e.end_at) for e in _events(app, after)} == {(after.start_at, after.end_at)}
    run_jobs(app)
    mails = _mails(smtp)
    assert "Alan Turing moved it." in mails["ada@example.com"][-1][1]
    assert "You moved it." in mails["alan@example.com"][-1][1]
    assert "Alan Turing moved it." in mails["host@example.com"][-1][1]
