"""Meetings through Enterprise Connect: a member whose calendar the organization connected gets
Teams (Microsoft 365: the booking's own event made an online meeting through Graph's app-only
`/users/{upn}/events`) or Meet (Google Workspace: `conferenceData.createRequest` with
`conferenceDataVersion=1` on the impersonated member's event) exactly as an individual
connection does; the member can't remove it; a withdrawn consent stops the meeting with the
organization's reason and no "reconnect" mail to the member. Stand-ins, both databases."""
# ruff: noqa: F811 - the shared fixtures are imported by name

from __future__ import annotations

import base64
import json
import re

import pytest
from conferencing_helpers import JOIN, events, put_event, run_due
from enterprise_setup import (  # noqa: F401 - fixtures
    app,
    authorize,
    callbacks,
    connect_microsoft,
    google,
    microsoft,
    receiver,
    team,
)
from helpers import book, create_link, login, web_post
from sqlalchemy import select

from backend import db
from backend.models import Conference, EnterpriseConnection


@pytest.fixture(params=["microsoft", "google"])
def member(request, app, client, team, microsoft, google, receiver):
    """bob@contoso.com's calendar connected by the organization, his booking calendar the
    enterprise one. Returns (admin, bob, the mailbox's stand-in store, provider)."""
    admin, (bob, _cy, _dee) = team
    if request.param == "microsoft":
        store = microsoft.add_user("bob@contoso.com")
        store.add_calendar("AAMkcal1", "Calendar", default=True)
        connect_microsoft(client, admin, microsoft)
    else:
        google.add_user("ada@contoso.com").add_calendar("ada-primary", "Ada", primary=True)
        store = google.add_user("bob@contoso.com")
        store.add_calendar("bob-primary", "Bob", primary=True)
        made = client.post(
            "/v1/organization/enterprise_connections",
            headers=admin.headers,
            json={"provider_name": "google", "service_account_key": google.new_key()},
        )
        assert made.status_code == 201, made.get_json()
    receiver.received.clear()
    assert authorize(client, admin, "bob@contoso.com", receiver).status_code == 202
    (note,) = callbacks(app, client, admin, receiver, 1)
    assert note["service_account_authorization"]["status"] == "authorized"
    run_due(app)  # the first sync lists the calendars
    profiles = client.get("/v1/profiles", headers=bob.headers).get_json()["profiles"]
    (profile,) = [p for p in profiles if p.get("enterprise")]
    calendar = next(c for c in profile["profile_calendars"] if c["calendar_primary"])
    chosen = client.put(
        "/v1/booking_calendar", json={"calendar_id": calendar["calendar_id"]}, headers=bob.headers
    )
    assert chosen.status_code == 200
    return admin, bob, store, request.param, profile["profile_id"]


def _live(store, provider: str) -> list[dict]:
    if provider == "google":
        return [e for e in store.events["bob-primary"].values() if e["status"] != "cancelled"]
    return [e for e in store.events.values() if not e["_deleted"]]


def _join(event: dict, provider: str) -> str | None:
    if provider == "google":
        return event.get("hangoutLink")
    return (event.get("onlineMeeting") or {}).get("joinUrl")


def _subjects(token_requests: list[dict]) -> set[str]:
    """Whom each JWT-bearer assertion impersonated (its `sub`)."""
    found = set()
    for form in token_requests:
        payload = form["assertion"].split(".")[1]
        found.add(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])
    return found


def test_the_booking_event_carries_the_organizations_meeting(
    app, client, member, microsoft, google
):
    _admin, bob, store, provider, profile_id = member
    link = create_link(client, bob, summary="Intro call")  # no choice: the natural default
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    run_due(app)
    (event,) = _live(store, provider)  # one event: the booking's, carrying the meeting
    join = _join(event, provider)
    assert join and re.fullmatch(JOIN["google" if provider == "google" else "microsoft"], join)
    booked = [e for e in events(client, bob).values() if e["summary"] == "Intro call"]
    assert [e["conferencing"]["join_url"] for e in booked] == [join]
    with app.app_context():
        conference = db.session().scalar(select(Conference))
        assert conference.provider_name == ("exchange" if provider == "microsoft" else "google")
        assert conference.status == "assigned"
    if provider == "microsoft":
        # App-only Graph: the member's mailbox path, never /me (400 for an app token).
        assert any(
            r.startswith(f"PATCH /v1.0/users/bob@contoso.com/events/{event['id']}")
            for r in microsoft.graph_requests
        )
        assert not [r for r in microsoft.graph_requests if "/v1.0/me/" in r]
        # Outside a booking, the meeting is an Outlook event of its own in bob's mailbox.
        assert (
            put_event(client, bob, "standalone", conferencing={"profile_id": "default"}).status_code
            == 202
        )
        run_due(app)
        assert any(
            r.startswith("POST /v1.0/users/bob@contoso.com/events")
            for r in microsoft.graph_requests
        )
        (own,) = [e for e in _live(store, provider) if e["subject"] == "Board meeting"]
        assert events(client, bob)["standalone"]["conferencing"]["join_url"] == _join(own, provider)
    else:
        assert (
            event["conferenceData"]["createRequest"]["conferenceSolutionKey"]["type"]
            == "hangoutsMeet"
        )
        assert _subjects(google.token_requests) == {"ada@contoso.com", "bob@contoso.com"}

    # The member sees it among their conferencing services, managed by the organization.
    removed = client.delete(f"/v1/conferencing_profiles/{profile_id}", headers=bob.headers)
    assert removed.status_code == 403
    login(client, "bob@contoso.com")
    page = client.get("/settings/conferencing").get_data(as_text=True)
    assert f'data-profile="{profile_id}"' in page and "Connected by your organization" in page
    assert "(made by your organization) makes meetings too" in page
    web_post(client, "/settings/conferencing", f"/settings/conferencing/{profile_id}/remove")
    with app.app_context():
        assert db.session().scalar(select(Conference.profile_id).limit(1)) is not None


@pytest.mark.parametrize("member", ["microsoft"], indirect=True)  # Google's: test_enterprise
def test_a_withdrawn_consent_stops_the_meeting_with_the_organizations_reason(
    app, client, member, microsoft, smtp
):
    _admin, bob, store, provider, _profile_id = member
    microsoft.revoke_consent()
    with app.app_context(), db.write() as s:
        s.scalar(select(EnterpriseConnection)).credentials = None  # the cached app token ran out
    made = put_event(client, bob, "after", conferencing={"profile_id": "default"})
    assert made.status_code == 202
    run_due(app)
    with app.app_context():
        conference = db.session().scalar(select(Conference))
        assert conference.status == "failing" and "administrators" in (conference.error or "")
    assert not [
        m for to, m in smtp.messages if "bob@contoso.com" in to and "Reconnect" in m["Subject"]
    ]
    assert any("ada@contoso.com" in to for to, _m in smtp.messages)  # the admins are told
