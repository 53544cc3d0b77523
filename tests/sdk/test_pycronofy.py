"""The contract: the official Python SDK (pycronofy, pinned in the test extra), pointed at a
live schedlink by changing only its base URL, makes each call a Cronofy user makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pycronofy
import pytest
import requests
from pycronofy import settings
from pycronofy.batch import BatchBuilder
from pycronofy.exceptions import PyCronofyRequestError

MONDAY = datetime(2030, 1, 7, tzinfo=UTC)  # far enough ahead for notice and "now"


def z(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def cronofy(live, sdk_host, monkeypatch):
    """As docs/api.md tells a user: set the SDK's base URL, then make the client."""
    monkeypatch.setattr(settings, "API_BASE_URL", live.url)
    client = pycronofy.Client(access_token=sdk_host.api_key, client_secret=sdk_host.api_key)
    client.host = sdk_host
    return client


def local_calendar(cronofy) -> str:
    return cronofy.list_calendars()[0]["calendar_id"]


def event(event_id: str, start: datetime, minutes: int = 60, **extra) -> dict:
    return {"event_id": event_id, "summary": event_id, "start": z(start),
            "end": z(start + timedelta(minutes=minutes)), "tzid": "Etc/UTC", **extra}  # fmt: skip


def test_account(cronofy):
    account = cronofy.account()
    assert account["account_id"] == cronofy.host.sub
    assert account["email"] == cronofy.host.email and account["name"] == "Ada Lovelace"
    assert account["default_tzid"] == "Europe/London" and "read_events" in account["scope"]


def test_userinfo_and_profiles(cronofy):
    info = cronofy.userinfo()
    assert info["sub"] == cronofy.host.sub and info["cronofy.type"] == "account"
    profiles = info["cronofy.data"]["profiles"]
    assert profiles[0]["provider_name"] == "schedlink"
    calendar = profiles[0]["profile_calendars"][0]
    assert calendar["calendar_id"] == local_calendar(cronofy) and calendar["calendar_primary"]
    assert any(p["provider_name"] == "jitsi" for p in info["cronofy.data"]["conferencing_profiles"])
    assert info["calendars"] and info["conferencing_profiles"]  # schedlink's own keys stay
    listed = cronofy.list_profiles()
    assert [p["profile_id"] for p in listed] == [profiles[0]["profile_id"]]
    assert listed[0]["profile_connected"] is True


def test_read_events_and_free_busy_page_through_next_page(cronofy, page_size):
    calendar = local_calendar(cronofy)
    for i in range(page_size * 2 + 1):
        cronofy.upsert_event(calendar, event(f"e{i}", MONDAY + timedelta(hours=i)))
    cronofy.upsert_event(calendar, event("free", MONDAY, transparency="transparent"))
    window = {"from_date": "2030-01-06", "to_date": "2030-01-09", "tzid": "Etc/UTC"}
    events = cronofy.read_events(**window).all()
    assert len(events) == page_size * 2 + 2
    blocks = cronofy.read_free_busy(**window)
    assert blocks.total == 3 and "next_page" in blocks.json()["pages"]
    blocks = blocks.all()
    assert len(blocks) == len(events)
    assert {b["free_busy_status"] for b in blocks} == {"busy", "free"}
    first = {"calendar_id": calendar, "start": z(MONDAY), "end": z(MONDAY + timedelta(hours=1))}
    assert blocks[0] == {**first, "free_busy_status": "busy"}


def test_availability_query_slots_and_rules(cronofy):
    calendar = local_calendar(cronofy)
    work = {
        "availability_rule_id": "work",
        "tzid": "Etc/UTC",
        "calendar_ids": [calendar],
        "weekly_periods": [{"day": "monday", "start_time": "09:00", "end_time": "12:00"}],
    }
    late = {
        "availability_rule_id": "late",
        "tzid": "Etc/UTC",
        "weekly_periods": [{"day": "monday", "start_time": "18:00", "end_time": "20:00"}],
    }
    assert cronofy.upsert_availability_rule(work)["availability_rule_id"] == "work"
    cronofy.upsert_availability_rule(late)
    # The built-in hours (Monday-Friday 09:00-17:00) stay the default, stored beside them.
    assert [r["availability_rule_id"] for r in cronofy.list_availability_rules()] == [
        "default",
        "late",
        "work",
    ]
    assert cronofy.get_availability_rule("late")["weekly_periods"][0]["start_time"] == "18:00"
    cronofy.upsert_event(calendar, event("busy", MONDAY.replace(hour=10)))
    starts = [MONDAY.replace(hour=h) for h in (9, 10, 11, 18, 19)]
    member = {"sub": cronofy.host.sub}
    free = cronofy.availability(
        participants=[{"members": [member]}], required_duration=60,
        query_slots=[{"start": z(s)} for s in starts],
    )  # fmt: skip
    # The default rule: 10:00 is busy, 18:00 and 19:00 are after hours.
    assert [p["start"] for p in free] == [z(starts[0]), z(starts[2])]
    free = cronofy.availability(
        participants=[{"members": [{**member, "managed_availability": "work"}]}],
        required_duration=120, query_slots=[{"start": z(s)} for s in starts],
    )  # fmt: skip
    assert free == []  # "work" ends at 12:00 and 10:00 is busy
    free = cronofy.availability(
        participants=[{"members": [{**member, "availability_rule_ids": ["late"]}]}],
        required_duration=60, query_slots=[{"start": z(s)} for s in starts],
        response_format="slots",
    )  # fmt: skip
    assert [p["start"] for p in free] == [z(starts[3]), z(starts[4])]
    periods = cronofy.availability(
        participants=[{"members": [member]}], required_duration=30,
        available_periods=[{"start": z(MONDAY), "end": z(MONDAY + timedelta(days=1))}],
    )  # fmt: skip
    assert [(p["start"], p["end"]) for p in periods] == [
        (z(MONDAY.replace(hour=9)), z(MONDAY.replace(hour=10))),
        (z(MONDAY.replace(hour=11)), z(MONDAY.replace(hour=17))),
    ]
    cronofy.delete_availability_rule("late")
    with pytest.raises(PyCronofyRequestError) as missing:
        cronofy.get_availability_rule("late")
    assert missing.value.response.status_code == 404


