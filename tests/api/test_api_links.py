"""The scheduling-links API: create, list, read, disable, QR, and every error shape."""

from __future__ import annotations

import base64
import json

import pytest
from helpers import NATIVE, create_link, make_host, path_of


def test_create_with_contact_defaults(client, host):
    link = create_link(client, host, contact={"name": "Ada", "email": "ADA@Example.com"})
    assert link["id"].startswith("sl_")
    assert link["status"] == "open"
    assert link["duration_minutes"] == 30
    assert link["max_uses"] == 1 and link["uses"] == 0
    assert link["contact"]["email"] == "ada@example.com"
    assert set(link["contact"]) >= {"name", "email", "tzid", "reference", "source"}
    assert link["url"].startswith("http://schedlink.test/b/")
    assert link["expires_at"].endswith("Z") and link["created_at"].endswith("Z")


def test_create_from_markup_uses_its_summary_and_duration(client, host):
    response = client.post("/v1/scheduling_links", json={"markup": NATIVE}, headers=host.headers)
    assert response.status_code == 201
    link = response.get_json()["scheduling_link"]
    assert link["contact"]["name"] == "Ada Lovelace"
    assert link["contact"]["reference"] == "candidate-4711"
    assert link["summary"] == "Interview: Senior Engineer"
    assert link["duration_minutes"] == 45


def test_token_carries_only_an_opaque_id(client, host):
    link = create_link(client, host)
    token = path_of(link["url"]).split("/")[-1]
    payload = token.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert json.loads(decoded) == link["id"]
    assert "ada" not in token.lower()


def test_a_link_keeps_one_url(client, host):
    link = create_link(client, host)
    read = client.get(f"/v1/scheduling_links/{link['id']}", headers=host.headers).get_json()
    listed = client.get("/v1/scheduling_links", headers=host.headers).get_json()
    assert read["scheduling_link"]["url"] == link["url"]
    assert listed["scheduling_links"][0]["url"] == link["url"]


def test_list_read_and_disable(client, host):
    first = create_link(client, host)
    second = create_link(client, host, summary="Second")
    listed = client.get("/v1/scheduling_links", headers=host.headers).get_json()
    assert [item["id"] for item in listed["scheduling_links"]] == [second["id"], first["id"]]
    read = client.get(f"/v1/scheduling_links/{first['id']}", headers=host.headers)
    assert read.get_json()["scheduling_link"]["id"] == first["id"]
    disabled = client.post(
        f"/v1/scheduling_links/{first['id']}/disable",
        json={"display_message": "Position filled"},
        headers=host.headers,
    )
    body = disabled.get_json()["scheduling_link"]
    assert body["status"] == "disabled" and body["display_message"] == "Position filled"


def test_links_of_another_account_are_not_found(app, client, host):
    link = create_link(client, host)
    other = make_host(app, email="other@example.com")
    for method, path in (
        ("get", f"/v1/scheduling_links/{link['id']}"),
        ("post", f"/v1/scheduling_links/{link['id']}/disable"),
        ("get", f"/v1/scheduling_links/{link['id']}/qr.svg"),
    ):
        response = getattr(client, method)(path, headers=other.headers, json={})
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


