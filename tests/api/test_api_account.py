"""GET/PATCH /v1/account: the editable profile for API users, never a secret."""

from __future__ import annotations

from sqlalchemy import select

from backend import db
from backend.models import Job


def test_get_account_has_the_profile_and_no_secrets(client, host):
    response = client.get("/v1/account", headers=host.headers)
    assert response.status_code == 200
    account = response.get_json()["account"]
    assert account == {
        "account_id": host.sub,  # Cronofy's names (pycronofy's account())
        "scope": "read_account list_calendars read_events create_event delete_event read_free_busy",
        "default_tzid": "Europe/London",
        "sub": host.sub,
        "email": host.email,
        "name": "Grace Hopper",
        "tzid": "Europe/London",
        "hour_format": "24",
        "mfa_enabled": False,
        "pending_email": None,
    }
    assert client.get("/v1/account").status_code == 401


def test_patch_account_validates_everything_at_once(client, host):
    bad = client.patch(
        "/v1/account",
        json={"name": "", "tzid": "Mars/Olympus", "hour_format": 12, "password": "x"},
        headers=host.headers,
    )
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert set(errors) == {"password"}  # unknown fields are refused before anything else
    bad = client.patch(
        "/v1/account", json={"name": "", "tzid": "Mars/Olympus", "hour_format": 12},
        headers=host.headers,
    )  # fmt: skip
    assert set(bad.get_json()["errors"]) == {"name", "tzid", "hour_format"}
    assert bad.get_json()["errors"]["tzid"][0]["key"] == "errors.invalid"
    assert client.get("/v1/account", headers=host.headers).get_json()["account"]["name"] == (
        "Grace Hopper"
    )
    assert client.patch("/v1/account", data="nope", headers=host.headers).status_code == 422


def test_patch_account_updates_the_profile(client, host):
    ok = client.patch(
        "/v1/account",
        json={"name": "Grace B. Hopper", "tzid": "America/New_York", "hour_format": "12"},
        headers=host.headers,
    )
    assert ok.status_code == 200
    account = ok.get_json()["account"]
    assert account["name"] == "Grace B. Hopper" and account["hour_format"] == "12"
    assert account["tzid"] == "America/New_York" and account["pending_email"] is None


def test_an_api_key_alone_cannot_start_an_email_change(app, client, host):
    """A leaked API key must not be enough to move the account to the thief's address."""
    for body in (
        {"email": "thief@evil.test"},
        {"name": "Thief", "email": "thief@evil.test"},
        {"email": host.email.upper()},
        {"email": None},
    ):
        refused = client.patch("/v1/account", json=body, headers=host.headers)
        assert refused.status_code == 403, body
        error = refused.get_json()
        assert error["error"] == "forbidden" and "/profile" in error["message"]
        assert "password" in error["message"]
    account = client.get("/v1/account", headers=host.headers).get_json()["account"]
    assert account["email"] == host.email and account["name"] == "Grace Hopper"
    assert account["pending_email"] is None
    with app.app_context():
        assert list(db.session().scalars(select(Job.kind))) == [], "no link, no notice queued"
