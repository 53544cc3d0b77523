"""The Team page manages Enterprise Connect, as an admin's browser drives it: connect the
Microsoft 365 tenant (the tenant form, Microsoft's admin-consent page, back to the Team page),
"Connect every member" and each member's status (connected, not in the tenant, no mailbox)
with a retry, removal behind a confirmation that says what goes; upload a Google Workspace
service account key (checked on upload, a clear error when Google refuses it, sealed at rest,
never shown again); a deleted key disconnects every member profile, keeps their busy times,
e-mails the admins through the real SMTP test server, and a new key brings the same profiles
back. Against the stand-ins, on SQLite and PostgreSQL."""
# ruff: noqa: F811 - the shared fixtures are imported by name

from __future__ import annotations

import io
import json
import re
from html import unescape

from conferencing_helpers import run_due
from enterprise_setup import app, at, day_ahead, google, microsoft, team  # noqa: F401
from helpers import login, path_of, web_post
from sqlalchemy import select
from standins import query_of

from backend import db
from backend.models import EnterpriseConnection, Event, Profile

TEAM = "/profile/team"


def _states(client) -> dict[str, str]:
    page = client.get(TEAM).get_data(as_text=True)
    return dict(re.findall(r'data-enterprise-member="([^"]+)" data-state="([^"]+)"', page))


def _flashes(client) -> str:
    return unescape(client.get(TEAM).get_data(as_text=True))


def _sub(app, email: str) -> str:
    from backend.models import Account

    with app.app_context():
        return db.session().scalar(select(Account.sub).where(Account.email == email))


def test_microsoft_365_from_the_team_page(app, client, team, microsoft):
    for upn in ("ada@contoso.com", "bob@contoso.com", "cy@contoso.com"):
        microsoft.add_user(upn).add_calendar("AAMkcal1", "Calendar", default=True)
    microsoft.no_mailbox.add("cy@contoso.com")
    login(client, "ada@contoso.com")
    page = client.get(TEAM)
    assert "form-action" in page.headers["Content-Security-Policy"]
    assert microsoft.provider.url in page.headers["Content-Security-Policy"]

    started = web_post(client, TEAM, f"{TEAM}/enterprise/microsoft", {"tenant": "contoso.com"})
    assert started.status_code == 303
    consent = started.headers["Location"]
    assert consent.startswith(f"{microsoft.provider.url}/contoso.com/v2.0/adminconsent?")
    back = microsoft.provider.consent(consent)
    assert query_of(back)["admin_consent"] == "True"
    landed = client.get(path_of(back))
    assert landed.status_code == 303 and landed.headers["Location"].endswith(f"{TEAM}#enterprise")
    html = _flashes(client)
    assert "Microsoft 365 tenant contoso.com connected" in html and 'data-status="active"' in html
    assert set(_states(client).values()) == {"not_connected"}

    web_post(client, TEAM, f"{TEAM}/enterprise/connect_all")
    run_due(app)
    assert _states(client) == {
        "ada@contoso.com": "connected",
        "bob@contoso.com": "connected",
        "cy@contoso.com": "no_mailbox",
        "dee@elsewhere.org": "not_in_tenant",  # Graph: 403 for a mailbox of another tenant
    }
    assert "has no mailbox in the tenant" in client.get(TEAM).get_data(as_text=True)

    # The tenant gives cy a mailbox; the admin tries again.
    microsoft.no_mailbox.clear()
    cy = _sub(app, "cy@contoso.com")
    assert web_post(client, TEAM, f"{TEAM}/enterprise/members/{cy}/retry").status_code == 303
    run_due(app)
    assert _states(client)["cy@contoso.com"] == "connected"

    # Removal asks first, saying what goes with it; then removes every member profile.
    with app.app_context():
        conn_id = db.session().scalar(select(EnterpriseConnection.public_id))
    asked = web_post(client, TEAM, f"{TEAM}/enterprise/{conn_id}/remove")
    text = unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and "4 members" in text and 'name="confirmed"' in text
    with app.app_context():
        assert db.session().scalar(select(EnterpriseConnection.id))  # nothing removed yet
    done = web_post(client, TEAM, f"{TEAM}/enterprise/{conn_id}/remove", {"confirmed": "yes"})
    assert done.status_code == 303
    assert "removed with the calendars of 4 members" in _flashes(client)
    with app.app_context():
        assert (
            db.session().scalar(select(Profile.id).where(Profile.provider_name == "exchange"))
            is None
        )