def test_batch(cronofy):
    calendar = local_calendar(cronofy)
    builder = BatchBuilder()
    builder.upsert_event(calendar, event("b1", MONDAY))
    builder.upsert_event(calendar, event("b2", MONDAY + timedelta(hours=2)))
    builder.delete_event(calendar, "b1")
    result = cronofy.batch(builder)
    assert [e.status() for e in result.entries] == [202, 202, 202]
    ids = [e["event_id"] for e in cronofy.read_events(from_date="2030-01-06", to_date="2030-01-09")]
    assert ids == ["b2"]
    bad = BatchBuilder()
    bad.upsert_event(calendar, event("b3", MONDAY))
    bad.post(f"/v1/calendars/{calendar}/events", {"event_id": "x"})  # no summary, no times
    with pytest.raises(pycronofy.exceptions.PyCronofyPartialSuccessError) as partial:
        cronofy.batch(bad)
    statuses = [e.status() for e in partial.value.batch_response.entries]
    assert statuses == [202, 422]
    assert "errors" in partial.value.batch_response.entries[1].response["data"]


def test_create_calendar(cronofy):
    profile = cronofy.list_profiles()[0]["profile_id"]
    made = cronofy.create_calendar(profile, "Interviews")["calendar"]
    assert made["calendar_name"] == "Interviews" and made["profile_id"] == profile
    assert made["calendar_id"] in [c["calendar_id"] for c in cronofy.list_calendars()]
    with pytest.raises(PyCronofyRequestError) as duplicate:
        cronofy.create_calendar(profile, "Interviews")
    assert duplicate.value.response.status_code == 422
    same = cronofy.create_calendar(profile, "Interviews", error_on_duplicate=False)
    assert same["calendar_id"] == made["calendar_id"]


def test_delete_all_events_and_participation_status(cronofy):
    calendar = local_calendar(cronofy)
    other = cronofy.create_calendar(cronofy.list_profiles()[0]["profile_id"], "Other")
    other = other["calendar"]["calendar_id"]
    cronofy.upsert_event(calendar, event("a", MONDAY))
    cronofy.upsert_event(other, event("b", MONDAY))
    cronofy.upsert_event(other, event("c", MONDAY + timedelta(hours=3)))
    window = {"from_date": "2030-01-06", "to_date": "2030-01-09"}

    cronofy.change_participation_status(other, "c", "declined")
    statuses = {e["event_id"]: e["participation_status"] for e in cronofy.read_events(**window)}
    assert statuses == {"a": None, "b": None, "c": "declined"}
    blocks = {(b["calendar_id"], b["start"]): b["free_busy_status"]
              for b in cronofy.read_free_busy(**window)}  # fmt: skip
    assert blocks[(other, z(MONDAY + timedelta(hours=3)))] == "free"
    with pytest.raises(PyCronofyRequestError) as bad:
        cronofy.change_participation_status(other, "c", "maybe")
    assert bad.value.response.status_code == 422

    cronofy.delete_all_events(calendar_ids=[other])
    assert [e["event_id"] for e in cronofy.read_events(**window)] == ["a"]
    cronofy.delete_all_events()
    assert list(cronofy.read_events(**window)) == []


def test_conferencing_services_auth_link(cronofy):
    url = cronofy.get_conferencing_services_auth_link("https://app.example/back")
    assert url.startswith(cronofy.request_handler.base_url + "/")


def test_error_envelope(live, sdk_host):
    anonymous = requests.get(f"{live.url}/v1/account", timeout=10)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith(
        "Bearer"
    )
    assert anonymous.json()["error"] == "unauthorized"
    invalid = requests.post(f"{live.url}/v1/availability_rules", json={"tzid": "Mars/Base"},
                            headers=sdk_host.headers, timeout=10)  # fmt: skip
    assert invalid.status_code == 422
    assert invalid.json()["errors"]["tzid"][0]["key"] == "errors.invalid"
