"""Idempotency-Key on POST /v1/real_time_scheduling and /v1/real_time_sequencing, as on
POST /v1/scheduling_links: a retry gets the same link, another body a 422, racing retries
one link; a key is bound to its endpoint."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from test_real_time import _sequence_body, rts_body

from backend.models import SchedulingLink

RTS, SEQ = "/v1/real_time_scheduling", "/v1/real_time_sequencing"


def _count(app) -> int:
    with app.extensions["schedlink.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(SchedulingLink))


def _post(client, host, path, body, key):
    return client.post(path, json=body, headers={**host.headers, "Idempotency-Key": key})


def test_same_key_replays_other_body_is_422_and_keys_bind_their_endpoint(app, client, host):
    body = rts_body(client, host)
    first = _post(client, host, RTS, body, "k-1")
    again = _post(client, host, RTS, body, "k-1")
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    other = _post(client, host, RTS, {**body, "tzid": "UTC"}, "k-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    # The same key on the sequencing endpoint is another request, even with this body.
    crossed = _post(client, host, SEQ, body, "k-1")
    assert crossed.status_code == 422 and "Idempotency-Key" in crossed.get_json()["errors"]
    sequence = _sequence_body(client, host)
    made = _post(client, host, SEQ, sequence, "k-2")
    replayed = _post(client, host, SEQ, sequence, "k-2")
    assert made.status_code == replayed.status_code == 200
    assert made.get_json() == replayed.get_json()
    assert _count(app) == 2
    # A request refused by validation is not remembered: fixed, the same key makes the link.
    broken = {**body, "event": {**body["event"], "tzid": "Nowhere/Nothing"}}
    assert _post(client, host, RTS, broken, "k-3").status_code == 422
    assert _post(client, host, RTS, body, "k-3").status_code == 200
    assert _count(app) == 3
    assert _post(client, host, RTS, body, "x" * 256).status_code == 422


def test_concurrent_retries_make_one_link(app, client, host):
    body, barrier, answers = rts_body(client, host), threading.Barrier(6), []

    def go():
        mine = app.test_client()
        barrier.wait()
        answers.append(_post(mine, host, RTS, body, "race"))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [a.status_code for a in answers] == [200] * 6
    ids = {a.get_json()["real_time_scheduling"]["real_time_scheduling_id"] for a in answers}
    assert len(ids) == 1
    assert _count(app) == 1
