"""Where a consent may send the browser afterwards (issue 19 item 4): `redirect_uri` of
POST /v1/conferencing_service_authorizations and /v1/calendar_authorizations is this server's
own origin, or one SCHEDLINK_REDIRECT_ORIGINS lists; anything else is a 422, so
/oauth/callback cannot be an open redirect."""

from __future__ import annotations

import pytest
from standins import query_of

from backend import db
from backend.models import OAuthRequest

CONFERENCING = ("/v1/conferencing_service_authorizations", "zoom")
CALENDARS = ("/v1/calendar_authorizations", "google")
# The conferencing endpoint without a provider: the chooser page passes redirect_uri on.
CHOOSER = ("/v1/conferencing_service_authorizations", None)


@pytest.fixture
def app_config() -> dict:
    # Clients only: nothing is called until someone comes back from a consent.
    return {"ZOOM_CLIENT_ID": "zoom-id", "GOOGLE_CLIENT_ID": "google-id"}


def _start(client, host, endpoint, redirect_uri):
    path, provider = endpoint
    body = {"redirect_uri": redirect_uri}
    if provider is not None:
        body["provider_name"] = provider
    return client.post(path, json=body, headers=host.headers)


@pytest.mark.parametrize("endpoint", [CONFERENCING, CALENDARS, CHOOSER])
@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/landing",
        "http://schedlink.test.evil.example/after",
        "https://schedlink.test/after",  # another scheme is another origin
        "//evil.example/after",
        "javascript:alert(1)",
    ],
)
def test_a_redirect_uri_outside_the_allowed_origins_is_422(app, client, host, endpoint,
                                                            redirect_uri):  # fmt: skip
    answer = _start(client, host, endpoint, redirect_uri)
    assert answer.status_code == 422, answer.get_json()
    (error,) = answer.get_json()["errors"]["redirect_uri"]
    assert error["key"] == "errors.invalid" and error["description"]
    with app.app_context():
        assert db.session().query(OAuthRequest).count() == 0


@pytest.mark.parametrize("endpoint", [CONFERENCING, CALENDARS, CHOOSER])
def test_the_servers_own_origin_is_allowed_by_default(client, host, endpoint):
    answer = _start(client, host, endpoint, "http://schedlink.test/settings?tab=1")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["authorization_request"]["url"]


@pytest.mark.parametrize("endpoint", [CONFERENCING, CALENDARS])
def test_origins_listed_in_redirect_origins_are_allowed(app, client, host, endpoint):
    app.config["REDIRECT_ORIGINS"] = ["https://ats.example.com"]
    answer = _start(client, host, endpoint, "https://ats.example.com/done")
    assert answer.status_code == 200, answer.get_json()
    url = answer.get_json()["authorization_request"]["url"]
    assert query_of(url)["redirect_uri"] == "http://schedlink.test/oauth/callback"
    assert _start(client, host, endpoint, "https://other.example/done").status_code == 422
