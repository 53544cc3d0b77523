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


def test_patch_account_updates_and_email_needs_confirmation(app, client, host):
    ok = client.patch(
        "/v1/account",
        json={"name": "Grace B. Hopper", "tzid": "America/New_York", "hour_format": "12",
              "email": "grace@new.example"},
        headers=host.headers,
    )  # fmt: skip
    assert ok.status_code == 200
    account = ok.get_json()["account"]
    assert account["name"] == "Grace B. Hopper" and account["hour_format"] == "12"
    assert account["email"] == host.email and account["pending_email"] == "grace@new.example"
    with app.app_context():
        kinds = sorted(db.session().scalars(select(Job.kind)))
    assert kinds == ["account.email_change_notice", "account.email_change_requested"]
    same = client.patch("/v1/account", json={"email": host.email.upper()}, headers=host.headers)
    assert same.status_code == 200 and same.get_json()["account"]["pending_email"] is None


def test_patch_account_email_taken_is_409(app, client, host):
    from helpers import make_host

    make_host(app, email="other@example.com")
    taken = client.patch("/v1/account", json={"email": "other@example.com"}, headers=host.headers)
    assert taken.status_code == 409 and taken.get_json()["error"] == "conflict"
