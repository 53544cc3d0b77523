"""Web sign-in, the profile page, API keys shown once and revocable, CSRF on every form."""

from __future__ import annotations

import re

import pytest
from helpers import _csrf, login


def _cookie_payload(value: str) -> str:
    """What anyone holding the cookie can read: Flask's session is signed, not encrypted."""
    import base64
    import zlib

    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if value.startswith(".") else raw).decode()


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
    assert "Grace Hopper" in client.get("/").get_data(as_text=True)
    profile = client.get("/profile/api-keys")
    assert profile.headers["Cache-Control"] == "no-store"
    page = profile.get_data(as_text=True)
    created = client.post("/profile/api-keys", data={"csrf_token": _csrf(page), "label": "Laptop"})
    # Shown on the page that created it, never through the cookie or a redirect.
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    key = re.search(r'id="new-api-key">([^<]+)<', created.get_data(as_text=True)).group(1)
    assert key.startswith("slk_")
    assert key not in created.headers.get("Set-Cookie", "")
    cookie = client.get_cookie("session")
    assert cookie is None or key not in _cookie_payload(cookie.value)
    assert key not in client.get("/profile/api-keys").get_data(as_text=True), "shown once only"
    assert client.get("/v1/userinfo", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    page = client.get("/profile/api-keys").get_data(as_text=True)
    key_ids = re.findall(r"/profile/api-keys/(\d+)/revoke", page)
    assert len(key_ids) == 2  # the fixture's and the new one
    newest = key_ids[0]
    revoked = client.post(f"/profile/api-keys/{newest}/revoke", data={"csrf_token": _csrf(page)})
    assert revoked.status_code == 303
    assert client.get("/v1/userinfo", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert client.get("/v1/userinfo", headers=host.headers).status_code == 200


def test_the_page_showing_a_new_key_lists_it(client, host):
    login(client)
    page = client.get("/profile/api-keys").get_data(as_text=True)
    created = client.post(
        "/profile/api-keys", data={"csrf_token": _csrf(page), "label": "Second key"}
    )
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    table = html[html.index("<table") :]
    assert "Second key" in table
    assert len(re.findall(r"/profile/api-keys/(\d+)/revoke", table)) == 2


def test_state_changing_forms_need_csrf(client, host):
    login(client)
    assert client.post("/profile/api-keys", data={"label": "x"}).status_code == 400
    assert client.post("/logout").status_code == 400


def test_logout(client, host):
    login(client)
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": _csrf(page)}).status_code == 303
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/", "/\\evil.example", "https://evil.example", "/%09/evil.example",
        "/%0A/evil.example", "/%0D%0A/evil.example", "/%5C/evil.example", "%09//evil.example",
        "/%0A/x", "/\t/evil.example", "%2F%2Fevil.example", "／／evil.example", "/%00/x",
        "javascript:alert(1)", "http:/evil.example", "\\\\evil.example",
    ],
)  # fmt: skip
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


def test_login_keeps_a_same_site_next(client, host):
    page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "email": host.email, "password": "correct horse battery"}
    response = client.post("/login?next=/settings/hours%3Fx%3D1", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/settings/hours?x=1"


def test_forwarded_for_from_an_untrusted_peer_is_ignored(app, client, host):
    """No SCHEDLINK_TRUSTED_PROXIES: a client can't pick a fresh bucket by sending the header."""
    app.config["RATELIMIT_LOGIN_ACCOUNT"] = "1000/minute"  # only the per-address limit here
    token = _csrf(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login",
            data={"csrf_token": token, "email": f"u{i}@example.com", "password": "x" * 12},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(12)
    ]
    assert statuses == [401] * 10 + [429] * 2


def test_api_ignores_session_cookies(client, host):
    login(client)
    assert client.get("/v1/userinfo").status_code == 401


def _sign_in_status(app, address: str, password: str, email="host@example.com") -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = _csrf(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": password}
    return client.post("/login", data=data).status_code


def test_a_stranger_cannot_lock_the_owner_out(app, host):
    """Failures count per (account, address); past the account-wide failure limit only
    addresses that failed are refused, so the owner's correct password still works."""
    app.config.update(
        RATELIMIT_LOGIN="1000/minute",  # the per-address limit on all attempts is not tested here
        RATELIMIT_LOGIN_ACCOUNT="5/minute",
        RATELIMIT_LOGIN_ACCOUNT_FAILURES="8/minute",
    )
    good, bad = "correct horse battery", "wrong password!"
    stranger, owner = "203.0.113.1", "198.51.100.7"
    assert [_sign_in_status(app, stranger, bad) for _ in range(5)] == [401] * 5
    # The stranger is throttled for this account, even with the right password...
    assert _sign_in_status(app, stranger, bad) == 429
    assert _sign_in_status(app, stranger, good) == 429
    # ...the owner is not, and another account is not throttled for the stranger.
    assert _sign_in_status(app, owner, good) == 303
    assert _sign_in_status(app, stranger, bad, email="other@example.com") == 401

    # Failures from more addresses pass the account-wide limit (8): addresses that failed
    # are refused, one that has not may still try, and the owner still signs in.
    assert [_sign_in_status(app, "203.0.113.2", bad) for _ in range(3)] == [401] * 3
    assert _sign_in_status(app, "203.0.113.2", good) == 429
    assert _sign_in_status(app, "203.0.113.3", bad) == 401
    assert _sign_in_status(app, "203.0.113.3", bad) == 429
    assert _sign_in_status(app, owner, good) == 303
    refused = app.test_client()
    refused.environ_base["REMOTE_ADDR"] = stranger
    page = refused.post(
        "/login",
        data={
            "csrf_token": _csrf(refused.get("/login").get_data(as_text=True)),
            "email": host.email,
            "password": bad,
        },
    )
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
