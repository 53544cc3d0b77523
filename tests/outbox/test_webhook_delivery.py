"""Webhooks end to end in one process: the API and the booking flow write notifications in
their transactions, the outbox worker delivers them to a real local receiver, signed; retries,
410, the five-day disable with its e-mail, timeouts, SSRF at send time, secret rotation."""

from __future__ import annotations

import email
import socket
import time
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from helpers import book, create_link
from sqlalchemy import select, update
from standardwebhooks import Webhook
from webhook_receiver import Receiver

from backend import db
from backend.calendars import notify_event
from backend.models import Channel, Event, WebhookMessage, WebhookSecret
from backend.outbox import run_once
from backend.scheduling import cancel, reschedule


@pytest.fixture
def app_config():
    return {
        "OUTBOUND_ALLOW": ["127.0.0.1", "localhost"],
        "WEBHOOK_RETRY_SCHEDULE": [0, 0.2, 0.2, 0.2],
        "WEBHOOK_TIMEOUT": 2.0,
    }


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def _channel(client, host, url, **filters):
    body = {"callback_url": url}
    if filters:
        body["filters"] = filters
    response = client.post("/v1/channels", json=body, headers=host.headers)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["channel"]


def _secret(client, host) -> str:
    return client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]


def _verify_all(received, secret):
    for item in received:
        Webhook(secret).verify(item.body, item.headers)


def _messages(app):
    with app.extensions["schedlink.sessions"]() as s:
        return list(s.scalars(select(WebhookMessage).order_by(WebhookMessage.id)))


def _drain(app, seconds: float = 0.0):
    if seconds:
        time.sleep(seconds)
    return run_once(app)


def _event_item(client, host, event_id):
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = client.get(f"/v1/events?from={start}&to={end}", headers=host.headers).get_json()
    return next(e for e in events["events"] if e["event_id"] == event_id)


