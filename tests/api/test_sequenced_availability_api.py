"""POST /v1/sequenced_availability through the Flask test client, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from helpers import make_host

from backend import db
from backend.accounts import organization_named
from backend.models import Account, Calendar, Event

HOUR = timedelta(hours=1)


def _next_weekday(weekday: int, weeks: int = 1) -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def _calendar_id(client, host) -> str:
    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    return calendars[0]["calendar_id"]


def _busy(client, host, event_id, start, end):
    response = client.post(
        f"/v1/calendars/{_calendar_id(client, host)}/events",
        json={"event_id": event_id, "summary": "Busy", "start": start, "end": end},
        headers=host.headers,
    )
    assert response.status_code == 202, response.get_json()


@pytest.fixture
def team(app, host):
    colleague = make_host(app, email="colleague@example.com")
    stranger = make_host(app, email="stranger@example.com")
    with app.app_context(), db.write() as s:
        org = organization_named(s, "Acme Recruiting")
        for account_id in (host.account_id, colleague.account_id):
            s.get(Account, account_id).organization_id = org.id
    return host, colleague, stranger


def _step(sid, ordinal, sub, minutes=60, **extra):
    member = {"sub": sub, "managed_availability": False}
    member.update(extra.pop("member", {}))
    return {
        "sequence_id": sid,
        "ordinal": ordinal,
        "participants": [{"members": [member]}],
        "required_duration": {"minutes": minutes},
        **extra,
    }


def _ask(client, host, body):
    return client.post("/v1/sequenced_availability", json=body, headers=host.headers)


def test_two_step_loop_with_gap_bounds(client, team):
    host, colleague, _ = team
    day = _next_weekday(2)
    _busy(client, host, "h1", f"{day}T09:00:00Z", f"{day}T10:00:00Z")
    _busy(client, colleague, "c1", f"{day}T11:00:00Z", f"{day}T12:00:00Z")
    body = {
        "query_periods": [{"start": f"{day}T09:00:00Z", "end": f"{day}T13:00:00Z"}],
        "sequence": [
            _step("panel", 2, colleague.sub),
            _step("intro", 1, host.sub, buffer={"after": {"maximum": {"minutes": 60}}}),
        ],
    }
    response = _ask(client, host, body)
    assert response.status_code == 200, response.get_json()

    def row(sid, a, b, sub):
        return {
            "sequence_id": sid,
            "start": f"{day}T{a}:00:00Z",
            "end": f"{day}T{b}:00:00Z",
            "participants": [{"sub": sub}],
        }

    assert response.get_json() == {
        "sequences": [
            {"sequence": [row("intro", 10, 11, host.sub), row("panel", 12, 13, colleague.sub)]},
            {"sequence": [row("intro", 11, 12, host.sub), row("panel", 12, 13, colleague.sub)]},
        ]
    }
    # a tighter maximum leaves only the second; max_results keeps the first of them
    body["sequence"][1]["buffer"] = {"after": {"maximum": {"minutes": 30}}}
    assert [
        o["sequence"][0]["start"] for o in _ask(client, host, body).get_json()["sequences"]
    ] == [f"{day}T11:00:00Z"]
    body["sequence"][1]["buffer"] = {}
    body["max_results"] = 1
    got = _ask(client, host, body).get_json()["sequences"]
    assert len(got) == 1 and got[0]["sequence"][0]["start"] == f"{day}T10:00:00Z"
    # the legacy root alias, as the SDKs send it
    body["available_periods"] = body.pop("query_periods")
    assert _ask(client, host, body).get_json()["sequences"] == got


def test_calendar_ids_limit_the_busy_time(app, client, team):
    host, colleague, _ = team
    day = _next_weekday(3)
    start = datetime.combine(day, time(9), UTC)
    with app.app_context(), db.write() as s:  # a second (synced-like) calendar, busy 09-10
        side = Calendar(public_id="cal_side", account_id=host.account_id, name="Side")
        s.add(side)
        s.flush()
        s.add(Event(calendar_id=side.id, event_uid="side", start_at=start, end_at=start + HOUR))
    primary = _calendar_id(client, host)
    body = {
        "query_periods": [{"start": f"{day}T09:00:00Z", "end": f"{day}T11:00:00Z"}],
        "sequence": [
            _step("a", 1, host.sub, member={"calendar_ids": [primary]}),
            _step("b", 2, colleague.sub),
        ],
    }
    first = _ask(client, host, body).get_json()["sequences"][0]["sequence"][0]
    assert first["start"] == f"{day}T09:00:00Z"  # the side calendar does not count
    del body["sequence"][0]["participants"][0]["members"][0]["calendar_ids"]
    assert _ask(client, host, body).get_json()["sequences"] == []  # now it does


def test_required_n_names_who_is_free(client, team):
    host, colleague, _ = team
    day = _next_weekday(1)
    _busy(client, host, "h1", f"{day}T09:00:00Z", f"{day}T10:00:00Z")
    pool = {
        "members": [
            {"sub": host.sub, "managed_availability": False},
            {"sub": colleague.sub, "managed_availability": False},
        ],
        "required": 1,
    }
    body = {
        "query_periods": [{"start": f"{day}T09:00:00Z", "end": f"{day}T11:00:00Z"}],
        "sequence": [
            {**_step("a", 1, host.sub), "participants": [pool]},
            {**_step("b", 2, host.sub), "participants": [pool]},
        ],
        "max_results": 1,
    }
    [option] = _ask(client, host, body).get_json()["sequences"]
    assert [p["participants"] for p in option["sequence"]] == [
        [{"sub": colleague.sub}],
        [{"sub": host.sub}, {"sub": colleague.sub}],
    ]


def test_bad_input_is_422_and_nothing_is_stored(app, client, team):
    host, colleague, stranger = team
    day = _next_weekday(2)
    period = {"start": f"{day}T09:00:00Z", "end": f"{day}T13:00:00Z"}
    good = {"query_periods": [period], "sequence": [_step("a", 1, host.sub)]}
    with app.app_context():
        before = db.session().query(Event).count()

    def field_keys(body):
        response = _ask(client, host, body)
        assert response.status_code == 422, response.get_json()
        return {f: [e["key"] for e in items] for f, items in response.get_json()["errors"].items()}

    assert field_keys({**good, "sequence": [_step("a", 1, stranger.sub)]}) == {
        "sequence.0.participants.0.members.0.sub": ["errors.unknown_sub"]
    }
    assert field_keys({**good, "sequence": [_step("a", 1, "acc_nobody")]}) == {
        "sequence.0.participants.0.members.0.sub": ["errors.unknown_sub"]
    }
    theirs = _calendar_id(client, colleague)
    foreign = _step("a", 1, host.sub, member={"calendar_ids": [theirs]})
    assert field_keys({**good, "sequence": [foreign]}) == {
        "sequence.0.participants.0.members.0.calendar_ids": ["errors.unknown_calendar"]
    }
    past = {"start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"}
    assert field_keys({**good, "query_periods": [past]}) == {"query_periods.0.end": ["errors.past"]}
    assert field_keys({**good, "query_periods": [period] * 51}) == {
        "query_periods": ["errors.too_many"]
    }
    twice = [_step("a", 1, host.sub), _step("b", 1, colleague.sub)]
    assert field_keys({**good, "sequence": twice}) == {"sequence.1.ordinal": ["errors.duplicate"]}
    gap = [_step("a", 1, host.sub), _step("b", 3, colleague.sub)]
    assert field_keys({**good, "sequence": gap}) == {"sequence": ["errors.missing_steps"]}
    with app.app_context():
        assert db.session().query(Event).count() == before
    assert _ask(client, host, good).status_code == 200


def test_needs_an_api_key(client):
    response = client.post("/v1/sequenced_availability", json={})
    assert response.status_code == 401
