"""POST/GET/DELETE /v1/channels and the webhook secret endpoints: Cronofy's shapes, identical
channels returned not duplicated, validation in the Cronofy 422 shape, per-account scoping."""

from __future__ import annotations

import pytest
from helpers import make_host
from sqlalchemy import func, select

from backend.models import Channel, WebhookMessage


@pytest.fixture
def app_config():
    return {"OUTBOUND_ALLOW": []}  # nothing local is allowed here


URL = "https://hooks.example.com/schedlink?token=abc"


def test_create_list_identical_and_delete(app, client, host):
    response = client.post("/v1/channels", json={"callback_url": URL}, headers=host.headers)
    assert response.status_code == 201
    channel = response.get_json()["channel"]
    assert channel["channel_id"].startswith("chn_")
    assert channel == {
        "channel_id": channel["channel_id"], "callback_url": URL, "filters": {}, "status": "active",
    }  # fmt: skip
    again = client.post("/v1/channels", json={"callback_url": URL, "filters": {}},
                        headers=host.headers)  # fmt: skip
    assert again.status_code == 200 and again.get_json()["channel"] == channel
    filtered = client.post(
        "/v1/channels",
        json={"callback_url": URL, "filters": {"types": ["booking_created", "booking_cancelled"],
                                               "only_managed": False}},
        headers=host.headers,
    ).get_json()["channel"]  # fmt: skip
    assert filtered["channel_id"] != channel["channel_id"]
    assert filtered["filters"] == {"types": ["booking_cancelled", "booking_created"]}
    listed = client.get("/v1/channels", headers=host.headers).get_json()["channels"]
    assert [c["channel_id"] for c in listed] == [channel["channel_id"], filtered["channel_id"]]
    with app.extensions["schedlink.sessions"]() as s:  # one verification per new channel
        assert s.scalar(select(func.count()).select_from(WebhookMessage)) == 2
    assert (
        client.delete(f"/v1/channels/{channel['channel_id']}", headers=host.headers).status_code
        == 202
    )
    assert (
        client.delete(f"/v1/channels/{channel['channel_id']}", headers=host.headers).status_code
        == 404
    )
    listed = client.get("/v1/channels", headers=host.headers).get_json()["channels"]
    assert [c["channel_id"] for c in listed] == [filtered["channel_id"]]


def test_channels_are_per_account(app, client, host):
    other = make_host(app, email="other@example.com")
    created = client.post("/v1/channels", json={"callback_url": URL}, headers=host.headers)
    channel_id = created.get_json()["channel"]["channel_id"]
    assert client.get("/v1/channels", headers=other.headers).get_json() == {"channels": []}
    assert client.delete(f"/v1/channels/{channel_id}", headers=other.headers).status_code == 404
    # The same URL for another account is another channel.
    theirs = client.post("/v1/channels", json={"callback_url": URL}, headers=other.headers)
    assert theirs.status_code == 201
    assert theirs.get_json()["channel"]["channel_id"] != channel_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "callback_url"),
        ({"callback_url": 5}, "callback_url"),
        ({"callback_url": "https://127.0.0.1/x"}, "callback_url"),  # https, yet loopback
        ({"callback_url": "https://192.168.1.10/x"}, "callback_url"),
        ({"callback_url": "https://100.64.0.1/x"}, "callback_url"),
        ({"callback_url": "https://10.0.0.1./hook"}, "callback_url"),  # trailing dot
        ({"callback_url": "https://0x7f.1./hook"}, "callback_url"),
        ({"callback_url": "https://localhost/hook"}, "callback_url"),
        ({"callback_url": "https://hooks.localhost./hook"}, "callback_url"),
        ({"callback_url": "http://hooks.example.com/x"}, "callback_url"),
        ({"callback_url": URL, "filters": []}, "filters"),
        ({"callback_url": URL, "filters": {"colour": "red"}}, "filters.colour"),
        ({"callback_url": URL, "filters": {"types": ["nope"]}}, "filters.types"),
        ({"callback_url": URL, "filters": {"calendar_ids": ["cal_x"]}}, "filters.calendar_ids"),
        ({"callback_url": URL, "filters": {"only_managed": "yes"}}, "filters.only_managed"),
    ],
)
def test_bad_channels_get_a_422_naming_the_field(app, client, host, body, field):
    response = client.post("/v1/channels", json=body, headers=host.headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in errors and errors[field][0]["key"].startswith("errors.")
    with app.extensions["schedlink.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(Channel)) == 0


def test_calendar_filter_accepts_the_accounts_calendars(client, host):
    calendar_id = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]
    response = client.post(
        "/v1/channels",
        json={
            "callback_url": URL,
            "filters": {"calendar_ids": [calendar_id], "only_managed": True},
        },
        headers=host.headers,
    )
    assert response.status_code == 201
    assert response.get_json()["channel"]["filters"] == {
        "calendar_ids": [calendar_id], "only_managed": True,
    }  # fmt: skip


def test_webhook_secret_is_stable_until_rotated(client, host):
    first = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    assert first.startswith("whsec_")
    assert client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"] == first
    rotated = client.post("/v1/webhook_secret/rotate", headers=host.headers)
    assert rotated.status_code == 200
    new = rotated.get_json()["secret"]
    assert new != first
    assert client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"] == new


def test_endpoints_need_an_api_key(client):
    for method, path in [("get", "/v1/channels"), ("post", "/v1/channels"),
                         ("delete", "/v1/channels/chn_x"), ("get", "/v1/webhook_secret"),
                         ("post", "/v1/webhook_secret/rotate")]:  # fmt: skip
        assert getattr(client, method)(path).status_code == 401


@pytest.mark.parametrize(
    "url", ["http://10.0.0.8/hook", "http://127.0.0.2/hook", "http://localhost/hook"]
)
def test_private_http_channel_is_told_why_and_how_an_operator_allows_it(client, host, url):
    response = client.post("/v1/channels", json={"callback_url": url}, headers=host.headers)
    assert response.status_code == 422
    description = response.get_json()["errors"]["callback_url"][0]["description"]
    assert "private" in description and "SCHEDLINK_OUTBOUND_ALLOW" in description
    assert "Only https" not in description


def test_public_http_channel_is_asked_for_https(client, host):
    body = {"callback_url": "http://hooks.example.com/x"}
    response = client.post("/v1/channels", json=body, headers=host.headers)
    description = response.get_json()["errors"]["callback_url"][0]["description"]
    assert "https://" in description and "SCHEDLINK_OUTBOUND_ALLOW" in description
