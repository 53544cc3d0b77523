"""The host's webhooks page: channels, last deliveries with their answers, redeliver, and the
signing secret shown only on request (POST, not cached) and rotated there."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import _csrf, login, make_host
from sqlalchemy import update
from standardwebhooks import Webhook
from webhook_receiver import Receiver, free_port

from backend import db
from backend.models import UserSession, WebhookMessage
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


def _channel_row(html: str, channel_id: str) -> str:
    return re.search(rf'<tr data-channel="{channel_id}".*?</tr>', html, re.S)[0]


def test_host_adds_and_tests_a_channel(app, client, host, receiver):
    login(client)
    html = client.get("/webhooks").get_data(as_text=True)
    inside = {"csrf_token": _csrf(html), "callback_url": "http://10.0.0.8/h"}
    refused = client.post("/webhooks/channels", data=inside, follow_redirects=True)
    assert "Not added:" in refused.get_data(as_text=True)
    added = client.post(
        "/webhooks/channels",
        data={"csrf_token": _csrf(html), "callback_url": receiver.url,
              "types": ["booking_created", "booking_cancelled"]},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "Channel added" in added
    channel = client.get("/v1/channels", headers=host.headers).get_json()["channels"][0]
    assert channel["filters"] == {"types": ["booking_cancelled", "booking_created"]}
    run_once(app)
    assert receiver.wait_for(1)[0].type == "verification"

    # Test: a real signed verification now; the answer shown, escaped and cut short.
    receiver.script.statuses.append(202)
    receiver.script.body = b"<script>alert(1)</script>" + b"x" * 2000
    tested = client.post(f"/webhooks/channels/{channel['channel_id']}/test",
                         data={"csrf_token": _csrf(html)})  # fmt: skip
    assert tested.status_code == 200 and tested.headers["Cache-Control"] == "no-store"
    page = tested.get_data(as_text=True)
    result = re.search(r'id="test-result".*?</div>', page, re.S)[0]
    assert "HTTP 202" in result and "it works" in result and " ms;" in result
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result and "<script>alert" not in page
    assert "x" * 475 in result and "x" * 476 not in result  # the first 500 characters
    probe = receiver.wait_for(2)[1]
    assert probe.type == "verification"
    assert probe.json["channel"]["channel_id"] == channel["channel_id"]
    secret = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    Webhook(secret).verify(probe.body, probe.headers)  # signed like any delivery
    assert probe.webhook_id not in page.split('id="deliveries"')[1]  # a test is no delivery

    receiver.script.statuses.append(500)
    failed = client.post(f"/webhooks/channels/{channel['channel_id']}/test",
                         data={"csrf_token": _csrf(html)}).get_data(as_text=True)  # fmt: skip
    assert "HTTP 500" in failed and "not accepted" in failed
    closed = f"http://127.0.0.1:{free_port()}/h"
    nobody = client.post("/v1/channels", headers=host.headers,
                         json={"callback_url": closed}).get_json()  # fmt: skip
    down = client.post(f"/webhooks/channels/{nobody['channel']['channel_id']}/test",
                       data={"csrf_token": _csrf(html)}).get_data(as_text=True)  # fmt: skip
    assert "no answer: could not connect" in down
    other = make_host(app, email="other@example.com")
    theirs = client.post("/v1/channels", json={"callback_url": "https://hooks.example.com/x"},
                         headers=other.headers).get_json()["channel"]["channel_id"]  # fmt: skip
    nope = client.post(f"/webhooks/channels/{theirs}/test", data={"csrf_token": _csrf(html)},
                       follow_redirects=True)  # fmt: skip
    assert "not yours" in nope.get_data(as_text=True)


def test_pausing_keeps_notifications_until_resumed(app, client, host, receiver):
    created = client.post("/v1/channels", json={"callback_url": receiver.url},
                          headers=host.headers).get_json()["channel"]  # fmt: skip
    run_once(app)
    receiver.wait_for(1)
    login(client)
    html = client.get("/webhooks").get_data(as_text=True)
    channel_id = created["channel_id"]
    paused = client.post(f"/webhooks/channels/{channel_id}/pause",
                         data={"csrf_token": _csrf(html)}, follow_redirects=True)  # fmt: skip
    page = paused.get_data(as_text=True)
    assert "Channel paused" in page and 'data-status="paused"' in _channel_row(page, channel_id)
    listed = client.get("/v1/channels", headers=host.headers).get_json()["channels"]
    assert listed[0]["status"] == "paused"
    ada = {"contact": {"name": "Ada", "email": "ada@example.com"}}
    link = client.post("/v1/scheduling_links", headers=host.headers, json=ada).get_json()
    client.post(f"/v1/scheduling_links/{link['scheduling_link']['id']}/disable",
                headers=host.headers, json={})  # fmt: skip
    assert run_once(app) == 0
    assert len(receiver.received) == 1  # nothing sent while paused
    page = client.get("/webhooks").get_data(as_text=True)
    waiting = re.search(r'<tr data-message="[^"]+" data-status="paused".*?</tr>', page, re.S)[0]
    assert "scheduling_link_disabled" in waiting and "sent when you resume" in waiting
    # The same channel again through the API stays paused (and is not verified again).
    again = client.post("/v1/channels", json={"callback_url": receiver.url}, headers=host.headers)
    assert again.status_code == 200 and again.get_json()["channel"]["status"] == "paused"

    resumed = client.post(f"/webhooks/channels/{channel_id}/resume",
                          data={"csrf_token": _csrf(html)}, follow_redirects=True)  # fmt: skip
    assert "1 waiting notification goes out now" in resumed.get_data(as_text=True)
    run_once(app)
    assert receiver.wait_for(2)[1].type == "scheduling_link_disabled"
    assert 'data-status="active"' in _channel_row(
        client.get("/webhooks").get_data(as_text=True), channel_id
    )


def test_deliveries_show_answer_time_and_retry_schedule(app, client, host, receiver):
    receiver.script.statuses.append(503)
    client.post("/v1/channels", json={"callback_url": receiver.url}, headers=host.headers)
    run_once(app)
    receiver.wait_for(1)
    login(client)
    page = client.get("/webhooks").get_data(as_text=True)
    assert "again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h" in " ".join(page.split())
    row = re.search(r"<tr data-message=.*?</tr>", page, re.S)[0]
    assert 'data-status="pending"' in row and "retrying" in row
    retry = " ".join(re.search(r'class="muted retry">(.*?)</span>', row, re.S)[1].split())
    assert retry.startswith("attempt 2 of 8 in under a minute"), retry
    assert re.search(r">503</span> <span class=\"muted duration\">in \d+ ms<", row), row
    with app.app_context(), db.write() as s:  # due now: the retry goes out and succeeds
        s.execute(update(WebhookMessage).values(next_attempt_at=datetime.now(UTC)))
    run_once(app)
    row = re.search(r"<tr data-message=.*?</tr>", client.get("/webhooks").get_data(as_text=True),
                    re.S)[0]  # fmt: skip
    assert 'data-status="delivered"' in row and re.search(r">200</span> <span[^>]*>in \d+ ms", row)


def test_the_secret_needs_the_password_again_after_15_minutes(app, client, host):
    login(client)
    html = client.get("/webhooks").get_data(as_text=True)
    with app.app_context(), db.write() as s:
        s.execute(update(UserSession).values(reauth_at=datetime.now(UTC) - timedelta(minutes=16)))
    for action in ("/webhooks/secret", "/webhooks/secret/rotate"):
        asked = client.post(action, data={"csrf_token": _csrf(html)},
                            headers={"Referer": "http://schedlink.test/webhooks"})  # fmt: skip
        assert asked.status_code == 303 and "/profile/confirm" in asked.headers["Location"]
        assert "whsec_" not in asked.get_data(as_text=True)
