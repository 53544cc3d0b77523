"""/v1/organization over API keys, on both databases: 404 without an organization, members
and roles, invitations (admins only, 422 for a member's address, read and revoke), removing
a member; the invitation e-mail goes through the real SMTP server."""

from __future__ import annotations

from helpers import make_host

from backend import db
from backend.models import Account
from backend.organizations import create_organization
from backend.outbox import worker


def _admin_with_team(app):
    admin = make_host(app, "ada@example.com", "Ada Lovelace")
    member = make_host(app, "bob@example.com", "Bob")
    with app.app_context(), db.write() as s:
        org = create_organization(s, s.get(Account, admin.account_id), "Engines")
        bob = s.get(Account, member.account_id)
        bob.organization_id, bob.organization_role = org.id, "member"
    return admin, member


def test_no_organization_is_404(client, host):
    response = client.get("/v1/organization", headers=host.headers)
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    invite = client.post(
        "/v1/organization/invitations", json={"email": "x@example.com"}, headers=host.headers
    )
    assert invite.status_code == 404


def test_members_invitations_and_removal(app, client, smtp):
    admin, member = _admin_with_team(app)
    body = client.get("/v1/organization", headers=member.headers).get_json()["organization"]
    assert body["name"] == "Engines" and body["organization_id"].startswith("org_")
    assert sorted((m["email"], m["role"]) for m in body["members"]) == [
        ("ada@example.com", "admin"), ("bob@example.com", "member"),
    ]  # fmt: skip
    assert set(body["members"][0]) == {"sub", "name", "email", "role"}

    url = "/v1/organization/invitations"
    denied = client.post(url, json={"email": "c@example.com"}, headers=member.headers)
    assert denied.status_code == 403
    taken = client.post(url, json={"email": "BOB@example.com"}, headers=admin.headers)
    assert taken.status_code == 422 and "email" in taken.get_json()["errors"]
    bad_role = client.post(
        url, json={"email": "c@example.com", "role": "owner"}, headers=admin.headers
    )
    assert bad_role.status_code == 422 and "role" in bad_role.get_json()["errors"]
    created = client.post(
        url, json={"email": "carol@example.com", "role": "admin"}, headers=admin.headers
    )
    assert created.status_code == 201
    invitation = created.get_json()["invitation"]
    assert invitation["invitation_id"].startswith("inv_")
    assert (invitation["email"], invitation["role"], invitation["status"]) == (
        "carol@example.com", "admin", "pending",
    )  # fmt: skip
    worker.run_once(app)
    [(rcpt, message)] = smtp.messages
    assert rcpt == ["carol@example.com"] and "Engines" in message["Subject"]
    assert "/invitations/" in message.get_body(("plain",)).get_content()

    one = f"{url}/{invitation['invitation_id']}"
    assert client.get(one, headers=member.headers).get_json()["invitation"] == invitation
    listed = client.get(url, headers=admin.headers).get_json()["invitations"]
    assert [i["invitation_id"] for i in listed] == [invitation["invitation_id"]]
    assert client.delete(one, headers=member.headers).status_code == 403
    assert client.delete(one, headers=admin.headers).status_code == 204
    assert client.get(one, headers=admin.headers).get_json()["invitation"]["status"] == "revoked"
    assert client.get(url, headers=admin.headers).get_json()["invitations"] == []
    assert client.get(f"{url}/inv_nope", headers=admin.headers).status_code == 404

    members = "/v1/organization/members"
    assert client.delete(f"{members}/{admin.sub}", headers=member.headers).status_code == 403
    last = client.delete(f"{members}/{admin.sub}", headers=admin.headers)
    assert last.status_code == 409, "the last admin stays"
    assert client.delete(f"{members}/acc_nobody", headers=admin.headers).status_code == 404
    assert client.delete(f"{members}/{member.sub}", headers=admin.headers).status_code == 204
    assert client.get("/v1/organization", headers=member.headers).status_code == 404
    body = client.get("/v1/organization", headers=admin.headers).get_json()["organization"]
    assert [m["sub"] for m in body["members"]] == [admin.sub]
