"""Web sign-in, the profile page, API keys shown once and revocable, CSRF on every form."""

from __future__ import annotations

import re

import pytest
from helpers import _csrf, login


def test_profile_needs_sign_in(client, host):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_and_unknown_email_look_the_same(client, host):
    wrong = login(client, password="not the password")
    unknown = login(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data() == unknown.get_data()
    assert "match an account" in wrong.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, host):
    response = client.post(
        "/login", data={"email": "host@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 400


def test_api_key_is_shown_once_works_and_can_be_revoked(client, host):
    assert login(client).status_code == 303
    profile = client.get("/").get_data(as_text=True)
    assert "Grace Hopper" in profile
    created = client.post("/api-keys", data={"csrf_token": _csrf(profile), "label": "Laptop"})
    assert created.status_code == 303
    shown = client.get("/").get_data(as_text=True)
    key = re.search(r'id="new-api-key">([^<]+)<', shown).group(1)
    assert key.startswith("slk_")
    assert key not in client.get("/").get_data(as_text=True), "shown once only"
    assert client.get("/v1/userinfo", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    page = client.get("/").get_data(as_text=True)
    key_ids = re.findall(r"/api-keys/(\d+)/revoke", page)
    assert len(key_ids) == 2  # the fixture's and the new one
    newest = key_ids[0]
    revoked = client.post(f"/api-keys/{newest}/revoke", data={"csrf_token": _csrf(page)})
    assert revoked.status_code == 303
    assert client.get("/v1/userinfo", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert client.get("/v1/userinfo", headers=host.headers).status_code == 200


def test_state_changing_forms_need_csrf(client, host):
    login(client)
    assert client.post("/api-keys", data={"label": "x"}).status_code == 400
    assert client.post("/logout").status_code == 400


def test_logout(client, host):
    login(client)
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": _csrf(page)}).status_code == 303
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example"])
def test_login_never_redirects_off_site(client, host, target):
    page = client.get(f"/login?next={target}").get_data(as_text=True)
    response = client.post(
        f"/login?next={target}",
        data={
            "csrf_token": _csrf(page),
            "email": "host@example.com",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] in ("/", "http://schedlink.test/")


def test_api_ignores_session_cookies(client, host):
    login(client)
    assert client.get("/v1/userinfo").status_code == 401
