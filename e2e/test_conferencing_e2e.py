"""A booked meeting's join link in real Chromium against the production server: a host on
the built-in Jitsi service, and a host whose Zoom account (a local stand-in following Zoom's
documented API, connected through the API and confirmed in the browser) makes the meeting."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from browser import wait_until
from live_server import LiveServer
from selenium.webdriver.common.by import By
from standins import StandinProvider, zoom_meetings


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def api(url: str, key: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.load(response)


def book_and_read_join_link(driver, link_url: str) -> str:
    """The invitee books the first offered time; the confirmation page shows the join link
    once the worker has made it (the page fetches itself again until then)."""
    driver.get(link_url)
    slots = driver.find_elements(By.CSS_SELECTOR, 'input[name="start"]')
    assert slots, "the host works Mon-Fri 09-17: there must be free slots"
    slots[0].find_element(By.XPATH, "..").click()
    driver.find_element(By.ID, "confirm").click()
    wait_until(lambda: "You're booked" in driver.find_element(By.TAG_NAME, "body").text)
    wait_until(
        lambda: driver.find_elements(By.ID, "join-url"),
        timeout=30,
        message="the join link never appeared on the confirmation page",
    )
    return driver.find_element(By.ID, "join-url").get_attribute("href")


def test_jitsi_host_invitee_sees_the_join_link(driver, server):
    link = api(
        server.url,
        server.api_key,
        "/v1/scheduling_links",
        {
            "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
            "summary": "Jitsi intro",
        },
    )["scheduling_link"]
    join = book_and_read_join_link(driver, link["url"])
    assert re.fullmatch(r"https://meet\.jit\.si/[a-z2-7]{32}", join)
    assert "Jitsi Meet" in driver.find_element(By.ID, "join").text


@pytest.fixture(scope="module")
def zoom_server(tmp_path_factory):
    zoom = StandinProvider("zoom")
    zoom.meetings_bp = zoom_meetings.blueprint(zoom)
    zoom.register(zoom.meetings_bp)
    zoom.start()
    tmp = tmp_path_factory.mktemp("zoom-server")
    live = LiveServer(
        f"sqlite:///{tmp / 'schedlink.db'}",
        tmp,
        workers=1,
        job_worker=True,
        # The stand-in's origin doubles as a host app's (a listed redirect origin).
        extra_env={**zoom.env(), "SCHEDLINK_OUTBOUND_ALLOW": "127.0.0.1,localhost",
                   "SCHEDLINK_REDIRECT_ORIGINS": zoom.url},
    )  # fmt: skip
    host = live.create_host_with_cli("zoomhost@example.com")
    live.start()
    yield live, host, zoom
    live.stop()
    zoom.stop()


def test_zoom_host_invitee_sees_the_zoom_meeting(driver, zoom_server):
    live, host, zoom = zoom_server
    started = api(
        live.url,
        host.api_key,
        "/v1/conferencing_service_authorizations",
        {"redirect_uri": f"{live.url}/conferencing/relinked", "provider_name": "zoom"},
    )
    callback = zoom.consent(started["authorization_request"]["url"])
    # Another client (no browser cookie) coming back with the code connects nothing…
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(callback, timeout=15)
        raise AssertionError("the callback must redirect")
    except urllib.error.HTTPError as answer:
        assert answer.code == 303 and "/oauth/confirm?state=" in answer.headers["Location"]
    profiles = api(live.url, host.api_key, "/v1/userinfo")["conferencing_profiles"]
    assert [p["provider_name"] for p in profiles] == ["jitsi"]
    # …a consent started through the API is confirmed in the browser that comes back, on a
    # page naming the schedlink account it goes to.
    callback = zoom.consent(
        api(
            live.url,
            host.api_key,
            "/v1/conferencing_service_authorizations",
            {"redirect_uri": f"{live.url}/conferencing/relinked", "provider_name": "zoom"},
        )["authorization_request"]["url"]
    )
    driver.get(callback)
    wait_until(lambda: driver.find_elements(By.ID, "oauth-confirm"))
    assert host.email in driver.find_element(By.ID, "target-account").text
    driver.find_element(By.ID, "connect").click()
    wait_until(lambda: "last_linked_profile_id=" in driver.current_url)
    pro = driver.current_url.split("last_linked_profile_id=")[1]
    link = api(
        live.url,
        host.api_key,
        "/v1/scheduling_links",
        {
            "contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
            "summary": "Zoom intro",
            "conferencing": {"profile_id": pro},
        },
    )["scheduling_link"]
    join = book_and_read_join_link(driver, link["url"])
    meetings = list(zoom.meetings_bp.meetings.values())
    assert len(meetings) == 1 and join == meetings[0]["join_url"]
    assert meetings[0]["topic"] == "Zoom intro"
    assert "Zoom" in driver.find_element(By.ID, "join").text


def test_zoom_connected_in_the_browser_from_the_settings_page_and_from_the_api(driver, zoom_server):
    """The host's Connect button (a form POST) goes through Zoom's consent and back to the
    page in the same browser; a consent started through the API, confirmed in the browser,
    goes on to the host app's own origin (the form's redirect is not refused by the CSP)."""
    live, host, zoom = zoom_server
    driver.get(f"{live.url}/login")
    driver.find_element(By.ID, "email").send_keys(host.email)
    driver.find_element(By.ID, "password").send_keys("a long enough password")
    driver.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_until(lambda: "/login" not in driver.current_url)
    driver.get(f"{live.url}/settings/conferencing")
    driver.find_element(By.ID, "connect-zoom").click()
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, 'tr[data-provider="zoom"]'),
               message=f"not back on the page: {driver.current_url}")  # fmt: skip
    assert driver.current_url == f"{live.url}/settings/conferencing"
    assert "Connected Zoom" in driver.find_element(By.TAG_NAME, "body").text
    started = api(
        live.url,
        host.api_key,
        "/v1/conferencing_service_authorizations",
        {"redirect_uri": f"{zoom.url}/done", "provider_name": "zoom"},
    )
    driver.get(zoom.consent(started["authorization_request"]["url"]))
    wait_until(lambda: driver.find_elements(By.ID, "oauth-confirm"))
    driver.find_element(By.ID, "connect").click()
    wait_until(lambda: driver.current_url.startswith(f"{zoom.url}/done?last_linked_profile_id="),
               message=f"not sent on to the host app: {driver.current_url}")  # fmt: skip