def test_google_workspace_key_from_the_team_page(app, client, team, google, smtp):
    admin, (bob, _cy, _dee) = team
    day = day_ahead()
    google.add_user("ada@contoso.com").add_calendar("ada-primary", "Ada", primary=True)
    calendar = google.add_user("bob@contoso.com")
    calendar.add_calendar("bob-primary", "Bob", primary=True)
    calendar.add_event(
        "bob-primary",
        {"summary": "Interview loop", "start": {"dateTime": at(day, 9).isoformat()},
         "end": {"dateTime": at(day, 10).isoformat()}},
    )  # fmt: skip
    login(client, "ada@contoso.com")

    def upload(raw: bytes):
        files = {"service_account_key": (io.BytesIO(raw), "key.json")}
        return web_post(client, TEAM, f"{TEAM}/enterprise/google", files)

    assert upload(b"not json").status_code == 303
    assert "Google Workspace not connected: That file is not JSON" in _flashes(client)
    upload(json.dumps(google.new_key(delegated=False)).encode())
    html = _flashes(client)
    assert "Google refused a token for ada@contoso.com (unauthorized_client)" in html
    key = google.new_key()
    upload(json.dumps(key).encode())
    html = _flashes(client)
    assert "Google Workspace domain contoso.com connected" in html
    assert key["client_email"] in html and "PRIVATE KEY" not in html
    with app.app_context():
        (conn,) = db.session().scalars(select(EnterpriseConnection)).all()
        assert (
            "PRIVATE KEY" not in conn.credentials and key["private_key_id"] not in conn.credentials
        )

    web_post(client, TEAM, f"{TEAM}/enterprise/connect_all")
    run_due(app)
    states = _states(client)
    assert states["bob@contoso.com"] == "connected"
    assert states["cy@contoso.com"] == "not_in_tenant"  # Google: no such user in the domain
    assert states["dee@elsewhere.org"] == "not_served"  # not the key's domain
    with app.app_context():
        bob_profile = db.session().scalar(
            select(Profile.public_id).where(Profile.account_id == bob.account_id)
        )

    # The key is deleted in Google: every profile disconnects, busy times stay, admins told.
    google.delete_key(key)
    for profile in _member_profiles(app):
        profile_token_expired(app, profile)
    client.post(f"/v1/profiles/{bob_profile}/sync", headers=bob.headers)
    run_due(app)
    assert 'data-status="disconnected"' in _flashes(client)
    assert _states(client)["bob@contoso.com"] == "disconnected"
    with app.app_context():
        assert db.session().scalar(select(Event.id).where(Event.summary == "Interview loop"))
    (mail,) = [m for to, m in smtp.messages if "ada@contoso.com" in to]
    body = mail.get_body(("plain",)).get_content()
    assert "Google Workspace domain contoso.com" in mail["Subject"] + body
    assert "http://schedlink.test/profile/team#enterprise" in body
    assert not [m for to, m in smtp.messages if "bob@contoso.com" in to]  # the admins' matter

    # bob sees it under Calendar services as his organization's, with no Remove.
    client.get("/logout")
    login(client, "bob@contoso.com")
    services = client.get("/calendar_services").get_data(as_text=True)
    row = services[services.index(bob_profile) :][:3000]
    assert "Connected by your organization" in row
    assert f"/calendar_services/{bob_profile}/remove" not in services
    client.get("/logout")

    # A new key revives the same connection; the same profiles come back.
    login(client, "ada@contoso.com")
    upload(json.dumps(google.new_key()).encode())
    web_post(client, TEAM, f"{TEAM}/enterprise/connect_all")
    run_due(app)
    assert _states(client)["bob@contoso.com"] == "connected"
    with app.app_context():
        assert (
            db.session().scalar(
                select(Profile.public_id).where(Profile.account_id == bob.account_id)
            )
            == bob_profile
        )
        assert len(db.session().scalars(select(EnterpriseConnection)).all()) == 1


def _member_profiles(app) -> list[int]:
    with app.app_context():
        return list(
            db.session().scalars(
                select(Profile.id).where(Profile.enterprise_connection_id.is_not(None))
            )
        )


def profile_token_expired(app, profile_id: int) -> None:
    """The member's cached token ran out (Google's last for an hour)."""
    from backend.connections import read_credentials, write_credentials

    sealer = app.extensions["schedlink.sealer"]
    with app.app_context(), db.write() as s:
        profile = s.get(Profile, profile_id)
        credentials = read_credentials(profile, sealer)
        credentials.pop("token", None)
        write_credentials(profile, sealer, credentials)
