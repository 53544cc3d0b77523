"""Booked meetings get the join link: confirmation page, both e-mails (held until the link
exists, or a follow-up when it came late), the .ics, add-to-calendar links; reschedule keeps
it, cancel drops it. The host uses the built-in Jitsi service."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from conferencing_helpers import local, texts
from helpers import book, create_link, form_fields, login, path_of
from sqlalchemy import select, update

from backend import db
from backend.models import Conference, Job
from backend.outbox import worker as jobs

JITSI = r"https://meet\.jit\.si/[a-z2-7]{32}"


def _ics(message) -> str:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    body = part.get_content()
    return (body.decode() if isinstance(body, bytes) else body).replace("\r\n ", "")


def test_booking_gets_a_jitsi_link_everywhere(app, client, host, smtp):
    link = create_link(client, host, summary="Intro call")
    assert link["conferencing"] == {"profile_id": "default"}
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    confirmation = response.headers["Location"]
    page = client.get(local(confirmation))
    html = page.get_data(as_text=True)
    assert "being prepared" in html and 'data-pending="yes"' in html
    # The worker makes the link first; the held confirmation is released at once.
    assert jobs.run_once(app) >= 2
    html = client.get(local(confirmation)).get_data(as_text=True)
    join = re.search(rf'id="join-url"[^>]*>({JITSI})<', html).group(1)
    assert "data-pending" not in html
    google = re.search(r'href="(https://calendar\.google\.com[^"]+)"', html).group(1)
    query = parse_qs(urlsplit(google.replace("&amp;", "&")).query)
    assert query["location"] == [join] and join in query["details"][0]
    outlook = re.search(r'href="(https://outlook\.live\.com[^"]+)"', html).group(1)
    assert join in parse_qs(urlsplit(outlook.replace("&amp;", "&")).query)["location"]
    ics_path = re.search(r'href="([^"]+invite\.ics)"', html).group(1)
    ics = client.get(ics_path).get_data(as_text=True).replace("\r\n ", "")
    assert (
        f"LOCATION:{join}" in ics and f"URL:{join}" in ics and join in ics.split("DESCRIPTION:")[1]
    )
    # Both e-mails carry it, text, HTML and invitation alike.
    assert sorted(r[0] for r, _ in smtp.messages) == ["ada@example.com", host.email]
    for _rcpt, message in smtp.messages:
        assert join in message.get_body(("plain",)).get_content()
        assert join in message.get_body(("html",)).get_content()
        assert f"LOCATION:{join}" in _ics(message)


def test_confirmation_waits_for_the_link_then_a_follow_up_brings_it(app, client, host, smtp):
    link = create_link(client, host)
    assert book(client, link["url"])[0].status_code == 303
    with app.app_context(), db.write() as s:
        # The link is slow to come: the wait ran out before the worker made it.
        s.execute(
            update(Job)
            .where(Job.kind == "conferencing.assign")
            .values(run_at=datetime.now(UTC) + timedelta(hours=1))
        )
        s.execute(
            update(Job)
            .where(Job.kind == "booking.confirmed")
            .values(run_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert jobs.run_once(app) == 2  # one confirmation each: the invitee's, without the link
    first = texts(smtp, "ada@example.com")
    assert len(first) == 1 and "on its way" in first[0] and "meet.jit.si" not in first[0]
    with app.app_context(), db.write() as s:
        s.execute(
            update(Job).where(Job.kind == "conferencing.assign").values(run_at=datetime.now(UTC))
        )
    # The link, then the follow-up: one job that becomes one per recipient.
    assert jobs.run_once(app) == 4
    follow_up = texts(smtp, "ada@example.com")[1]
    assert re.search(JITSI, follow_up)
    assert len(texts(smtp, host.email)) == 2


def test_reschedule_keeps_the_link_and_cancel_drops_it(app, client, host, smtp):
    link = create_link(client, host)
    response, _ = book(client, link["url"])
    jobs.run_once(app)
    confirmation = response.headers["Location"]
    html = client.get(local(confirmation)).get_data(as_text=True)
    join = re.search(rf'id="join-url"[^>]*>({JITSI})<', html).group(1)
    reschedule = re.search(r'id="reschedule"', html) and re.search(
        r'href="([^"]+)" id="reschedule"', html
    ).group(1)
    page = client.get(path_of(reschedule)).get_data(as_text=True)
    fields = form_fields(page)
    moved = client.post(
        path_of(reschedule), data={"form_token": fields["form_token"], "start": fields["starts"][1]}
    )
    assert moved.status_code == 303
    jobs.run_once(app)
    moved_mail = [m for r, m in smtp.messages if "ada@example.com" in r][-1]
    assert (
        "Moved" in moved_mail["Subject"] and join in moved_mail.get_body(("plain",)).get_content()
    )
    cancel = re.search(r'href="([^"]+)" id="cancel"', html).group(1)
    page = client.get(path_of(cancel)).get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    assert client.post(path_of(cancel), data={"form_token": token}).status_code == 200
    with app.app_context():
        assert db.session().scalars(select(Conference)).all() == []


def test_link_conferencing_none_and_explicit(app, client, host, smtp):
    none = create_link(client, host, conferencing={"profile_id": "none"})
    assert none["conferencing"] == {"profile_id": "none"}
    response, _ = book(client, none["url"])
    html = client.get(
        path_of(response.headers["Location"])
        if "://" in response.headers["Location"]
        else response.headers["Location"]
    ).get_data(as_text=True)
    assert 'id="join' not in html
    explicit = {
        "profile_id": "explicit",
        "provider_description": "Office video",
        "join_url": "https://video.example/room-7",
    }
    link = create_link(
        client, host, conferencing=explicit, contact={"name": "Bo", "email": "bo@example.com"}
    )
    response, _ = book(client, link["url"], name="Bo", email="bo@example.com")
    location = response.headers["Location"]
    html = client.get(path_of(location) if "://" in location else location).get_data(as_text=True)
    assert ">https://video.example/room-7<" in html and "Office video" in html


def test_link_with_unknown_profile_is_422(client, host):
    response = client.post(
        "/v1/scheduling_links",
        headers=host.headers,
        json={
            "contact": {"email": "ada@example.com"},
            "conferencing": {"profile_id": "pro_" + "b" * 26},
        },
    )
    assert response.status_code == 422
    assert "conferencing.profile_id" in response.get_json()["errors"]


def test_the_hosts_dashboard_shows_the_join_link(app, client, host):
    link = create_link(client, host, summary="Intro call")
    assert book(client, link["url"])[0].status_code == 303
    login(client)
    html = client.get("/").get_data(as_text=True)
    assert "Meeting link on its way" in html and "meet.jit.si" not in html
    jobs.run_once(app)
    html = client.get("/").get_data(as_text=True)
    assert re.search(rf'class="join-link" href="{JITSI}"[^>]*>Join: Jitsi', html), html
    assert "Meeting link on its way" not in html
