"""The Team section and the invitation page through the real pages, on both databases, with
the invitation e-mails sent through the real SMTP server: create an organization, invite a
new address (the link creates the account) and an existing account (signed in, it joins),
roles, removal, leaving, and links that are used, revoked or bad."""

from __future__ import annotations

import re

from helpers import login, make_host, web_post

from backend.outbox import worker

PASSWORD = "correct horse battery"


def _invitation_link(app, smtp, address: str) -> str:
    worker.run_once(app)
    mails = [m for rcpt, m in smtp.messages if rcpt == [address]]
    text = mails[-1].get_body(("plain",)).get_content()
    return re.search(r"http://schedlink\.test(/invitations/\S+)", text).group(1)


def _team(client) -> str:
    return client.get("/profile/team").get_data(as_text=True)


def test_team_from_creation_to_invitations_roles_and_leaving(app, client, smtp, host):
    bob = make_host(app, "bob@example.com", "Bob")
    make_host(app, "stranger@example.com", "Stranger")
    login(client)
    assert "Create organization" in _team(client)
    assert (
        web_post(client, "/profile/team", "/profile/team", {"name": "Engines"}).status_code == 303
    )
    assert "<h1>Engines</h1>" in _team(client)
    assert web_post(client, "/profile/team", "/profile/team/name", {"name": "Big Engines"})
    assert "<h1>Big Engines</h1>" in _team(client)

    # A new address: the link makes the account, signed in, in the organization.
    web_post(client, "/profile/team", "/profile/team/invitations",
             {"email": "carol@example.com", "role": "member"})  # fmt: skip
    assert "carol@example.com" in _team(client)
    link = _invitation_link(app, smtp, "carol@example.com")
    carol = app.test_client()
    page = carol.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert 'data-state="create"' in page.get_data(as_text=True)
    form = {"name": "Carol", "tzid": "Europe/Paris", "password": PASSWORD}
    mismatch = web_post(carol, link, link, {**form, "password_confirm": "x"})
    assert mismatch.status_code == 422
    weak = web_post(
        carol, link, link, {**form, "password": "password1", "password_confirm": "password1"}
    )
    assert weak.status_code == 422 and "common" in weak.get_data(as_text=True)
    done = web_post(carol, link, link, {**form, "password_confirm": PASSWORD})
    assert done.status_code == 303
    assert "Big Engines" in _team(carol) and "a member" in _team(carol)
    again = app.test_client().get(link)
    assert again.status_code == 410 and 'data-state="used"' in again.get_data(as_text=True)

    # An existing account without an organization: sign in, then join.
    web_post(client, "/profile/team", "/profile/team/invitations",
             {"email": "bob@example.com", "role": "admin"})  # fmt: skip
    link = _invitation_link(app, smtp, "bob@example.com")
    bob_client = app.test_client()
    assert 'data-state="sign_in"' in bob_client.get(link).get_data(as_text=True)
    stranger = app.test_client()
    login(stranger, "stranger@example.com")
    assert 'data-state="other_account"' in stranger.get(link).get_data(as_text=True)
    refused = web_post(stranger, "/profile/team", link)
    assert refused.status_code == 409 and 'data-state="other_account"' in refused.get_data(
        as_text=True
    )
    login(bob_client, "bob@example.com")
    assert 'data-state="join"' in bob_client.get(link).get_data(as_text=True)
    assert web_post(bob_client, link, link).status_code == 303
    html = _team(client)
    assert html.count("data-member=") == 3

    # Roles: the last admin can't be demoted; with two admins one may step down and leave.
    web_post(bob_client, "/profile/team", f"/profile/team/members/{bob.sub}/role",
             {"role": "member"})  # fmt: skip
    response = web_post(client, "/profile/team", f"/profile/team/members/{host.sub}/role",
                        {"role": "member"})  # fmt: skip
    assert response.status_code == 303
    assert "needs at least one admin" in _team(client)
    web_post(client, "/profile/team", f"/profile/team/members/{bob.sub}/role", {"role": "admin"})
    web_post(client, "/profile/team", "/profile/team/leave")
    assert "Create organization" in _team(client)
    # Bob, admin now, removes Carol; a member can't remove anyone.
    carol_sub = re.search(r'data-member="(acc_[a-z2-7]+)"><td>Carol', _team(bob_client)).group(1)
    web_post(carol, "/profile/team", f"/profile/team/members/{bob.sub}/remove")
    assert "Only an admin" in _team(carol)
    web_post(bob_client, "/profile/team", f"/profile/team/members/{carol_sub}/remove")
    assert "Create organization" in _team(carol)


def test_revoked_and_bad_invitation_links(app, client, smtp, host):
    login(client)
    web_post(client, "/profile/team", "/profile/team", {"name": "Engines"})
    web_post(client, "/profile/team", "/profile/team/invitations", {"email": "d@example.com"})
    link = _invitation_link(app, smtp, "d@example.com")
    html = _team(client)
    invitation_id = re.search(r'data-invitation="(inv_[a-z2-7]+)"', html).group(1)
    web_post(client, "/profile/team", f"/profile/team/invitations/{invitation_id}/resend")
    newer = _invitation_link(app, smtp, "d@example.com")
    assert newer != link
    stranger = app.test_client()
    replaced = stranger.get(link)
    assert replaced.status_code == 410 and 'data-state="replaced"' in replaced.get_data(
        as_text=True
    )
    web_post(client, "/profile/team", f"/profile/team/invitations/{invitation_id}/revoke")
    revoked = stranger.get(newer)
    assert revoked.status_code == 410 and 'data-state="revoked"' in revoked.get_data(as_text=True)
    bad = stranger.get(newer[:-3] + "abc")
    assert bad.status_code == 404 and 'data-state="bad"' in bad.get_data(as_text=True)