def test_booking_flow_notifies_signed_with_the_link_reference_booking_and_event(
    app, client, host, receiver
):
    channel = _channel(client, host, receiver.url)
    link = create_link(
        client, host, conferencing={"profile_id": "none"},  # the join link is its own story
        contact={"name": "Ada Lovelace", "email": "ada@example.com", "reference": "cand-4711"},
    )  # fmt: skip
    response, fields = book(client, link["url"])
    assert response.status_code == 303
    _drain(app)
    got = receiver.wait_for(4)
    assert [r.type for r in got] == [
        "verification", "booking_created", "scheduling_link_completed", "change",
    ]  # fmt: skip
    _verify_all(got, _secret(client, host))
    verification = got[0].json
    assert verification["channel"] == {
        "channel_id": channel["channel_id"], "callback_url": receiver.url, "filters": {},
    }  # fmt: skip
    created = got[1].json
    assert created["scheduling_link"]["id"] == link["id"]
    assert created["scheduling_link"]["contact"]["reference"] == "cand-4711"
    assert "url" not in created["scheduling_link"]
    booking = created["booking"]
    assert booking["status"] == "confirmed" and booking["invitee"]["email"] == "ada@example.com"
    assert created["event"] == _event_item(client, host, booking["id"])
    assert created["channel"]["channel_id"] == channel["channel_id"]
    assert got[3].json["notification"]["changes_since"].endswith("Z")
    # Every delivery has its own stable id; all are recorded as delivered, one attempt each.
    assert len({r.webhook_id for r in got}) == 4
    rows = _messages(app)
    assert [(m.status, m.attempts, m.last_status_code) for m in rows] == [("delivered", 1, 200)] * 4

    sessions, now = app.extensions["schedlink.sessions"], datetime.now(UTC)
    later = datetime.fromisoformat(fields["starts"][-1].replace("Z", "+00:00"))
    reschedule(sessions, booking["id"], later, now, 14)
    _drain(app)
    got = receiver.wait_for(6)
    assert [r.type for r in got[4:]] == ["booking_rescheduled", "change"]
    moved = got[4].json["booking"]
    assert moved["previous"] == {"start": booking["start"], "end": booking["end"]}
    assert moved["start"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert got[4].json["event"]["start"] == moved["start"]
    cancel(sessions, booking["id"], "  Position   filled ", "host", now)
    _drain(app)
    got = receiver.wait_for(8)
    assert [r.type for r in got[6:]] == ["booking_cancelled", "change"]
    cancelled = got[6].json["booking"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelled_by"] == "host" and cancelled["cancel_reason"] == "Position filled"
    _verify_all(got, _secret(client, host))


def test_change_notifications_coalesce_while_one_waits(app, client, host, receiver):
    """Several event changes before the worker runs make one `change`: it says "since"."""
    calendar_id = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]
    channel = _channel(client, host, receiver.url, types=["change"])
    start = datetime.now(UTC) + timedelta(days=3)
    for i in range(3):
        event = {
            "event_id": f"e{i}", "summary": "Busy",
            "start": (start + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (start + timedelta(hours=i, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }  # fmt: skip
        response = client.post(
            f"/v1/calendars/{calendar_id}/events", json=event, headers=host.headers
        )
        assert response.status_code == 202
    _drain(app)
    got = receiver.wait_for(2)
    assert [r.type for r in got] == ["verification", "change"]
    assert got[1].json["channel"]["channel_id"] == channel["channel_id"]
    client.delete(
        f"/v1/calendars/{calendar_id}/events", json={"event_id": "e0"}, headers=host.headers
    )
    _drain(app)
    assert [r.type for r in receiver.wait_for(3)] == ["verification", "change", "change"]


def test_link_disabled_and_filters(app, client, host, receiver):
    only_cancel = _channel(client, host, receiver.url, types=["scheduling_link_disabled"])
    everything = _channel(client, host, receiver.url + "?all")
    link = create_link(client, host)
    response = client.post(
        f"/v1/scheduling_links/{link['id']}/disable", json={}, headers=host.headers
    )
    assert response.status_code == 200
    _drain(app)
    got = receiver.wait_for(4)
    by_channel = {}
    for r in got:
        by_channel.setdefault(r.json["channel"]["channel_id"], []).append(r.type)
    assert by_channel == {
        only_cancel["channel_id"]: ["verification", "scheduling_link_disabled"],
        everything["channel_id"]: ["verification", "scheduling_link_disabled"],
    }
    body = receiver.of_type("scheduling_link_disabled")[0].json
    assert body["scheduling_link"]["status"] == "disabled"
    # Disabling again changes nothing, so nothing more is sent.
    client.post(f"/v1/scheduling_links/{link['id']}/disable", json={}, headers=host.headers)
    assert _drain(app) == 0


def test_event_subscription_gets_the_event_exactly_as_listed(app, client, host, receiver):
    calendar_id = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    event = {
        "event_id": "interview-1",
        "summary": "Interview",
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "subscriptions": [
            {
                "type": "webhook",
                "uri": receiver.url + "?sub",
                "interactions": [{"type": "conferencing_assigned"}],
            }
        ],
    }
    response = client.post(f"/v1/calendars/{calendar_id}/events", json=event, headers=host.headers)
    assert response.status_code == 202
    with app.app_context(), db.write() as s:
        row = s.scalar(select(Event).where(Event.event_uid == "interview-1"))
        assert notify_event(s, row, "conferencing_failing") == 0  # not asked for
        assert notify_event(s, row, "conferencing_assigned") == 1
    _drain(app)
    got = receiver.wait_for(1)
    assert got[0].json == {
        "notification": {"type": "conferencing_assigned"},
        "event": _event_item(client, host, "interview-1"),
    }
    _verify_all(got, _secret(client, host))


def test_link_subscriptions_follow_the_booking_onto_its_event(app, client, host, receiver):
    link = create_link(
        client, host, conferencing={"profile_id": "none"},
        subscriptions=[{"type": "webhook", "uri": receiver.url,
                        "interactions": [{"type": "conferencing_assigned"},
                                         {"type": "conferencing_failing"}]}],
    )  # fmt: skip
    assert link["subscriptions"][0]["uri"] == receiver.url
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    with app.app_context(), db.write() as s:
        row = s.scalar(select(Event).where(Event.booking_id.is_not(None)))
        notify_event(s, row, "conferencing_failing")
        event_uid = row.event_uid
    _drain(app)
    got = receiver.wait_for(1)
    assert got[0].type == "conferencing_failing"
    # A subscription (perhaps another party's system) gets the event without the invitee's
    # answers and the attendees' addresses.
    item = _event_item(client, host, event_uid)
    assert got[0].json["event"] == {
        k: v for k, v in item.items() if k not in ("answers", "attendees")
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://[::127.0.0.1]/hook",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://[fec0::1]/hook",
        "http://example.com/hook",
        "ftp://example.com/hook",
        "not a url",
    ],
)
def test_private_and_plain_http_urls_are_refused_at_creation(client, host, url):
    response = client.post("/v1/channels", json={"callback_url": url}, headers=host.headers)
    assert response.status_code == 422
    assert "callback_url" in response.get_json()["errors"]
    link = client.post(
        "/v1/scheduling_links",
        json={"contact": {"name": "A", "email": "a@example.com"},
              "subscriptions": [{"type": "webhook", "uri": url,
                                 "interactions": [{"type": "conferencing_assigned"}]}]},
        headers=host.headers,
    )  # fmt: skip
    assert link.status_code == 422
    assert "subscriptions.0.uri" in link.get_json()["errors"]


def test_receiver_down_then_up_is_delivered_with_the_same_id(app, client, host, receiver):
    _channel(client, host, receiver.url)
    receiver.stop()
    _drain(app)  # connection refused: retried later
    [m] = _messages(app)
    assert (m.status, m.attempts, m.last_status_code) == ("pending", 1, None)
    assert m.last_error
    receiver.start()
    deadline = time.monotonic() + 10  # the retry is due 0.2 s on; a loaded machine is slower
    while not receiver.received and time.monotonic() < deadline:
        _drain(app, 0.1)
    got = receiver.wait_for(1)
    assert got[0].webhook_id == m.public_id
    [m] = _messages(app)
    assert (m.status, m.attempts, m.last_status_code) == ("delivered", 2, 200)


def test_non_2xx_and_redirects_are_retried_not_followed(app, client, host, receiver):
    receiver.script.statuses.extend([500, 302, 429])
    receiver.script.headers = {"Location": receiver.url + "?elsewhere"}
    _channel(client, host, receiver.url)
    for _ in range(4):
        _drain(app, 0.25)
    got = receiver.wait_for(4)
    assert [r.path for r in got] == ["/hook"] * 4  # the Location was never visited
    assert len({r.webhook_id for r in got}) == 1
    [m] = _messages(app)
    assert (m.status, m.attempts, m.last_status_code) == ("delivered", 4, 200)


def test_gives_up_after_the_schedule(app, client, host, receiver):
    receiver.script.default = 503
    _channel(client, host, receiver.url)
    for _ in range(5):
        _drain(app, 0.25)
    [m] = _messages(app)
    assert (m.status, m.attempts, m.last_status_code) == ("failed", 4, 503)
    assert len(receiver.received) == 4


def test_a_slow_receiver_times_out_and_is_retried(app, client, host, receiver):
    app.config["WEBHOOK_TIMEOUT"] = 0.5
    # The retry waits longer than the timeout plus a slow run: one drain makes one attempt.
    app.config["WEBHOOK_RETRY_SCHEDULE"] = [0, 2.0, 0.2, 0.2]
    receiver.script.delay = 1.0
    _channel(client, host, receiver.url)
    _drain(app)
    [m] = _messages(app)
    assert (m.status, m.attempts, m.last_status_code) == ("pending", 1, None)
    receiver.script.delay = 0
    _drain(app, 2.3)  # the retry is due after 2 s ± 10 %
    [m] = _messages(app)
    assert m.status == "delivered" and m.attempts == 2


def test_410_gone_disables_the_channel_at_once(app, client, host, receiver):
    receiver.script.statuses.append(410)
    channel = _channel(client, host, receiver.url)
    _drain(app)
    [m] = _messages(app)
    assert (m.status, m.last_status_code) == ("failed", 410)
    listed = client.get("/v1/channels", headers=host.headers).get_json()["channels"]
    assert listed[0]["status"] == "disabled" and "410" in listed[0]["disabled_reason"]
    # Nothing more goes to it...
    link = create_link(client, host)
    client.post(f"/v1/scheduling_links/{link['id']}/disable", json={}, headers=host.headers)
    assert len(_messages(app)) == 1
    # ...until the host creates the same channel again: re-enabled, verified again.
    again = _channel(client, host, receiver.url)
    assert again["channel_id"] == channel["channel_id"] and again["status"] == "active"
    _drain(app)
    assert [r.type for r in receiver.wait_for(2)] == ["verification", "verification"]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_five_days_of_failure_disables_the_channel_and_emails_the_host(app, client, host, receiver):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        receiver.script.default = 500
        channel = _channel(client, host, receiver.url)
        _drain(app)
        sessions = app.extensions["schedlink.sessions"]
        with sessions.begin() as s:  # the first failure was five days ago
            s.execute(
                update(Channel).values(
                    failing_since=datetime.now(UTC) - timedelta(days=5, minutes=1)
                )
            )
        _drain(app, 0.3)
        listed = client.get("/v1/channels", headers=host.headers).get_json()["channels"]
        assert listed[0]["status"] == "disabled"
        [m] = _messages(app)
        assert m.status == "failed"
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        [mail] = inbox.messages
        assert mail["To"].addresses[0].addr_spec == host.email
        text = mail.get_body(("plain",)).get_content()
        assert channel["channel_id"] in text and receiver.url in text
    finally:
        controller.stop()


def test_a_success_clears_the_failing_clock(app, client, host, receiver):
    receiver.script.statuses.append(500)
    _channel(client, host, receiver.url)
    _drain(app)
    with app.extensions["schedlink.sessions"]() as s:
        assert s.scalar(select(Channel.failing_since)) is not None
    _drain(app, 0.3)
    with app.extensions["schedlink.sessions"]() as s:
        assert s.scalar(select(Channel.failing_since)) is None


def test_the_address_is_checked_again_at_send_time(app, client, host, receiver):
    _channel(client, host, receiver.url)
    with app.extensions["schedlink.sessions"].begin() as s:  # as if it changed since creation
        s.execute(update(WebhookMessage).values(url="http://10.0.0.1/hook"))
    _drain(app)
    [m] = _messages(app)
    assert m.status == "failed" and m.last_status_code is None and m.last_error
    assert receiver.received == []


def test_rotation_signs_with_both_secrets_for_24_hours(app, client, host, receiver):
    old = _secret(client, host)
    new = client.post("/v1/webhook_secret/rotate", headers=host.headers).get_json()["secret"]
    assert new != old and new.startswith("whsec_") and _secret(client, host) == new
    _channel(client, host, receiver.url)
    _drain(app)
    [first] = receiver.wait_for(1)
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    assert len(first.headers["cronofy-hmac-sha256"].split(",")) == 2
    _verify_all([first], old)
    _verify_all([first], new)
    with app.extensions["schedlink.sessions"].begin() as s:  # a day later
        s.execute(
            update(WebhookSecret).values(previous_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    _channel(client, host, receiver.url + "?second")
    _drain(app)
    second = receiver.wait_for(2)[1]
    assert len(second.headers["webhook-signature"].split(" ")) == 1
    _verify_all([second], new)
    with pytest.raises(Exception):  # noqa: B017 - the library raises its own error type
        Webhook(old).verify(second.body, second.headers)


def test_channels_hear_when_an_api_event_gets_its_join_link_unless_filtered_out(
    app, client, host, receiver
):
    every = _channel(client, host, receiver.url)
    _channel(client, host, receiver.url + "?bookings", types=["booking_created"])
    calendar_id = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    event = {
        "event_id": "interview-2", "summary": "Interview",
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "conferencing": {"profile_id": "explicit", "provider_description": "Our room",
                         "join_url": "https://meet.example.com/interview-2"},
    }  # fmt: skip
    response = client.post(f"/v1/calendars/{calendar_id}/events", json=event, headers=host.headers)
    assert response.status_code == 202
    _drain(app)
    receiver.wait_for(1, type_="conferencing_assigned")
    assigned = receiver.of_type("conferencing_assigned")
    assert len(assigned) == 1 and assigned[0].path == "/hook"
    body = assigned[0].json
    assert body["channel"]["channel_id"] == every["channel_id"]
    assert body["event"] == _event_item(client, host, "interview-2")
    assert body["event"]["conferencing"]["join_url"] == "https://meet.example.com/interview-2"
    _verify_all(assigned, _secret(client, host))
