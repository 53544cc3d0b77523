"""GET /v1/events pages like Cronofy's: pages {current, total, next_page}; next_page is a
URL that reads on from where the page ended, for this account only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpers import make_host, path_of

DAY = datetime(2030, 3, 4, tzinfo=UTC)


def _calendar_id(client, host) -> str:
    return client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]


def _add(client, host, calendar_id, n, start):
    body = {
        "event_id": f"ev-{n}", "summary": f"Event {n}",
        "start": start.isoformat().replace("+00:00", "Z"),
        "end": (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
    }  # fmt: skip
    response = client.post(f"/v1/calendars/{calendar_id}/events", json=body, headers=host.headers)
    assert response.status_code == 202, response.get_json()


def test_events_come_in_pages_that_cover_every_event_once(app, client, host):
    app.config["EVENTS_PAGE_SIZE"] = 3
    calendar_id = _calendar_id(client, host)
    # Same start times on purpose (ties are ordered by id), and fractions of a second.
    for n in range(7):
        _add(client, host, calendar_id, n, DAY + timedelta(hours=n // 2, microseconds=n * 7))
    url = "/v1/events?from=2030-03-04&to=2030-03-05&tzid=UTC"
    first = client.get(url, headers=host.headers).get_json()
    assert first["pages"]["current"] == 1 and first["pages"]["total"] == 3
    assert len(first["events"]) == 3 and first["pages"]["next_page"].startswith("http://")
    # An event added meanwhile, before the cursor, changes nothing already read.
    _add(client, host, calendar_id, 99, DAY - timedelta(hours=1))
    seen = [e["event_id"] for e in first["events"]]
    page = first
    while "next_page" in page["pages"]:
        page = client.get(path_of(page["pages"]["next_page"]), headers=host.headers).get_json()
        seen += [e["event_id"] for e in page["events"]]
        assert page["pages"]["current"] <= page["pages"]["total"]
    assert page["pages"] == {"current": 3, "total": 3}
    assert sorted(seen) == sorted(f"ev-{n}" for n in range(7))


def test_one_page_when_everything_fits(client, host):
    _add(client, host, _calendar_id(client, host), 1, DAY)
    body = client.get("/v1/events?from=2030-03-04&to=2030-03-05", headers=host.headers)
    assert body.get_json()["pages"] == {"current": 1, "total": 1}
    empty = client.get("/v1/events?from=2031-03-04&to=2031-03-05", headers=host.headers)
    assert empty.get_json() == {"pages": {"current": 1, "total": 1}, "events": []}


def test_a_page_url_is_for_its_account_only_and_cannot_be_forged(app, client, host):
    app.config["EVENTS_PAGE_SIZE"] = 1
    calendar_id = _calendar_id(client, host)
    for n in range(2):
        _add(client, host, calendar_id, n, DAY + timedelta(hours=n))
    url = "/v1/events?from=2030-03-04&to=2030-03-05"
    next_page = path_of(client.get(url, headers=host.headers).get_json()["pages"]["next_page"])
    other = make_host(app, email="other@example.com")
    stolen = client.get(next_page, headers=other.headers)
    assert stolen.status_code == 404 and stolen.get_json()["error"] == "not_found"
    assert client.get(next_page + "x", headers=host.headers).status_code == 404
    assert client.get(next_page).status_code == 401
