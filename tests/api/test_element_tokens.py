"""Element tokens (issue 22): made with an API key, used by embedded UI Elements as `?et=`
with a Cronofy-Element header, from the token's exact origin only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers import make_host

from backend import db
from backend.accounts import organization_named
from backend.models import Account, ElementToken

ORIGIN = "https://app.example.com"
ELEMENT = {"Origin": ORIGIN, "Cronofy-Element": "v1.0.0, SlotPicker"}


def _day() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=(2 - today.weekday()) % 7 + 7)  # a Wednesday


def _token(client, host, permissions=("availability",), subs=None, origin=ORIGIN):
    body = {"version": "1", "permissions": list(permissions),
            "subs": subs or [host.sub], "origin": origin}  # fmt: skip
    return client.post("/v1/element_tokens", json=body, headers=host.headers)


def _query(*subs) -> dict:
    day = _day()
    return {
        "participants": [{"members": [{"sub": s} for s in subs], "required": "all"}],
        "required_duration": {"minutes": 30},
        "query_periods": [{"start": f"{day}T08:00:00Z", "end": f"{day}T18:00:00Z"}],
        "response_format": "slots",
    }


def test_create_answers_in_cronofys_shape(client, host):
    response = _token(client, host, ["availability", "managed_availability"])
    assert response.status_code == 200, response.get_json()
    token = response.get_json()["element_token"]
    assert token["permissions"] == ["availability", "managed_availability"]
    assert token["origin"] == ORIGIN and token["expires_in"] == 64800
    assert token["token"].startswith("set_")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"permissions": ["everything"]}, "permissions"),
        ({"permissions": []}, "permissions"),
        ({"origin": "https://app.example.com/page"}, "origin"),
        ({"origin": "javascript:alert(1)"}, "origin"),
        ({"subs": []}, "subs"),
        ({"subs": ["acc_nobody"]}, "subs.0"),
        ({"version": "2"}, "version"),
    ],
)
def test_create_refuses_bad_requests(client, host, change, field):
    body = {"version": "1", "permissions": ["availability"], "subs": [host.sub],
            "origin": ORIGIN, **change}  # fmt: skip
    response = client.post("/v1/element_tokens", json=body, headers=host.headers)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_subs_are_the_caller_and_its_organization(app, client, host):
    colleague = make_host(app, email="colleague@example.com")
    stranger = make_host(app, email="stranger@example.com")
    with app.app_context(), db.write() as s:
        org = organization_named(s, "Acme Recruiting")
        for account_id in (host.account_id, colleague.account_id):
            s.get(Account, account_id).organization_id = org.id
    assert _token(client, host, subs=[host.sub, colleague.sub]).status_code == 200
    refused = _token(client, host, subs=[host.sub, stranger.sub])
    assert refused.status_code == 422 and "subs.1" in refused.get_json()["errors"]
    # Editing someone's rules is for their own key: managed_availability names the caller alone.
    own_only = _token(client, host, ["managed_availability"], subs=[colleague.sub])
    assert own_only.status_code == 422


def test_an_element_token_is_not_an_api_key(client, host):
    token = _token(client, host).get_json()["element_token"]["token"]
    as_bearer = client.post("/v1/element_tokens", json={},
                            headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert as_bearer.status_code == 401
    for method, path in [("GET", "/v1/calendars"), ("GET", "/v1/scheduling_links"),
                         ("POST", "/v1/scheduling_links"), ("GET", "/v1/events"),
                         ("POST", "/v1/element_tokens"), ("GET", "/v1/account")]:  # fmt: skip
        response = client.open(f"{path}?et={token}", method=method, json={}, headers=ELEMENT)
        assert response.status_code == 403, (method, path)
        assert "Access-Control-Allow-Origin" not in response.headers
        assert set(response.get_json()) <= {"error", "message"}
    # Not even with an API key beside it: ?et= decides.
    both = client.get(f"/v1/scheduling_links?et={token}", headers={**ELEMENT, **host.headers})
    assert both.status_code == 403


def test_availability_through_an_element_token(client, host):
    token = _token(client, host).get_json()["element_token"]["token"]
    with_key = client.post("/v1/availability", json=_query(host.sub), headers=host.headers)
    response = client.post(f"/v1/availability?et={token}", json=_query(host.sub), headers=ELEMENT)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == with_key.get_json()
    assert response.get_json()["available_slots"]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_availability_only_for_the_tokens_subs(app, client, host):
    colleague = make_host(app, email="colleague@example.com")
    with app.app_context(), db.write() as s:
        org = organization_named(s, "Acme Recruiting")
        for account_id in (host.account_id, colleague.account_id):
            s.get(Account, account_id).organization_id = org.id
    token = _token(client, host).get_json()["element_token"]["token"]
    response = client.post(
        f"/v1/availability?et={token}", json=_query(host.sub, colleague.sub), headers=ELEMENT
    )
    assert response.status_code == 422
    assert "participants.0.members.1.sub" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example.com", "Cronofy-Element": "v1.0.0, SlotPicker"},
        {"Origin": "https://app.example.com:8443", "Cronofy-Element": "v1.0.0, SlotPicker"},
        {"Origin": "http://app.example.com", "Cronofy-Element": "v1.0.0, SlotPicker"},
        {"Cronofy-Element": "v1.0.0, SlotPicker"},
    ],
)
def test_another_origin_gets_nothing(client, host, headers):
    token = _token(client, host).get_json()["element_token"]["token"]
    response = client.post(f"/v1/availability?et={token}", json=_query(host.sub), headers=headers)
    assert response.status_code == 403
    assert "available_slots" not in response.get_data(as_text=True)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_element_header_is_required(client, host):
    token = _token(client, host).get_json()["element_token"]["token"]
    response = client.post(
        f"/v1/availability?et={token}", json=_query(host.sub), headers={"Origin": ORIGIN}
    )
    assert response.status_code == 401


def test_expired_revoked_and_unknown_tokens(app, client, host):
    token = _token(client, host).get_json()["element_token"]["token"]
    unknown = client.post("/v1/availability?et=set_nope", json=_query(host.sub), headers=ELEMENT)
    assert unknown.status_code == 401
    with app.app_context(), db.write() as s:
        row = s.query(ElementToken).one()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    expired = client.post(f"/v1/availability?et={token}", json=_query(host.sub), headers=ELEMENT)
    assert expired.status_code == 401
    assert "Access-Control-Allow-Origin" not in expired.headers
    with app.app_context(), db.write() as s:
        row = s.query(ElementToken).one()
        row.expires_at = datetime.now(UTC) + timedelta(hours=1)
        row.revoked_at = datetime.now(UTC)
    revoked = client.post(f"/v1/availability?et={token}", json=_query(host.sub), headers=ELEMENT)
    assert revoked.status_code == 401


def test_preflight_answers_the_tokens_origin_only(client, host):
    token = _token(client, host).get_json()["element_token"]["token"]

    def preflight(origin, path="/v1/availability"):
        return client.options(
            f"{path}?et={token}",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,cronofy-element",
            },
        )

    ok = preflight(ORIGIN)
    assert ok.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "cronofy-element" in ok.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example.com").headers
    # An endpoint outside the token's permissions gets no preflight either.
    outside = preflight(ORIGIN, "/v1/scheduling_links")
    assert "Access-Control-Allow-Origin" not in outside.headers


def test_permissions_decide_the_endpoints(client, host):
    availability = _token(client, host).get_json()["element_token"]["token"]
    rules = client.get(f"/v1/availability_rules?et={availability}", headers=ELEMENT)
    assert rules.status_code == 403
    managed = _token(client, host, ["managed_availability"]).get_json()["element_token"]["token"]
    rules = client.get(f"/v1/availability_rules?et={managed}", headers=ELEMENT)
    assert rules.status_code == 200 and rules.get_json()["availability_rules"]
    monday = {"day": "monday", "start_time": "10:00", "end_time": "12:00"}
    rule = {"tzid": "Europe/London", "weekly_periods": [monday]}
    saved = client.put(f"/v1/availability_rules?et={managed}", json=rule, headers=ELEMENT)
    assert saved.status_code == 200
    assert client.post(f"/v1/availability?et={managed}", json=_query(host.sub),
                       headers=ELEMENT).status_code == 403  # fmt: skip


def test_userinfo_through_an_element_token(client, host):
    token = _token(client, host).get_json()["element_token"]["token"]
    response = client.get(f"/v1/userinfo?et={token}", headers=ELEMENT)
    assert response.status_code == 200
    assert response.get_json() == {"sub": host.sub, "name": "Grace Hopper",
                                   "tzid": "Europe/London"}  # fmt: skip


def test_a_same_origin_get_without_origin_header(client, host):
    """Browsers send no Origin on a same-origin GET (the demo page); Sec-Fetch-Site says so."""
    token = _token(client, host, origin="http://schedlink.test").get_json()["element_token"]
    headers = {"Sec-Fetch-Site": "same-origin", "Cronofy-Element": "v1.0.0, SlotPicker"}
    assert client.get(f"/v1/userinfo?et={token['token']}", headers=headers).status_code == 200
    cross = {**headers, "Sec-Fetch-Site": "cross-site"}
    assert client.get(f"/v1/userinfo?et={token['token']}", headers=cross).status_code == 403


def test_endpoints_that_landed_beside_elements_accept_their_permission(app, client, host):
    """Sequenced availability (availability, the token's subs only), one rule by id
    (managed_availability, never DELETE) and free/busy (agenda)."""
    colleague = make_host(app, email="colleague@example.com")
    with app.app_context(), db.write() as s:
        org = organization_named(s, "Acme Recruiting")
        for account_id in (host.account_id, colleague.account_id):
            s.get(Account, account_id).organization_id = org.id
    day = _day()

    def sequence(*subs):
        return {
            "query_periods": [{"start": f"{day}T08:00:00Z", "end": f"{day}T18:00:00Z"}],
            "sequence": [
                {"sequence_id": str(n), "ordinal": n, "required_duration": {"minutes": 30},
                 "participants": [{"members": [{"sub": s} for s in subs], "required": "all"}]}
                for n in (1, 2)
            ],
        }  # fmt: skip

    availability = _token(client, host).get_json()["element_token"]["token"]
    url = f"/v1/sequenced_availability?et={availability}"
    ours = client.post(url, json=sequence(host.sub), headers=ELEMENT)
    assert ours.status_code == 200 and ours.get_json()["sequences"], ours.get_json()
    theirs = client.post(url, json=sequence(host.sub, colleague.sub), headers=ELEMENT)
    assert theirs.status_code == 422  # the colleague is not among the token's subs
    assert client.get(f"/v1/free_busy?et={availability}", headers=ELEMENT).status_code == 403

    managed = _token(client, host, ["managed_availability"]).get_json()["element_token"]["token"]
    rule = client.get(f"/v1/availability_rules/default?et={managed}", headers=ELEMENT)
    assert rule.status_code == 200 and rule.headers["Access-Control-Allow-Origin"] == ORIGIN
    gone = client.delete(f"/v1/availability_rules/default?et={managed}", headers=ELEMENT)
    assert gone.status_code == 403

    agenda = _token(client, host, ["agenda"]).get_json()["element_token"]["token"]
    busy = client.get(f"/v1/free_busy?et={agenda}", headers=ELEMENT)
    assert busy.status_code == 200 and "free_busy" in busy.get_json()
    assert client.post(f"/v1/scheduling_links?et={agenda}", json={"contact": {
        "email": "ada@example.com"}}, headers=ELEMENT).status_code == 403  # fmt: skip
