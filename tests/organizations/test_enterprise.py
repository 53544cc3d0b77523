"""Enterprise Connect end to end against the providers' stand-ins: a Microsoft 365 tenant's
admin consent, the client-credentials app token and Graph `/users/{upn}`; a Google Workspace
service account's JWT-bearer tokens; service account authorizations with their signed
callbacks; busy time and bookings through member profiles; a revoked consent or deleted key
disconnecting every member profile, keeping busy times and mailing the admins."""
# ruff: noqa: F811 - the shared fixtures are imported by name

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from enterprise_setup import (  # noqa: F401 - fixtures
    RETURN_TO,
    app,
    at,
    authorize,
    callbacks,
    connect_microsoft,
    day_ahead,
    google,
    graph_event,
    microsoft,
    receiver,
    team,
)
from helpers import book, create_link, form_fields, login, path_of, web_post
from sqlalchemy import select
from standins import query_of
from standins.enterprise import rsa_pem

from backend import db
from backend.models import Calendar, Event, Profile
from backend.outbox import run_once


def test_microsoft_tenant_end_to_end(app, client, team, microsoft, receiver, smtp):
    admin, (bob, cy, dee) = team
    day = day_ahead()
    graph = microsoft.add_user("bob@contoso.com")
    graph.add_calendar("AAMkcal1", "Calendar", default=True)
    for i in range(60):  # more than a page: @odata.nextLink on the /users/{upn} path
        graph_event(
            graph,
            at(day, 0) + timedelta(minutes=i),
            at(day, 0) + timedelta(minutes=i + 1),
            f"tick {i}",
        )
    graph_event(graph, at(day, 10), at(day, 11), "Board meeting")
    microsoft.add_user("cy@contoso.com").add_calendar("AAMkcal1", "Calendar", default=True)

    # A member may not connect the tenant; the consent lands on the admin's redirect URI.
    refused = client.post(
        "/v1/organization/enterprise_connections",
        headers=bob.headers,
        json={"provider_name": "microsoft", "tenant": "contoso.com", "redirect_uri": RETURN_TO},
    )
    assert refused.status_code == 403
    connection_id = connect_microsoft(client, admin, microsoft)
    listed = client.get("/v1/organization/enterprise_connections", headers=admin.headers)
    (conn,) = listed.get_json()["enterprise_connections"]
    assert conn["enterprise_connection_id"] == connection_id and conn["status"] == "active"

    receiver.received.clear()
    assert authorize(client, admin, "bob@contoso.com", receiver).status_code == 202
    (note,) = callbacks(app, client, admin, receiver, 1)
    assert note["state"] == "s-1"
    authorization = note["service_account_authorization"]
    assert authorization["status"] == "authorized" and authorization["email"] == "bob@contoso.com"
    assert authorization["provider_name"] == "exchange"
    run_once(app)  # the first sync

    profiles = client.get("/v1/profiles", headers=bob.headers).get_json()["profiles"]
    (profile,) = [p for p in profiles if p["provider_name"] == "exchange"]
    assert profile["profile_connected"] and profile.get("enterprise") is True
    assert any(
        "/users/bob@contoso.com/calendars/AAMkcal1/calendarView/delta" in r
        for r in microsoft.graph_requests
    )
    assert any("skiptoken" in r for r in microsoft.graph_requests)
    with app.app_context():
        summaries = set(
            db.session().scalars(
                select(Event.summary)
                .join(Calendar, Calendar.id == Event.calendar_id)
                .where(Calendar.account_id == bob.account_id)
            )
        )
    assert "Board meeting" in summaries and "tick 59" in summaries

    # Busy time blocks bob's links; a booking is written into his mailbox through /users/{upn}.
    link = create_link(client, bob)
    starts = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))["starts"]
    assert at(day, 10).strftime("%Y-%m-%dT%H:%M:%SZ") not in starts
    assert client.put(
        "/v1/booking_calendar",
        headers=bob.headers,
        json={
            "calendar_id": next(
                c["calendar_id"] for c in profile["profile_calendars"] if c["calendar_primary"]
            )
        },
    ).status_code in (200, 204)
    link = create_link(client, bob)
    assert book(client, link["url"])[0].status_code == 303
    run_once(app)
    assert any(
        r.startswith("POST /v1.0/users/bob@contoso.com/calendars/AAMkcal1/events")
        for r in microsoft.graph_requests
    )

    # The member cannot remove the organization's profile.
    removed = client.post(f"/v1/profiles/{profile['profile_id']}/revoke", headers=bob.headers)
    assert removed.status_code == 403
    login(client, "bob@contoso.com")
    services_page = client.get("/calendar_services").get_data(as_text=True)
    assert "bob@contoso.com" in services_page and "Connected by your organization" in services_page
    client.get("/logout")

    # Failures reach the callback: no such user, no mailbox, outside the tenant (a member).
    receiver.received.clear()
    microsoft.no_mailbox.add("cy@contoso.com")
    assert authorize(client, admin, "cy@contoso.com", receiver, "s-2").status_code == 202
    (note,) = callbacks(app, client, admin, receiver, 1)
    assert note["service_account_authorization"]["error"] == "no_mailbox"
    microsoft.no_mailbox.clear()
    microsoft.mailboxes.pop("cy@contoso.com")
    assert authorize(client, admin, "cy@contoso.com", receiver, "s-3").status_code == 202
    assert authorize(client, admin, "dee@elsewhere.org", receiver, "s-4").status_code == 202
    notes = callbacks(app, client, admin, receiver, 3)[1:]
    errors = {n["state"]: n["service_account_authorization"]["error"] for n in notes}
    assert errors == {"s-3": "unknown_user", "s-4": "access_denied"}
    assert authorize(client, admin, "nobody@contoso.com", receiver).status_code == 422
    # One app token served every member (the tenant's, cached until it expires).
    grants = [r for r in microsoft.token_requests if r.get("grant_type") == "client_credentials"]
    assert len(grants) == 1

    # The consent is withdrawn: every member profile is disconnected, busy times stay, the
    # admins get an e-mail.
    microsoft.revoke_consent()
    with app.app_context(), db.write() as s:
        conn_row = s.scalar(select(Profile).where(Profile.account_id == bob.account_id))
        from backend.models import EnterpriseConnection

        ent = s.get(EnterpriseConnection, conn_row.enterprise_connection_id)
        ent.credentials = None  # the cached app token ran out
    client.post(f"/v1/profiles/{profile['profile_id']}/sync", headers=bob.headers)
    run_once(app)
    run_once(app)
    listed = client.get("/v1/organization/enterprise_connections", headers=admin.headers)
    assert listed.get_json()["enterprise_connections"][0]["status"] == "disconnected"
    profiles = client.get("/v1/profiles", headers=bob.headers).get_json()["profiles"]
    assert not [p for p in profiles if p["provider_name"] == "exchange"][0]["profile_connected"]
    with app.app_context():
        assert db.session().scalar(select(Event.id).where(Event.summary == "Board meeting"))
    assert any("ada@contoso.com" in rcpts for rcpts, _m in smtp.messages)

    # Removing the connection removes every member profile made through it.
    gone = client.delete(
        f"/v1/organization/enterprise_connections/{connection_id}", headers=admin.headers
    )
    assert gone.status_code == 204
    profiles = client.get("/v1/profiles", headers=bob.headers).get_json()["profiles"]
    assert not [p for p in profiles if p["provider_name"] == "exchange"]


