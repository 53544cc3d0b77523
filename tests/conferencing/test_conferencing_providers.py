"""Providers authorized by end users, against local stand-ins that follow each provider's
documented OAuth and meeting APIs: the consent flow end to end, meetings made, updated and
deleted, retries (5xx, 429 Retry-After), and a revoked refresh token that disconnects the
profile (the host is e-mailed a relink URL; the event keeps waiting, then gets its link)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conferencing_helpers import calendar_id, events, local, put_event, run_due, texts
from oauth_browser import come_back
from sqlalchemy import select, update
from standins import StandinProvider, google_meet, goto_meetings, graph_meetings, zoom_meetings

from backend import db
from backend.core.outbound import Outbound
from backend.models import Conference, Job, Profile
from backend.outbox import worker as jobs
from backend.scheduling.reminders import KIND as REMINDER  # planned for later: not under test

BLUEPRINTS = {
    "zoom": zoom_meetings,
    "microsoft": graph_meetings,
    "go_to": goto_meetings,
    "google": google_meet,
}


@pytest.fixture(scope="module", params=sorted(BLUEPRINTS))
def standin(request):
    name = request.param
    provider = StandinProvider(name)
    provider.meetings_bp = BLUEPRINTS[name].blueprint(provider)
    provider.register(provider.meetings_bp)
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def zoom():
    provider = StandinProvider("zoom")
    provider.meetings_bp = zoom_meetings.blueprint(provider)
    provider.register(provider.meetings_bp)
    with provider:
        yield provider


def _wire(app, provider):
    app.config.update(provider.config())
    app.config["REDIRECT_ORIGINS"] = ["https://app.example"]  # the host app's own pages
    app.extensions["schedlink.outbound"] = Outbound(allow=["127.0.0.1", "localhost"])


def connect(app, client, host, provider) -> str:
    """The end user's consent, driven like a browser: our API → the provider's consent →
    our callback → back to the app's redirect_uri with the new profile's id."""
    _wire(app, provider)
    started = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": "https://app.example/done", "provider_name": provider.name},
        headers=host.headers,
    )
    assert started.status_code == 200, started.get_json()
    callback = provider.consent(started.get_json()["authorization_request"]["url"])
    back = come_back(client, callback)
    assert back.status_code == 303
    linked = re.fullmatch(
        r"https://app\.example/done\?last_linked_profile_id=(pro_\w+)", back.headers["Location"]
    )
    assert linked, back.headers["Location"]
    return linked.group(1)


def test_meetings_made_updated_and_deleted(app, client, host, standin):
    pro = connect(app, client, host, standin)
    profiles = client.get("/v1/userinfo", headers=host.headers).get_json()["conferencing_profiles"]
    mine = next(p for p in profiles if p["profile_id"] == pro)
    assert mine["provider_name"] == standin.name and mine["profile_connected"] is True
    assert "profile_relink_url" not in mine
    assert put_event(client, host, conferencing={"profile_id": pro}).status_code == 202
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    run_due(app)
    conferencing = events(client, host)["ev-1"]["conferencing"]
    assert conferencing["provider_name"] == standin.name
    assert conferencing["join_url"].startswith("https://")
    meetings = standin.meetings_bp.meetings
    assert len(meetings) == 1
    # A new summary and time are pushed to the same meeting.
    put_event(client, host, summary="Moved board meeting", days=4)
    run_due(app)
    methods = [c[0] for c in standin.meetings_bp.calls]
    assert methods[-1] in ("PATCH", "PUT")
    assert "Moved board meeting" in str(standin.meetings_bp.calls[-1][2])
    assert events(client, host)["ev-1"]["conferencing"] == conferencing
    # Deleting the event deletes the meeting.
    client.delete(
        f"/v1/calendars/{calendar_id(client, host)}/events",
        json={"event_id": "ev-1"},
        headers=host.headers,
    )
    run_due(app)
    assert standin.meetings_bp.calls[-1][0] == "DELETE" and meetings == {}


def test_5xx_and_429_are_retried(app, client, host, zoom):
    pro = connect(app, client, host, zoom)
    put_event(client, host, conferencing={"profile_id": pro})
    zoom.fail_next(503)
    assert jobs.run_once(app) == 1
    with app.app_context():
        job = db.session().scalars(select(Job).where(Job.kind == "conferencing.assign")).one()
        assert job.status == "pending" and job.attempts == 1 and "503" in job.last_error
        assert job.run_at > datetime.now(UTC) + timedelta(seconds=10)  # backoff
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    zoom.fail_next(429, retry_after=7)
    with app.app_context(), db.write() as s:
        s.execute(update(Job).where(Job.kind != REMINDER).values(run_at=datetime.now(UTC)))
    before = datetime.now(UTC)
    assert jobs.run_once(app) == 1
    with app.app_context():
        job = db.session().scalars(select(Job).where(Job.kind == "conferencing.assign")).one()
        assert job.attempts == 2
        assert before + timedelta(seconds=6) <= job.run_at <= before + timedelta(seconds=9)
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"]["join_url"].startswith("https://zoom")


def test_revoked_refresh_disconnects_and_relink_recovers(app, client, host, zoom, smtp):
    pro = connect(app, client, host, zoom)
    zoom.revoke_refresh_tokens()
    zoom.expire_access_tokens()
    put_event(client, host, conferencing={"profile_id": pro})
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    with app.app_context():
        conference = db.session().scalars(select(Conference)).one()
        assert conference.status == "failing" and "disconnected" in conference.error
        assert (
            db.session().scalars(select(Profile).where(Profile.public_id == pro)).one().connected
            is False
        )
    profile = next(
        p
        for p in client.get("/v1/userinfo", headers=host.headers).get_json()[
            "conferencing_profiles"
        ]
        if p["profile_id"] == pro
    )
    assert profile["profile_connected"] is False
    relink = profile["profile_relink_url"]
    mails = texts(smtp, host.email)
    assert len(mails) == 1 and "/conferencing/relink/" in mails[0]
    # The host reconnects from the link; the waiting meeting is made at once.
    consent = client.get("/" + relink.split("/", 3)[3])
    assert consent.status_code == 302
    callback = zoom.consent(consent.headers["Location"])
    back = come_back(client, callback)  # from an e-mail, not signed in: confirmed
    assert back.status_code == 303 and "last_linked_profile_id=" + pro in back.headers["Location"]
    page = client.get("/" + back.headers["Location"].split("/", 3)[3])
    assert "connected again" in page.get_data(as_text=True)
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"]["join_url"].startswith("https://zoom")
    assert len(texts(smtp, host.email)) == 1  # told once


def test_consent_denied_and_bad_requests(app, client, host, zoom):
    _wire(app, zoom)
    bad = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": "https://app.example/done", "provider_name": "skype"},
        headers=host.headers,
    )
    assert bad.status_code == 422 and "provider_name" in bad.get_json()["errors"]
    bad = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": "javascript:alert(1)", "provider_name": "zoom"},
        headers=host.headers,
    )
    assert bad.status_code == 422 and "redirect_uri" in bad.get_json()["errors"]
    zoom.deny_next_consent()
    started = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": "https://app.example/done", "provider_name": "zoom"},
        headers=host.headers,
    )
    callback = zoom.consent(started.get_json()["authorization_request"]["url"])
    back = client.get(local(callback))  # nothing to confirm: the provider said no
    assert back.headers["Location"] == "https://app.example/done?error=access_denied"


def test_provider_chooser_and_removal(app, client, host, zoom):
    _wire(app, zoom)
    started = client.post(
        "/v1/conferencing_service_authorizations",
        json={"redirect_uri": "https://app.example/done"},
        headers=host.headers,
    )
    url = started.get_json()["authorization_request"]["url"]
    page = client.get("/" + url.split("/", 3)[3])
    assert page.status_code == 200 and 'id="connect-zoom"' in page.get_data(as_text=True)
    chosen = client.get("/" + url.split("/", 3)[3] + "?provider=zoom")
    assert chosen.status_code == 302
    back = come_back(client, zoom.consent(chosen.headers["Location"]))
    pro = back.headers["Location"].split("last_linked_profile_id=")[1]
    # Waiting meetings stop waiting when their service is removed.
    put_event(client, host, conferencing={"profile_id": pro})
    assert (
        client.delete(f"/v1/conferencing_profiles/{pro}", headers=host.headers).status_code == 202
    )
    assert (
        client.delete(f"/v1/conferencing_profiles/{pro}", headers=host.headers).status_code == 404
    )
    profiles = client.get("/v1/userinfo", headers=host.headers).get_json()["conferencing_profiles"]
    assert [p["provider_name"] for p in profiles] == ["jitsi"]
    jitsi = profiles[0]["profile_id"]
    assert (
        client.delete(f"/v1/conferencing_profiles/{jitsi}", headers=host.headers).status_code == 422
    )
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}


def test_google_meet_is_polled_until_success(app, client, host):
    google = StandinProvider("google")
    google.meetings_bp = google_meet.blueprint(google, pending_polls=2)
    google.register(google.meetings_bp)
    with google:
        pro = connect(app, client, host, google)
        put_event(client, host, conferencing={"profile_id": pro}, summary="Planning")
        # The insert: Google says pending. Its first poll is due 1 s later; a slow run may
        # reach it too, which changes nothing below.
        assert jobs.run_once(app) >= 1
        method, path, body = google.meetings_bp.calls[0]
        assert method == "POST" and "conferenceDataVersion=1" in path
        create = body["conferenceData"]["createRequest"]
        assert create["conferenceSolutionKey"] == {"type": "hangoutsMeet"} and create["requestId"]
        assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
        run_due(app)
        polls = [c for c in google.meetings_bp.calls if c[0] == "GET"]
        assert len(polls) == 3  # pending, pending, success
        conferencing = events(client, host)["ev-1"]["conferencing"]
        assert re.fullmatch(
            r"https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}", conferencing["join_url"]
        )
        assert conferencing["provider_description"] == "Google Meet"


def test_a_refusal_is_not_retried_and_keeps_the_event_pending(app, client, host, zoom):
    pro = connect(app, client, host, zoom)
    zoom.fail_next(400)
    put_event(client, host, conferencing={"profile_id": pro})
    assert jobs.run_once(app) == 1
    with app.app_context():
        job = db.session().scalars(select(Job).where(Job.kind == "conferencing.assign")).one()
        assert job.status == "done"
        conference = db.session().scalars(select(Conference)).one()
        assert conference.status == "failing" and "400" in conference.error
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    # Asking again starts afresh (the provider takes it this time)...
    put_event(client, host, conferencing={"profile_id": pro})
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"]["join_url"].startswith("https://zoom")
    # ...and another service can be chosen: the Zoom meeting is deleted.
    put_event(client, host, conferencing={"profile_id": "default"})
    run_due(app)
    assert "meet.jit.si" in events(client, host)["ev-1"]["conferencing"]["join_url"]
    assert zoom.meetings_bp.meetings == {}


def test_a_long_outage_is_reported_failing_and_still_retried(app, client, host, zoom):
    pro = connect(app, client, host, zoom)
    put_event(client, host, conferencing={"profile_id": pro})
    zoom.fail_next(502, times=2)
    assert jobs.run_once(app) == 1
    with app.app_context():
        assert db.session().scalars(select(Conference)).one().status == "pending"
    with app.app_context(), db.write() as s:  # ten minutes later, still down
        s.execute(update(Conference).values(created_at=datetime.now(UTC) - timedelta(minutes=11)))
        s.execute(update(Job).where(Job.kind != REMINDER).values(run_at=datetime.now(UTC)))
    assert jobs.run_once(app) == 1
    with app.app_context():
        conference = db.session().scalars(select(Conference)).one()
        assert conference.status == "failing" and "502" in conference.error
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    run_due(app)  # the provider is back
    assert events(client, host)["ev-1"]["conferencing"]["join_url"].startswith("https://zoom")
    with app.app_context():
        conference = db.session().scalars(select(Conference)).one()
        assert conference.status == "assigned" and conference.error is None
