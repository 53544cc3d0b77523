""" "Connect this browser" end to end on both databases: the extension's request (only a
verifier's hash), the owner's approval on the page (signed in, code shown), the one exchange
for a new API key labelled with the browser, listed and revocable under API keys; plus
GET /v1/signup for the options page."""

from __future__ import annotations

import base64
import hashlib
import secrets

from helpers import login, web_post


def _pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_signup_status_for_the_options_page(app, client):
    assert client.get("/v1/signup").get_json() == {"open": False, "url": None}
    app.config["SIGNUP"] = "example.com"
    assert client.get("/v1/signup").get_json() == {
        "open": True, "url": "http://schedlink.test/signup",
    }  # fmt: skip


def test_connect_this_browser(app, client, host):
    verifier, challenge = _pair()
    started = client.post(
        "/v1/browser_connections", json={"code_challenge": challenge, "browser": "Chrome on Linux"}
    )
    assert started.status_code == 201
    body = started.get_json()
    assert body["verification_url"].startswith("http://schedlink.test/connect/bc_")
    assert len(body["user_code"]) == 9 and body["interval"] == 2
    exchange = {"connection_id": body["connection_id"], "code_verifier": verifier}
    token_url = "/v1/browser_connections/token"
    pending = client.post(token_url, json=exchange)
    assert pending.status_code == 202 and pending.get_json() == {"status": "pending"}

    page_path = body["verification_url"].removeprefix("http://schedlink.test")
    assert client.get(page_path).status_code == 302, "sign in first"
    owner = app.test_client()
    login(owner)
    page = owner.get(page_path).get_data(as_text=True)
    assert body["user_code"] in page and "Chrome on Linux" in page
    assert web_post(owner, page_path, page_path).status_code == 200

    wrong = client.post(token_url, json={**exchange, "code_verifier": _pair()[0]})
    assert wrong.status_code == 404, "the key goes only to the verifier's holder"
    granted = client.post(token_url, json=exchange)
    assert granted.status_code == 200
    key = granted.get_json()["api_key"]
    assert granted.get_json()["sub"] == host.sub
    who = client.get("/v1/userinfo", headers={"Authorization": f"Bearer {key}"})
    assert who.get_json()["sub"] == host.sub
    again = client.post(token_url, json=exchange)
    assert again.status_code == 410, "once"
    listed = owner.get("/profile/api-keys").get_data(as_text=True)
    assert "Chrome on Linux (connected browser)" in listed
    assert owner.get(page_path).status_code == 410


def test_bad_requests(client):
    assert client.post("/v1/browser_connections", json={"code_challenge": "x"}).status_code == 422
    unknown = {"connection_id": "bc_aaaaaaaaaaaaaaaaaaaaaaaaaa", "code_verifier": "v" * 43}
    assert client.post("/v1/browser_connections/token", json=unknown).status_code == 404


def test_approving_outside_sudo_asks_for_the_password_then_comes_back(app, client, host):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from backend import db
    from backend.models import UserSession

    _verifier, challenge = _pair()
    body = client.post("/v1/browser_connections", json={"code_challenge": challenge}).get_json()
    page_path = body["verification_url"].removeprefix("http://schedlink.test")
    owner = app.test_client()
    login(owner)
    with app.app_context(), db.write() as s:
        s.execute(update(UserSession).values(reauth_at=datetime.now(UTC) - timedelta(hours=1)))
    asked = web_post(owner, page_path, page_path)
    assert asked.status_code == 303 and "/profile/confirm" in asked.headers["Location"]
    assert "connect" in asked.headers["Location"], "comes back to the approval page"
