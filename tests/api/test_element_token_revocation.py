"""Element tokens after issue 22's first round: their maker lists and revokes them (API and
the API keys page), free/busy pages keep `?et=`, and the Availability Rules element's
several ranges a day round-trip through an element token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from helpers import login, make_host, path_of, web_post

ORIGIN = "https://app.example.com"
ELEMENT = {"Origin": ORIGIN, "Cronofy-Element": "v1.0.0, AvailabilityRules"}


def _token(client, host, permissions=("availability",), origin=ORIGIN) -> dict:
    body = {"version": "1", "permissions": list(permissions), "subs": [host.sub],
            "origin": origin}  # fmt: skip
    response = client.post("/v1/element_tokens", json=body, headers=host.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["element_token"]


def test_list_and_revoke_through_the_api(app, client, host):
    first = _token(client, host)
    second = _token(client, host, ["agenda", "managed_availability"], "https://crm.example.com")
    listed = client.get("/v1/element_tokens", headers=host.headers)
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["pages"] == {"current": 1, "total": 1}
    assert [t["element_token_id"] for t in body["element_tokens"]] == [
        second["element_token_id"], first["element_token_id"]]  # fmt: skip
    newest = body["element_tokens"][0]
    assert newest["origin"] == "https://crm.example.com" and newest["subs"] == [host.sub]
    assert newest["permissions"] == ["agenda", "managed_availability"]
    expires = datetime.fromisoformat(newest["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=17) < expires - datetime.now(UTC) <= timedelta(hours=18)
    assert first["token"] not in listed.get_data(as_text=True)  # never the secret
    assert "token" not in newest

    url = f"/v1/availability_rules?et={second['token']}"
    assert client.get(url, headers={**ELEMENT, "Origin": newest["origin"]}).status_code == 200
    gone = client.delete(f"/v1/element_tokens/{second['element_token_id']}", headers=host.headers)
    assert gone.status_code == 202
    # Revoked: refused at once, and no longer listed; a second revoke finds nothing.
    assert client.get(url, headers={**ELEMENT, "Origin": newest["origin"]}).status_code == 401
    left = client.get("/v1/element_tokens", headers=host.headers).get_json()["element_tokens"]
    assert [t["element_token_id"] for t in left] == [first["element_token_id"]]
    again = client.delete(f"/v1/element_tokens/{second['element_token_id']}", headers=host.headers)
    assert again.status_code == 404


def test_only_the_maker_sees_and_revokes_a_token(app, client, host):
    mine = _token(client, host)
    other = make_host(app, email="other@example.com")
    assert client.get("/v1/element_tokens", headers=other.headers).get_json()[
        "element_tokens"] == []  # fmt: skip
    stolen = client.delete(f"/v1/element_tokens/{mine['element_token_id']}", headers=other.headers)
    assert stolen.status_code == 404
    for path in ("/v1/element_tokens/etk_\x00", "/v1/element_tokens/1", "/v1/element_tokens/x"):
        assert client.delete(path, headers=host.headers).status_code == 404
    # An element token can neither list nor revoke tokens.
    as_element = {"Origin": ORIGIN, "Cronofy-Element": "v1.0.0, SlotPicker"}
    assert client.get(f"/v1/element_tokens?et={mine['token']}",
                      headers=as_element).status_code == 403  # fmt: skip
    delete = client.delete(
        f"/v1/element_tokens/{mine['element_token_id']}?et={mine['token']}", headers=as_element
    )
    assert delete.status_code == 403
    assert client.get("/v1/element_tokens?page=0", headers=host.headers).status_code == 422


def test_the_api_keys_page_lists_and_revokes_element_tokens(app, client, host):
    made = _token(client, host, ["availability"], "https://ats.example.com")
    login(client)
    page = client.get("/profile/api-keys").get_data(as_text=True)
    row = re.search(r'<tr data-element-token="([^"]+)">(.*?)</tr>', page, re.S)
    assert row.group(1) == made["element_token_id"]
    assert "https://ats.example.com" in row.group(2) and "availability" in row.group(2)
    assert made["token"] not in page
    action = f"/profile/api-keys/element-tokens/{made['element_token_id']}/revoke"
    done = web_post(client, "/profile/api-keys", action)
    assert done.status_code == 303
    headers = {"Origin": "https://ats.example.com", "Cronofy-Element": "v1.0.0, SlotPicker"}
    assert client.get(f"/v1/userinfo?et={made['token']}", headers=headers).status_code == 401
    after = client.get("/profile/api-keys").get_data(as_text=True)
    assert "Element token revoked." in after and "No live element tokens." in after
    # Revoke all: every live one at once.
    more = [_token(client, host) for _ in range(2)]
    web_post(client, "/profile/api-keys", "/profile/api-keys/element-tokens/revoke-all")
    for t in more:
        assert client.get(f"/v1/userinfo?et={t['token']}",
                          headers={**headers, "Origin": ORIGIN}).status_code == 401  # fmt: skip


def test_free_busy_next_page_keeps_the_element_token(app, client, host):
    app.config["EVENTS_PAGE_SIZE"] = 2
    calendar_id = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]
    day = datetime(2030, 3, 4, 9, tzinfo=UTC)
    for n in range(5):
        start = day + timedelta(hours=n)
        end = start + timedelta(minutes=30)
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        event = {"event_id": f"ev-{n}", "summary": "Private",
                 "start": start.strftime(stamp), "end": end.strftime(stamp)}  # fmt: skip
        assert client.post(f"/v1/calendars/{calendar_id}/events", json=event,
                           headers=host.headers).status_code == 202  # fmt: skip
    token = _token(client, host, ["agenda"])["token"]
    headers = {"Origin": ORIGIN, "Cronofy-Element": "v1.67.7, agenda"}
    page = client.get(f"/v1/free_busy?from=2030-03-04&to=2030-03-05&tzid=UTC&et={token}",
                      headers=headers).get_json()  # fmt: skip
    starts = [b["start"] for b in page["free_busy"]]
    while "next_page" in page["pages"]:
        assert f"et={token}" in page["pages"]["next_page"]
        # As Cronofy's Agenda does: it appends ?et= to next_page once more.
        response = client.get(path_of(page["pages"]["next_page"]) + f"&et={token}",
                              headers=headers)  # fmt: skip
        assert response.status_code == 200, response.get_json()
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        page = response.get_json()
        starts += [b["start"] for b in page["free_busy"]]
    assert starts == [f"2030-03-04T{9 + n:02d}:00:00Z" for n in range(5)]
    assert "Private" not in str(page)
    # With an API key, next_page carries no token.
    keyed = client.get("/v1/free_busy?from=2030-03-04&to=2030-03-05&tzid=UTC",
                       headers=host.headers).get_json()  # fmt: skip
    assert "et=" not in keyed["pages"]["next_page"]


def test_several_ranges_a_day_round_trip_through_an_element_token(client, host):
    """What the Rules element sends: the loaded rule as it was, with its edited days."""
    token = _token(client, host, ["managed_availability"])["token"]
    url = f"/v1/availability_rules?et={token}"
    rule = {
        "availability_rule_id": "default", "tzid": "America/New_York",
        "weekly_periods": [
            {"day": "monday", "start_time": "09:00", "end_time": "12:00"},
            {"day": "monday", "start_time": "13:00", "end_time": "17:00"},
            {"day": "wednesday", "start_time": "08:00", "end_time": "10:00"},
            {"day": "wednesday", "start_time": "11:00", "end_time": "12:30"},
            {"day": "wednesday", "start_time": "20:00", "end_time": "24:00"},
        ],
        "date_overrides": [{"date": "2030-12-24", "periods": []}],
        "min_notice_minutes": 120, "max_days_ahead": 60, "buffer": {"before": 5, "after": 10},
    }  # fmt: skip
    saved = client.put(url, json=rule, headers=ELEMENT)
    assert saved.status_code == 200, saved.get_json()
    loaded = client.get(url, headers=ELEMENT).get_json()["availability_rules"][0]
    assert loaded == rule
    # Saved again unchanged (the element's Save with no edits): the same rule.
    assert client.put(url, json=loaded, headers=ELEMENT).get_json()["availability_rule"] == rule
    with_key = client.get("/v1/availability_rules/default", headers=host.headers).get_json()
    assert with_key["availability_rule"] == rule


def test_what_cronofys_rules_element_needs(client, host):
    """It reads userinfo's calendars (to pick which count) and saves with POST, which knows
    only Cronofy's fields: schedlink's own (overrides, notice, buffers) stay as stored."""
    token = _token(client, host, ["managed_availability"])["token"]
    info = client.get(f"/v1/userinfo?et={token}", headers=ELEMENT).get_json()
    calendars = info["cronofy.data"]["profiles"][0]["profile_calendars"]
    assert set(calendars[0]) == {"calendar_id", "calendar_name", "calendar_deleted"}
    assert "email" not in info and "authorization" not in info["cronofy.data"]
    availability = _token(client, host)["token"]
    plain = client.get(f"/v1/userinfo?et={availability}", headers=ELEMENT).get_json()
    assert "cronofy.data" not in plain

    stored = {"availability_rule_id": "default", "tzid": "Europe/London",
              "weekly_periods": [{"day": "monday", "start_time": "09:00", "end_time": "17:00"}],
              "date_overrides": [{"date": "2030-12-24", "periods": []}],
              "min_notice_minutes": 60, "max_days_ahead": 30,
              "buffer": {"before": 5, "after": 0}}  # fmt: skip
    put = client.put("/v1/availability_rules", json=stored, headers=host.headers)
    assert put.status_code == 200
    sunday = {"day": "sunday", "start_time": "09:00", "end_time": "10:00"}
    cronofy = {"availability_rule_id": "default", "tzid": "Europe/London", "weekly_periods":
               [sunday], "calendar_ids": [calendars[0]["calendar_id"]]}  # fmt: skip
    saved = client.post(f"/v1/availability_rules?et={token}", json=cronofy, headers=ELEMENT)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["availability_rule"] == {**stored, "weekly_periods": [sunday]}
    # Sent explicitly, they change (PUT replaces everything, as before).
    cleared = client.post(
        "/v1/availability_rules", json={**cronofy, "date_overrides": []}, headers=host.headers
    )
    assert cleared.get_json()["availability_rule"]["date_overrides"] == []
    assert cleared.get_json()["availability_rule"]["min_notice_minutes"] == 60
