"""The conferencing services page of the host's settings: list, connect (through a provider
stand-in), reconnect, choose the default (none, Jitsi, a provider), remove."""

from __future__ import annotations

import re

import pytest
from conferencing_helpers import events, local, put_event
from helpers import _csrf, book, create_link, login
from sqlalchemy import func, select
from standins import StandinProvider, zoom_meetings

from backend import db
from backend.core.outbound import Outbound
from backend.models import OAuthRequest
from backend.outbox import worker as jobs


@pytest.fixture
def zoom(app):
    provider = StandinProvider("zoom")
    provider.meetings_bp = zoom_meetings.blueprint(provider)
    provider.register(provider.meetings_bp)
    with provider:
        app.config.update(provider.config())
        app.extensions["schedlink.outbound"] = Outbound(allow=["127.0.0.1"])
        yield provider


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-profile="pro_\w+" data-provider="(\w+)"', html)


def test_page_needs_sign_in(client, host):
    response = client.get("/settings/conferencing")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_connect_choose_default_and_remove(app, client, host, zoom):
    login(client)
    page = client.get("/settings/conferencing").get_data(as_text=True)
    assert _rows(page) == ["jitsi"] and 'id="connect-zoom"' in page
    assert re.search(r'value="jitsi" checked', page), "Jitsi is the default with no set-up"
    # Connect Zoom: our page → Zoom's consent → our callback → back to the page.
    start = client.post("/settings/conferencing/connect/zoom", data={"csrf_token": _csrf(page)})
    assert start.status_code == 302 and start.headers["Location"].startswith(zoom.url)
    back = client.get(local(zoom.consent(start.headers["Location"])))
    assert back.status_code == 303
    landed = client.get(local(back.headers["Location"]))
    assert landed.status_code == 303
    page = client.get(landed.headers["Location"]).get_data(as_text=True)
    assert "Connected" in page and _rows(page) == ["jitsi", "zoom"]
    pro = re.search(r'data-profile="(pro_\w+)" data-provider="zoom"', page).group(1)
    # Zoom becomes the default: a booked meeting is a Zoom meeting.
    chosen = client.post(
        "/settings/conferencing/default", data={"csrf_token": _csrf(page), "default": pro}
    )
    assert chosen.status_code == 303
    page = client.get("/settings/conferencing").get_data(as_text=True)
    assert re.search(rf'value="{pro}" checked', page)
    link = create_link(client, host)
    assert book(client, link["url"])[0].status_code == 303
    jobs.run_once(app)
    assert len(zoom.meetings_bp.meetings) == 1
    # None: events asking for the default get nothing.
    client.post(
        "/settings/conferencing/default", data={"csrf_token": _csrf(page), "default": "none"}
    )
    put_event(client, host, conferencing={"profile_id": "default"})
    assert "conferencing" not in events(client, host)["ev-1"]
    # Someone else's id is refused without changing anything.
    bad = client.post(
        "/settings/conferencing/default",
        data={"csrf_token": _csrf(page), "default": "pro_" + "c" * 26},
    )
    assert "Choose one of the services" in client.get(bad.headers["Location"]).get_data(
        as_text=True
    )
    # Remove Zoom: gone from the page and the API.
    removed = client.post(f"/settings/conferencing/{pro}/remove", data={"csrf_token": _csrf(page)})
    assert removed.status_code == 303
    page = client.get("/settings/conferencing").get_data(as_text=True)
    assert _rows(page) == ["jitsi"]
    profiles = client.get("/v1/userinfo", headers=host.headers).get_json()["conferencing_profiles"]
    assert [p["provider_name"] for p in profiles] == ["jitsi"]


def test_forms_need_the_csrf_token(client, host):
    login(client)
    client.get("/settings/conferencing")
    response = client.post("/settings/conferencing/default", data={"default": "none"})
    assert response.status_code == 400


def test_disconnected_profile_offers_reconnect(app, client, host, zoom):
    login(client)
    page = client.get("/settings/conferencing").get_data(as_text=True)
    start = client.post("/settings/conferencing/connect/zoom", data={"csrf_token": _csrf(page)})
    client.get(local(zoom.consent(start.headers["Location"])))
    zoom.revoke_refresh_tokens()
    zoom.expire_access_tokens()
    page = client.get("/settings/conferencing").get_data(as_text=True)
    pro = re.search(r'data-profile="(pro_\w+)" data-provider="zoom"', page).group(1)
    put_event(client, host, conferencing={"profile_id": pro})
    jobs.run_once(app)
    page = client.get("/settings/conferencing").get_data(as_text=True)
    assert "Disconnected" in page
    assert 'id="reconnect-' in page
    again = client.post(f"/settings/conferencing/{pro}/reconnect", data={"csrf_token": _csrf(page)})
    assert again.status_code == 302 and again.headers["Location"].startswith(zoom.url)


def test_connecting_a_provider_is_a_post_with_the_csrf_token(app, client, host, zoom):
    """A link (an <img>, a top-level GET from another site) must not start a consent for the
    signed-in host: the page's Connect is a form, and GET only leads back to the page."""
    login(client)
    answer = client.get("/settings/conferencing")
    # The form's answer redirects to Zoom: Chrome applies form-action to that redirect too.
    assert f"form-action 'self' {zoom.url};" in answer.headers["Content-Security-Policy"]
    page = answer.get_data(as_text=True)
    assert re.search(
        r'<form method="post" action="/settings/conferencing/connect/zoom">\s*'
        r'<input type="hidden" name="csrf_token"',
        page,
    )
    for path in ("/settings/conferencing/connect/zoom", "/settings/conferencing/pro_x/reconnect"):
        got = client.get(path)
        assert got.status_code in (303, 405) and zoom.url not in got.headers.get("Location", "")
    assert client.post("/settings/conferencing/connect/zoom").status_code == 400
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(OAuthRequest)) == 0
    started = client.post("/settings/conferencing/connect/zoom", data={"csrf_token": _csrf(page)})
    assert started.status_code == 302 and started.headers["Location"].startswith(zoom.url)
