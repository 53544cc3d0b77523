"""Idempotency-Key on link creation: retries get the same link, never a second one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from helpers import make_host
from sqlalchemy import func, select, update

from backend import db
from backend.models import IdempotencyKey, SchedulingLink

BODY = {"contact": {"name": "Ada", "email": "ada@example.com"}, "summary": "Intro"}


def _count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(SchedulingLink))


def _post(client, host, body, key):
    return client.post(
        "/v1/scheduling_links", json=body, headers={**host.headers, "Idempotency-Key": key}
    )


def test_same_key_same_body_replays_the_stored_answer(app, client, host):
    first = _post(client, host, BODY, "k-1")
    again = _post(client, host, dict(reversed(list(BODY.items()))), "k-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app) == 1


def test_same_key_other_body_is_422(app, client, host):
    _post(client, host, BODY, "k-1")
    other = _post(client, host, {**BODY, "summary": "Other"}, "k-1")
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    assert _count(app) == 1


def test_keys_are_scoped_per_account(app, client, host):
    colleague = make_host(app, email="colleague@example.com")
    mine, theirs = _post(client, host, BODY, "shared"), _post(client, colleague, BODY, "shared")
    assert mine.status_code == theirs.status_code == 201
    assert mine.get_json()["scheduling_link"]["id"] != theirs.get_json()["scheduling_link"]["id"]


def test_failed_validation_is_not_remembered(app, client, host):
    bad = _post(client, host, {"contact": {}}, "k-2")
    assert bad.status_code == 422
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_keys_expire_after_a_day(app, client, host):
    _post(client, host, BODY, "k-3")
    with app.app_context(), db.write() as s:
        s.execute(update(IdempotencyKey).values(
            created_at=datetime.now(UTC) - timedelta(hours=25)))  # fmt: skip
    assert "Idempotent-Replayed" not in _post(client, host, BODY, "k-3").headers
    assert _count(app) == 2


def test_bad_keys_are_422(client, host):
    for key in ("", "x" * 256, "tab\there"):
        assert _post(client, host, BODY, key).status_code == 422


def test_concurrent_retries_make_one_link(app, host):
    barrier, answers = threading.Barrier(8), []

    def go():
        client = app.test_client()
        barrier.wait()
        answers.append(_post(client, host, BODY, "race"))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [a.status_code for a in answers] == [201] * 8
    assert len({a.get_json()["scheduling_link"]["id"] for a in answers}) == 1
    assert _count(app) == 1
