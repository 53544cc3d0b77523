"""Write transactions: SQLite takes the write lock up front; conflicts retry, then 409."""

from __future__ import annotations

import sqlite3

import pytest
from helpers import create_link, form_fields, path_of
from sqlalchemy import func, select

from backend import db
from backend.models import Booking
from backend.web.invitee import booking as booking_views


def test_sqlite_writers_begin_immediate(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite locking")
    path = database_url.removeprefix("sqlite:///")
    with app.app_context(), db.write() as _s:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        # The open write transaction already holds the lock: a second writer can't start.
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("SELECT count(*) FROM accounts").fetchone()  # readers still read (WAL)
        other.close()


def _post(client, link):
    fields = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))
    return client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip


def test_a_conflict_is_retried_then_succeeds(app, client, host, monkeypatch):
    real, calls = booking_views.book, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise db.TransactionConflict("40001 could not serialize access")
        return real(*args, **kwargs)

    monkeypatch.setattr(booking_views, "book", flaky)
    assert _post(client, create_link(client, host)).status_code == 303
    assert len(calls) == 2


def test_endless_conflicts_end_in_409_and_nothing_booked(app, client, host, monkeypatch):
    calls = []

    def always(*_args, **_kwargs):
        calls.append(1)
        raise db.TransactionConflict("40001 could not serialize access")

    monkeypatch.setattr(booking_views, "book", always)
    response = _post(client, create_link(client, host))
    assert response.status_code == 409 and len(calls) == 4
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Booking)) == 0


def test_serialization_failure_from_the_driver_becomes_a_conflict(app):
    from sqlalchemy.exc import OperationalError

    class SerializationFailure(Exception):
        sqlstate = "40001"

    with pytest.raises(db.TransactionConflict), app.app_context(), db.write():
        raise OperationalError("UPDATE …", {}, SerializationFailure())
