"""The host's webhooks page: channels, last deliveries with their answers, redeliver, and the
signing secret shown only on request (POST, not cached) and rotated there."""

from __future__ import annotations

import re

import pytest
from helpers import _csrf, login, make_host
from standardwebhooks import Webhook
from webhook_receiver import Receiver

from backend.outbox import run_once


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def test_page_shows_channels_and_deliveries_and_redelivers(app, client, host, receiver):
    receiver.script.statuses.append(503)
    app.config["WEBHOOK_RETRY_SCHEDULE"] = [0]  # one attempt, then failed
    client.post("/v1/channels", json={"callback_url": receiver.url + "?a=<b>"},
                headers=host.headers)  # fmt: skip
    run_once(app)
    login(client)
    assert 'href="/webhooks"' in client.get("/").get_data(as_text=True)
    page = client.get("/webhooks")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "?a=&lt;b&gt;" in html and "?a=<b>" not in html  # escaped
    assert "verification" in html and ">503<" in html and ">failed" in html
    message_id = re.search(r'data-message="(msg_[a-z0-9]+)"', html).group(1)
    assert "whsec_" not in html  # not shown until asked for
    done = client.post(f"/webhooks/deliveries/{message_id}/redeliver",
                       data={"csrf_token": _csrf(html)})  # fmt: skip
    assert done.status_code == 303
    run_once(app)
    got = receiver.wait_for(2)
    assert got[0].webhook_id == got[1].webhook_id == message_id
    html = client.get("/webhooks").get_data(as_text=True)
    assert ">delivered" in html and ">200<" in html


def test_secret_is_revealed_on_request_and_rotated(app, client, host):
    login(client)
    html = client.get("/webhooks").get_data(as_text=True)
    assert client.post("/webhooks/secret", data={}).status_code == 400  # CSRF
    shown = client.post("/webhooks/secret", data={"csrf_token": _csrf(html)})
    assert shown.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', shown.get_data(as_text=True))[1]
    assert secret == client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    rotated = client.post("/webhooks/secret/rotate", data={"csrf_token": _csrf(html)})
    new = re.search(r'id="webhook-secret">(whsec_[^<]+)<', rotated.get_data(as_text=True))[1]
    assert new != secret and "24 hours" in rotated.get_data(as_text=True)
    assert new == client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    Webhook(new)  # a secret the standard library accepts


def test_another_hosts_delivery_cannot_be_redelivered(app, client, host, receiver):
    other = make_host(app, email="other@example.com")
    client.post("/v1/channels", json={"callback_url": receiver.url}, headers=other.headers)
    run_once(app)
    theirs = receiver.wait_for(1)[0].webhook_id
    login(client)
    html = client.get("/webhooks").get_data(as_text=True)
    assert theirs not in html
    client.post(f"/webhooks/deliveries/{theirs}/redeliver", data={"csrf_token": _csrf(html)})
    assert run_once(app) == 0
    assert len(receiver.received) == 1


def test_host_removes_a_channel(app, client, host):
    created = client.post("/v1/channels", json={"callback_url": "https://hooks.example.com/a"},
                          headers=host.headers).get_json()["channel"]  # fmt: skip
    login(client)
    html = client.get("/webhooks").get_data(as_text=True)
    assert f'data-channel="{created["channel_id"]}"' in html
    done = client.post(f"/webhooks/channels/{created['channel_id']}/delete",
                       data={"csrf_token": _csrf(html)})  # fmt: skip
    assert done.status_code == 303
    assert client.get("/v1/channels", headers=host.headers).get_json() == {"channels": []}
    assert created["channel_id"] not in client.get("/webhooks").get_data(as_text=True)