def test_admin_consent_refused_and_bad_state(app, client, team, microsoft):
    admin, _ = team
    started = client.post(
        "/v1/organization/enterprise_connections",
        headers=admin.headers,
        json={"provider_name": "microsoft", "tenant": "contoso.com", "redirect_uri": RETURN_TO},
    )
    microsoft.deny_next = True
    back = microsoft.provider.consent(started.get_json()["authorization_request"]["url"])
    answer = client.get(path_of(back))
    assert query_of(answer.headers["Location"])["error"] == "access_denied"
    again = client.get(path_of(back))  # the state was used
    assert again.status_code == 400
    bad = client.post(
        "/v1/organization/enterprise_connections",
        headers=admin.headers,
        json={
            "provider_name": "microsoft",
            "tenant": "contoso.com",
            "redirect_uri": "https://evil.example.net/",
        },
    )
    assert bad.status_code == 422


def test_certificate_client_assertion(app, client, team, microsoft, receiver, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    pem, public = rsa_pem()
    key = serialization.load_pem_private_key(pem.encode(), None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "schedlink")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    app.config["MICROSOFT_CERTIFICATE"] = (
        cert.public_bytes(serialization.Encoding.PEM).decode() + pem
    )
    microsoft.certificate_public = public
    admin, _ = team
    microsoft.add_user("bob@contoso.com").add_calendar("AAMkcal1", "Calendar", default=True)
    connect_microsoft(client, admin, microsoft)
    receiver.received.clear()
    assert authorize(client, admin, "bob@contoso.com", receiver).status_code == 202
    (note,) = callbacks(app, client, admin, receiver, 1)
    assert note["service_account_authorization"]["status"] == "authorized"
    last = microsoft.token_requests[-1]
    assert "client_secret" not in last and last["client_assertion"].count(".") == 2


def test_google_workspace_end_to_end(app, client, team, google, receiver, smtp):
    admin, (bob, _cy, _dee) = team
    day = day_ahead()
    google.add_user("ada@contoso.com").add_calendar("ada-primary", "Ada", primary=True)
    calendar = google.add_user("bob@contoso.com")
    calendar.add_calendar("bob-primary", "Bob", primary=True)
    calendar.add_event(
        "bob-primary",
        {
            "summary": "Interview loop",
            "start": {"dateTime": at(day, 9).isoformat()},
            "end": {"dateTime": at(day, 10).isoformat()},
        },
    )

    undelegated = google.new_key(delegated=False)
    refused = client.post(
        "/v1/organization/enterprise_connections",
        headers=admin.headers,
        json={"provider_name": "google", "service_account_key": undelegated},
    )
    assert refused.status_code == 422
    assert "unauthorized_client" in str(refused.get_json())
    key = google.new_key()
    made = client.post(
        "/v1/organization/enterprise_connections",
        headers=admin.headers,
        json={"provider_name": "google", "service_account_key": key},
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()["enterprise_connection"]
    assert body["status"] == "active" and key["private_key"] not in made.get_data(as_text=True)
    listed = client.get("/v1/organization/enterprise_connections", headers=admin.headers)
    assert "PRIVATE KEY" not in listed.get_data(as_text=True)

    receiver.received.clear()
    assert authorize(client, admin, "bob@contoso.com", receiver).status_code == 202
    (note,) = callbacks(app, client, admin, receiver, 1)
    assert note["service_account_authorization"]["status"] == "authorized"
    run_once(app)
    with app.app_context():
        assert db.session().scalar(
            select(Event.id)
            .join(Calendar, Calendar.id == Event.calendar_id)
            .where(Calendar.account_id == bob.account_id, Event.summary == "Interview loop")
        )
    last = google.token_requests[-1]
    assert last["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"

    # The Team page shows the connection and each member's status; connect every member.
    login(client, "ada@contoso.com")
    page = client.get("/profile/team").get_data(as_text=True)
    assert 'id="enterprise"' in page and 'data-enterprise-member="bob@contoso.com"' in page
    assert web_post(
        client, "/profile/team", "/profile/team/enterprise/connect_all"
    ).status_code in (200, 303)

    # The key is deleted in Google: every profile disconnects, busy time stays, admins told.
    google.delete_key(key)
    for account_id in (bob.account_id,):
        with app.app_context(), db.write() as s:
            profile = s.scalar(select(Profile).where(Profile.account_id == account_id))
            profile.credentials = None
            from backend.connections import write_credentials

            write_credentials(
                profile, app.extensions["schedlink.sealer"], {"upn": "bob@contoso.com"}
            )
            pid = profile.public_id
    client.post(f"/v1/profiles/{pid}/sync", headers=bob.headers)
    run_once(app)
    run_once(app)
    listed = client.get("/v1/organization/enterprise_connections", headers=admin.headers)
    assert listed.get_json()["enterprise_connections"][0]["status"] == "disconnected"
    with app.app_context():
        assert db.session().scalar(select(Event.id).where(Event.summary == "Interview loop"))
    assert any("ada@contoso.com" in rcpts for rcpts, _m in smtp.messages)


def test_app_token_reused_until_rejected(app, client, team, microsoft, receiver):
    """One app token serves every member's syncs; when Graph rejects it (expired early), one
    new client-credentials grant follows and the sync goes on (Google's per-member tokens:
    bench/bench_enterprise.py counts them)."""
    admin, (bob, cy, _dee) = team
    for upn in ("bob@contoso.com", "cy@contoso.com"):
        microsoft.add_user(upn).add_calendar("AAMkcal1", "Calendar", default=True)
    connect_microsoft(client, admin, microsoft)
    receiver.received.clear()
    body = {"service_account_authorizations": [
        {"email": e, "scope": "read_write", "callback_url": receiver.url}
        for e in ("bob@contoso.com", "cy@contoso.com")
    ]}  # fmt: skip
    answer = client.post("/v1/service_account_authorizations", headers=admin.headers, json=body)
    assert answer.status_code == 202
    notes = callbacks(app, client, admin, receiver, 2)
    assert {n["service_account_authorization"]["status"] for n in notes} == {"authorized"}
    run_once(app)

    def grants() -> int:
        return sum(r.get("grant_type") == "client_credentials" for r in microsoft.token_requests)

    assert grants() == 1
    microsoft.provider.expire_access_tokens()
    for member in (bob, cy):
        profiles = client.get("/v1/profiles", headers=member.headers).get_json()["profiles"]
        (profile,) = [p for p in profiles if p["provider_name"] == "exchange"]
        client.post(f"/v1/profiles/{profile['profile_id']}/sync", headers=member.headers)
    run_once(app)
    assert grants() == 2
    for member in (bob, cy):
        profiles = client.get("/v1/profiles", headers=member.headers).get_json()["profiles"]
        (profile,) = [p for p in profiles if p["provider_name"] == "exchange"]
        assert profile["profile_connected"] and profile["sync_error"] is None
