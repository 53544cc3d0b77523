"""A busy worker: full batches are sent while the next batch is leased (and the last one's
outcomes written) beside them. Everything is still delivered once, in order of commit,
outcomes land, and a channel that answers 410 Gone gets nothing more, not even what the
worker had already leased for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from webhook_receiver import Receiver

from backend import notifications
from backend.core import database
from backend.models import Channel, WebhookMessage
from backend.outbox import run_once, webhooks

BATCH = 3


@pytest.fixture
def app_config():
    return {
        "OUTBOUND_ALLOW": ["127.0.0.1"],
        "WEBHOOK_BATCH": BATCH,
        "WEBHOOK_RETRY_SCHEDULE": [0, 60],
        "WEBHOOK_TIMEOUT": 2.0,
    }


def _channel(client, host, url) -> str:
    response = client.post("/v1/channels", json={"callback_url": url}, headers=host.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["channel"]["channel_id"]


def _notify(app, host, n: int) -> None:
    with database.write(app.extensions["schedlink.sessions"]) as s:
        for i in range(n):
            notifications.notify(
                s, host.account_id, "booking_created", {"scheduling_link": {"id": f"sl_{i}"}},
                now=datetime.now(UTC),
            )  # fmt: skip


def _statuses(app) -> dict:
    with app.extensions["schedlink.sessions"]() as s:
        rows = s.execute(
            select(Channel.callback_url, WebhookMessage.status, func.count())
            .join(Channel, Channel.id == WebhookMessage.channel_id)
            .group_by(Channel.callback_url, WebhookMessage.status)
        ).all()
    return {(url, status): count for url, status, count in rows}


def test_a_busy_worker_delivers_everything_once_in_order(app, client, host, monkeypatch):
    writes = []
    original = webhooks._write
    monkeypatch.setattr(
        webhooks, "_write", lambda *a, **k: writes.append(a[3]) or original(*a, **k)
    )
    with Receiver() as receiver:
        _channel(client, host, receiver.url)
        _notify(app, host, 5 * BATCH + 1)
        assert run_once(app) == 5 * BATCH + 2
        got = receiver.wait_for(5 * BATCH + 2)
    assert [r.type for r in got] == ["verification"] + ["booking_created"] * (5 * BATCH + 1)
    assert [r.json["scheduling_link"]["id"] for r in got[1:]] == [
        f"sl_{i}" for i in range(5 * BATCH + 1)
    ]
    assert len({r.webhook_id for r in got}) == len(got)
    assert _statuses(app) == {(receiver.url, "delivered"): 5 * BATCH + 2}
    with app.extensions["schedlink.sessions"]() as s:
        attempts = set(s.scalars(select(WebhookMessage.attempts)))
    assert attempts == {1}
    # One bookkeeping transaction per batch (plus the final look), not two.
    batches = -(-(5 * BATCH + 2) // BATCH)
    assert len(writes) == batches + 1


def test_after_410_nothing_more_goes_to_that_channel_even_if_already_leased(app, client, host):
    with Receiver() as gone, Receiver() as alive:
        _channel(client, host, gone.url)
        _channel(client, host, alive.url)
        _notify(app, host, 4 * BATCH)  # each to both channels, interleaved
        gone.script.default = 410
        run_once(app)
        alive.wait_for(4 * BATCH + 1)
        assert len(gone.received) == 1  # the verification, answered 410 Gone
    assert _statuses(app) == {
        (gone.url, "failed"): 4 * BATCH + 1,
        (alive.url, "delivered"): 4 * BATCH + 1,
    }
    with app.extensions["schedlink.sessions"]() as s:
        status = s.scalar(select(Channel.status).where(Channel.callback_url == gone.url))
        codes = set(
            s.scalars(
                select(WebhookMessage.last_status_code)
                .join(Channel, Channel.id == WebhookMessage.channel_id)
                .where(Channel.callback_url == gone.url)
            )
        )
    assert status == "disabled" and codes <= {410, None}
