"""Issue 25: reusable booking pages through /v1/booking_pages (create, read, list, change,
delete; slug rules; 422s in the Cronofy envelope), and issue 21's `availability_rule_id` on
scheduling links and pages: the named rule's hours are what the page offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import create_link, form_fields, path_of

from backend.scheduling import UNLIMITED_USES

SATURDAY_MORNINGS = {
    "availability_rule_id": "saturdays",
    "tzid": "Europe/London",
    "weekly_periods": [{"day": "saturday", "start_time": "10:00", "end_time": "12:00"}],
}


def _create(client, host, status=201, **body):
    body = {"slug": "intro", "summary": "Intro call", "durations": [30]} | body
    response = client.post("/v1/booking_pages", json=body, headers=host.headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_crud_and_defaults(client, host):
    page = _create(client, host, durations=[15, 30, 60], questions=[{"label": "Company"}])
    page = page["booking_page"]
    assert page["booking_page_id"].startswith("bp_")
    assert page["url"] == "http://schedlink.test/grace-hopper/intro"  # host slug from the name
    assert page["durations"] == [15, 30, 60] and page["active"] is True
    assert page["max_uses"] is None and page["uses"] == 0  # unlimited by default
    assert page["questions"][0]["id"] == "q1" and page["max_guests"] == 3
    page_id = page["booking_page_id"]
    got = client.get(f"/v1/booking_pages/{page_id}", headers=host.headers).get_json()
    assert got["booking_page"] == page
    changed = client.patch(
        f"/v1/booking_pages/{page_id}",
        json={"summary": "Intro", "max_uses": 5, "daily_limit": 2, "active": False},
        headers=host.headers,
    ).get_json()["booking_page"]
    assert (changed["summary"], changed["max_uses"], changed["daily_limit"]) == ("Intro", 5, 2)
    assert changed["active"] is False and changed["durations"] == [15, 30, 60]
    listed = client.get("/v1/booking_pages", headers=host.headers).get_json()["booking_pages"]
    assert [p["booking_page_id"] for p in listed] == [page_id]
    # Pages are not one-time links: they stay out of /v1/scheduling_links.
    links = client.get("/v1/scheduling_links", headers=host.headers).get_json()
    assert links["scheduling_links"] == []
    assert client.delete(f"/v1/booking_pages/{page_id}", headers=host.headers).status_code == 204
    assert client.get(f"/v1/booking_pages/{page_id}", headers=host.headers).status_code == 404
    assert client.get("/grace-hopper/intro").status_code == 404


def test_taken_slug_is_422_with_a_free_suggestion(client, host):
    _create(client, host)
    _create(client, host, slug="intro-2", summary="Other")
    errors = _create(client, host, status=422)["errors"]
    assert errors["slug"][0]["key"] == "errors.taken"
    assert errors["slug"][0]["suggestion"] == "intro-3"
    assert "intro-3" in errors["slug"][0]["description"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Intro Call"}, "slug"),
        ({"slug": "-x"}, "slug"),
        ({"slug": "a" * 61}, "slug"),
        ({"durations": []}, "durations"),
        ({"durations": [30, 30]}, "durations"),
        ({"durations": [0]}, "durations"),
        ({"durations": ["30"]}, "durations"),
        ({"summary": ""}, "summary"),
        ({"max_uses": 0}, "max_uses"),
        ({"daily_limit": -1}, "daily_limit"),
        ({"availability_rule_id": "nope"}, "availability_rule_id"),
        ({"questions": [{"type": "text"}]}, "questions.0.label"),
        ({"place": {"type": "teleport"}}, "place.type"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_422_by_field_and_nothing_is_stored(client, host, body, field):
    errors = _create(client, host, status=422, **body)["errors"]
    assert field in errors, errors
    listed = client.get("/v1/booking_pages", headers=host.headers).get_json()["booking_pages"]
    assert listed == []


def test_missing_fields_and_unknown_ids(client, host):
    response = client.post("/v1/booking_pages", json={}, headers=host.headers)
    assert set(response.get_json()["errors"]) >= {"slug", "durations"}
    for bad in ("bp_nope", "sl_x", "x\x00"):
        assert client.get(f"/v1/booking_pages/{bad}", headers=host.headers).status_code == 404
    assert client.get("/v1/booking_pages").status_code == 401


def _offered(client, url, **query):
    html = client.get(path_of(url), query_string=query).get_data(as_text=True)
    return [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in form_fields(html)["starts"]]


def test_availability_rule_id_is_honoured_by_links_and_pages(client, host):
    response = client.post("/v1/availability_rules", json=SATURDAY_MORNINGS, headers=host.headers)
    assert response.status_code in (200, 202, 204), response.get_json()
    link = create_link(client, host, availability_rule_id="saturdays")
    assert link["availability_rule_id"] == "saturdays"
    page = _create(client, host, availability_rule_id="saturdays")["booking_page"]
    plain = create_link(client, host)
    london = ZoneInfo("Europe/London")
    for url in (link["url"], page["url"]):
        starts = _offered(client, url)
        assert starts
        for start in starts:
            local = start.astimezone(london)
            assert local.weekday() == 5 and 10 <= local.hour < 12, local
    assert any(s.astimezone(london).weekday() < 5 for s in _offered(client, plain["url"]))
    bad = client.post(
        "/v1/scheduling_links",
        json={"contact": {"email": "a@example.com"}, "availability_rule_id": "nope"},
        headers=host.headers,
    )
    assert bad.status_code == 422 and "availability_rule_id" in bad.get_json()["errors"]


def test_page_rules_notice_horizon_and_buffers(client, host):
    page = _create(client, host, minimum_notice_minutes=3 * 1440, max_days_ahead=7)
    starts = _offered(client, page["booking_page"]["url"])
    now = datetime.now(UTC)
    assert starts and min(starts) >= now + timedelta(days=3) - timedelta(minutes=1)
    # The horizon is whole days: up to the 7th day after today, in the host's zone.
    london = ZoneInfo("Europe/London")
    last_day = now.astimezone(london).date() + timedelta(days=7)
    assert max(starts).astimezone(london).date() <= last_day


def test_unlimited_is_stored_as_never_reached(client, host):
    page = _create(client, host)["booking_page"]
    back = client.patch(
        f"/v1/booking_pages/{page['booking_page_id']}", json={"max_uses": None},
        headers=host.headers,
    ).get_json()["booking_page"]  # fmt: skip
    assert back["max_uses"] is None and UNLIMITED_USES > 10**9
