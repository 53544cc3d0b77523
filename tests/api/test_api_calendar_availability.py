"""Events in the local calendar, availability rules, and POST /v1/availability."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers import create_link, form_fields, make_host, path_of

from backend import db
from backend.accounts import organization_named
from backend.models import Account


def _next_weekday(weekday: int, weeks: int = 1) -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def _calendar_id(client, host) -> str:
    return client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]


def _event(client, host, event_id, start, end, **extra):
    body = {"event_id": event_id, "summary": "Busy", "start": start, "end": end, **extra}
    return client.post(
        f"/v1/calendars/{_calendar_id(client, host)}/events", json=body, headers=host.headers
    )


def test_event_upsert_read_update_delete(client, host):
    day = _next_weekday(1)
    start, end = f"{day}T10:00:00Z", f"{day}T11:00:00Z"
    assert _event(client, host, "ev-1", start, end).status_code == 202
    listed = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert [(e["event_id"], e["start"], e["end"]) for e in listed] == [("ev-1", start, end)]
    assert (
        _event(client, host, "ev-1", start, f"{day}T12:00:00Z", summary="Longer").status_code == 202
    )
    listed = client.get(
        f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
    ).get_json()["events"]
    assert len(listed) == 1 and listed[0]["end"] == f"{day}T12:00:00Z"
    assert listed[0]["summary"] == "Longer"
    deleted = client.delete(
        f"/v1/calendars/{_calendar_id(client, host)}/events",
        json={"event_id": "ev-1"},
        headers=host.headers,
    )
    assert deleted.status_code == 202
    assert (
        client.get(
            f"/v1/events?from={day}&to={day + timedelta(days=1)}", headers=host.headers
        ).get_json()["events"]
        == []
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"summary": "x", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T11:00:00Z"},
            "event_id",
        ),
        (
            {"event_id": "e", "summary": "x", "start": "soon", "end": "2026-12-01T11:00:00Z"},
            "start",
        ),
        (
            {
                "event_id": "e",
                "summary": "x",
                "start": "2026-12-01T11:00:00Z",
                "end": "2026-12-01T10:00:00Z",
            },
            "end",
        ),
        (
            {
                "event_id": "e",
                "summary": "x",
                "start": "2026-12-01T10:00:00Z",
                "end": "2026-12-01T11:00:00Z",
                "tzid": "Nowhere/Land",
            },
            "tzid",
        ),
        (
            {
                "event_id": "e",
                "summary": "x",
                "start": "2026-12-01T10:00:00Z",
                "end": "2026-12-01T11:00:00Z",
                "transparency": "cloudy",
            },
            "transparency",
        ),
    ],
)
def test_event_validation(client, host, body, field):
    response = client.post(
        f"/v1/calendars/{_calendar_id(client, host)}/events", json=body, headers=host.headers
    )
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_foreign_calendar_is_404(app, client, host):
    other = make_host(app, email="other@example.com")
    response = client.post(
        f"/v1/calendars/{_calendar_id(client, other)}/events",
        json={"event_id": "x"},
        headers=host.headers,
    )
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_an_opaque_event_removes_offered_slots(client, host):
    link = create_link(client, host)
    starts = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))["starts"]
    busy_start = starts[0]
    busy_end = (
        datetime.fromisoformat(busy_start.replace("Z", "+00:00")) + timedelta(hours=1)
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    _event(client, host, "free-time", busy_start, busy_end, transparency="transparent")
    assert (
        busy_start in form_fields(client.get(path_of(link["url"])).get_data(as_text=True))["starts"]
    )
    _event(client, host, "meeting", busy_start, busy_end)
    after = form_fields(client.get(path_of(link["url"])).get_data(as_text=True))["starts"]
    assert busy_start not in after
    assert all(not (busy_start <= s < busy_end) for s in after)


def test_rules_round_trip_and_drive_availability(client, host):
    rule = {
        "availability_rule_id": "default",
        "tzid": "America/New_York",
        "weekly_periods": [{"day": "tuesday", "start_time": "10:00", "end_time": "12:00"}],
    }
    put = client.put("/v1/availability_rules", json=rule, headers=host.headers)
    assert put.status_code == 200
    got = client.get("/v1/availability_rules", headers=host.headers).get_json()
    stored = got["availability_rules"][0]
    assert stored["tzid"] == "America/New_York"
    assert stored["weekly_periods"] == rule["weekly_periods"]
    tuesday = _next_weekday(1)
    query = {
        "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
        "required_duration": {"minutes": 60},
        "query_periods": [
            {"start": f"{tuesday}T00:00:00Z", "end": f"{tuesday + timedelta(days=1)}T00:00:00Z"}
        ],
    }
    body = client.post("/v1/availability", json=query, headers=host.headers).get_json()
    periods = body["available_periods"]
    assert len(periods) == 1
    start = datetime.fromisoformat(periods[0]["start"].replace("Z", "+00:00"))
    assert start.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).hour == 10
    assert periods[0]["participants"] == [{"sub": host.sub}]


def test_bad_rules_are_422(client, host):
    response = client.put(
        "/v1/availability_rules",
        json={"tzid": "Mars/Base", "weekly_periods": []},
        headers=host.headers,
    )
    assert response.status_code == 422 and "errors" in response.get_json()


def test_availability_sees_the_organization_only(app, client, host):
    colleague = make_host(app, email="colleague@example.com")
    stranger = make_host(app, email="stranger@example.com")
    with app.app_context(), db.write() as s:
        org = organization_named(s, "Acme Recruiting")
        for account_id in (host.account_id, colleague.account_id):
            s.get(Account, account_id).organization_id = org.id
    day = _next_weekday(2)
    query = {
        "participants": [
            {"members": [{"sub": host.sub}, {"sub": colleague.sub}], "required": "all"}
        ],
        "required_duration": {"minutes": 30},
        "query_periods": [{"start": f"{day}T08:00:00Z", "end": f"{day}T18:00:00Z"}],
        "response_format": "slots",
    }
    ok = client.post("/v1/availability", json=query, headers=host.headers)
    assert ok.status_code == 200, ok.get_json()
    slots = ok.get_json()["available_slots"]
    assert slots and {p["sub"] for p in slots[0]["participants"]} == {host.sub, colleague.sub}
    query["participants"][0]["members"].append({"sub": stranger.sub})
    refused = client.post("/v1/availability", json=query, headers=host.headers)
    assert refused.status_code == 422
    assert "participants.0.members.2.sub" in refused.get_json()["errors"]
    query["participants"][0]["members"][2] = {"sub": "acc_doesnotexist"}
    assert client.post("/v1/availability", json=query, headers=host.headers).status_code == 422


def test_query_and_legacy_periods_together_is_422(client, host):
    period = [{"start": "2026-12-01T09:00:00Z", "end": "2026-12-01T17:00:00Z"}]
    response = client.post(
        "/v1/availability",
        json={
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 30},
            "query_periods": period,
            "available_periods": period,
        },
        headers=host.headers,
    )
    errors = response.get_json()["errors"]
    assert response.status_code == 422
    assert "query_periods" in errors and "available_periods" in errors