def test_qr_code_is_svg(client, host):
    link = create_link(client, host)
    response = client.get(f"/v1/scheduling_links/{link['id']}/qr.svg", headers=host.headers)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer slk_wrong"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_invalid_key_is_401_json(client, headers):
    for method, path in (
        ("get", "/v1/userinfo"),
        ("post", "/v1/scheduling_links"),
        ("post", "/v1/markup/parse"),
        ("get", "/v1/scheduling_links"),
    ):
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"
        assert response.get_json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "contact"),
        ({"contact": {"name": "Ada"}}, "contact.email"),
        ({"contact": {"email": "not-an-email"}}, "contact.email"),
        ({"contact": "ada@example.com"}, "contact"),
        ({"contact": {"email": "a@example.com", "tzid": "Mars/Olympus"}}, "contact.tzid"),
        ({"contact": {"email": "a@example.com"}, "duration_minutes": 0}, "duration_minutes"),
        ({"contact": {"email": "a@example.com"}, "duration_minutes": "30"}, "duration_minutes"),
        ({"contact": {"email": "a@example.com"}, "max_uses": 0}, "max_uses"),
        ({"contact": {"email": "a@example.com"}, "expires_at": "tomorrow"}, "expires_at"),
        (
            {"contact": {"email": "a@example.com"}, "expires_at": "2001-01-01T00:00:00Z"},
            "expires_at",
        ),
        (
            {"contact": {"email": "a@example.com"}, "redirect_url": "javascript:alert(1)"},
            "redirect_url",
        ),
        ({"contact": {"email": "a@example.com"}, "query_periods": []}, "query_periods"),
        ({"markup": "<p>nobody here</p>"}, "markup"),
        ({"markup": NATIVE, "contact": {"email": "a@example.com"}}, "markup"),
    ],
)
def test_validation_errors_are_422_in_cronofy_shape(client, host, body, field):
    response = client.post("/v1/scheduling_links", json=body, headers=host.headers)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors
    assert errors[field][0]["key"].startswith("errors.")
    assert errors[field][0]["description"]


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'"text"', b""])
def test_malformed_json_is_422(client, host, raw):
    response = client.post(
        "/v1/scheduling_links",
        data=raw,
        headers={**host.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]


def test_oversized_body_is_413_json(app, client, host):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = client.post("/v1/markup/parse", json={"html": "x" * 20_000}, headers=host.headers)
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_unknown_api_route_and_method_are_json(client, host):
    missing = client.get("/v1/nothing-here", headers=host.headers)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = client.delete("/v1/userinfo", headers=host.headers)
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"


def test_userinfo(client, host):
    body = client.get("/v1/userinfo", headers=host.headers).get_json()
    assert body["sub"] == host.sub and body["email"] == host.email
    assert body["tzid"] == "Europe/London"
    assert body["calendars"][0]["calendar_id"].startswith("cal_")


def test_markup_parse_endpoint(client, host):
    response = client.post(
        "/v1/markup/parse",
        json={"html": NATIVE, "url": "https://ats.example/c/4711"},
        headers=host.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["contacts"][0]["email"] == "ada@example.com"
    assert body["contacts"][0]["source"] == "schedlink"
    assert isinstance(body["warnings"], list)


def test_markup_parse_rejects_bad_fields(client, host):
    response = client.post("/v1/markup/parse", json={"html": 5}, headers=host.headers)
    assert response.status_code == 422 and "html" in response.get_json()["errors"]


def test_cors_allows_only_configured_origins(app, client, host):
    app_origin = app.config["CORS_ORIGINS"][0]
    allowed = client.options(
        "/v1/scheduling_links",
        headers={
            "Origin": app_origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert allowed.headers.get("Access-Control-Allow-Origin") == app_origin
    near_misses = (
        app_origin.upper(), app_origin.replace("chrome-extension://", "Chrome-Extension://"),
        app_origin[:-1] + app_origin[-1].upper(), app_origin + "x", app_origin + "/",
        "x" + app_origin, app_origin[:-1],
    )  # fmt: skip
    for origin in ("https://evil.example", "null", "moz-extension://random", *near_misses):
        response = client.get("/v1/userinfo", headers={**host.headers, "Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers, origin
        preflight = client.options(
            "/v1/scheduling_links",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert "Access-Control-Allow-Origin" not in preflight.headers, origin
    exact = client.get("/v1/userinfo", headers={**host.headers, "Origin": app_origin})
    assert exact.headers["Access-Control-Allow-Origin"] == app_origin
    assert client.get("/v1/userinfo", headers={"Origin": app_origin}).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example/x",
        "/\\evil.example",
        "https://good.example@evil.example/",
        "https://good.example.evil.example/",
        "javascript:alert(1)",
        " https://good.example/",
        "\thttps://good.example/",
        "https://good.example\\@evil.example/",
        "HTTPS://evil.example",
        "https://evil.example/",
        "data:text/html,hi",
        "https://good.example:99999/",
    ],
)
def test_redirect_url_only_to_allowed_origins(app, client, host, url):
    app.config["REDIRECT_ORIGINS"] = ["https://good.example"]
    response = client.post(
        "/v1/scheduling_links",
        json={"contact": {"email": "a@example.com"}, "redirect_url": url},
        headers=host.headers,
    )
    assert response.status_code == 422 and "redirect_url" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "url", ["https://good.example/thanks?x=1", "HTTPS://GOOD.example/", "https://good.example"]
)
def test_redirect_url_to_an_allowed_origin_is_kept(app, client, host, url):
    app.config["REDIRECT_ORIGINS"] = ["https://good.example"]
    link = create_link(client, host, redirect_url=url)
    assert link["redirect_url"] == url
