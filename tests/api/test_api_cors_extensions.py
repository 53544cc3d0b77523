"""CORS for the extension's two kinds of origin: the fixed Chrome one, and Firefox's
per-installation moz-extension://<uuid>, listed in SCHEDLINK_CORS_ORIGINS by an administrator
(or not, when that Firefox has the host permission for the server instead; e2e/test_firefox.py
drives both in a real Firefox)."""

from __future__ import annotations

import pytest
from helpers import make_host

from backend import create_app
from backend.config import DEFAULT_CHROME_EXTENSION_ID

CHROME = f"chrome-extension://{DEFAULT_CHROME_EXTENSION_ID}"
FIREFOX = "moz-extension://0f8e4c2a-5b7d-4e1f-9a3c-6d2b8e7f1a90"
OTHER_FIREFOX = "moz-extension://7a1c9e3b-2d4f-4b6a-8c5e-1f0d9b3a7e24"


@pytest.fixture
def firefox_app(monkeypatch, database_url, tmp_path):
    # As an administrator writes it: comma-separated, spaces allowed.
    monkeypatch.setenv("SCHEDLINK_CORS_ORIGINS", f"{CHROME}, {FIREFOX}")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test",
            "SERVER_NAME": "schedlink.test",
        }
    )
    yield app
    app.extensions["schedlink.engine"].dispose()


def preflight(client, origin: str):
    return client.options(
        "/v1/markup/parse",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_the_default_list_is_the_chrome_origin(app):
    assert app.config["CORS_ORIGINS"] == [CHROME]


@pytest.mark.parametrize("origin", [CHROME, FIREFOX])
def test_listed_extension_origins_pass_preflight_and_read_answers(firefox_app, origin):
    assert firefox_app.config["CORS_ORIGINS"] == [CHROME, FIREFOX]
    client = firefox_app.test_client()
    host = make_host(firefox_app)
    answer = preflight(client, origin)
    assert answer.headers.get("Access-Control-Allow-Origin") == origin
    assert "authorization" in answer.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "POST" in answer.headers.get("Access-Control-Allow-Methods", "")
    assert "Access-Control-Allow-Credentials" not in answer.headers

    response = client.post(
        "/v1/markup/parse",
        json={"html": '<a href="mailto:ada@example.com">Ada</a>'},
        headers={**host.headers, "Origin": origin},
    )
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == origin
    assert "Retry-After" in response.headers.get("Access-Control-Expose-Headers", "")


def test_an_unlisted_firefox_installation_gets_no_cors_but_is_not_refused(firefox_app):
    """Another Firefox profile's origin: the browser will withhold the answer from it unless
    it holds the host permission, in which case the server must simply answer."""
    client = firefox_app.test_client()
    host = make_host(firefox_app)
    assert "Access-Control-Allow-Origin" not in preflight(client, OTHER_FIREFOX).headers
    response = client.get("/v1/userinfo", headers={**host.headers, "Origin": OTHER_FIREFOX})
    assert response.status_code == 200 and response.get_json()["sub"] == host.sub
    assert "Access-Control-Allow-Origin" not in response.headers
    # Origins are matched exactly: no prefix, suffix or case-folded look-alikes.
    for near in (FIREFOX + ".evil.example", FIREFOX[:-1], "moz-extension://", FIREFOX + "/"):
        assert "Access-Control-Allow-Origin" not in preflight(client, near).headers, near
