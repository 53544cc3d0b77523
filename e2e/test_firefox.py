"""The extension in real Firefox (firefox-esr, headless, over Marionette): the Firefox package
built by `npm run package` (web-ext build) installed as a temporary add-on, configured through
its options page, the toolbar button clicked on host pages, a link created and booked against
the production server.

Where Firefox differs from Chromium, and which test shows it is handled:
- background.scripts (an event page) instead of a service worker, and `browser.*` promises:
  every message the popup and options page send is answered by the background script
  (all tests);
- host permissions are optional and asked for at run time: the options page asks for the
  server's origin on save; declined, the API calls are cross-origin requests from
  `moz-extension://<uuid>` and go through because the server lists that origin in
  SCHEDLINK_CORS_ORIGINS (test_toolbar_click_to_booked_meeting_in_firefox); for an
  installation the server does not list, they fail with advice and the grant offer, and the
  granted permission lets them through (test_unlisted_origin_needs_the_host_permission);
- activeTab comes from the toolbar click (the browser action's triggerAction), and detection
  reaches into open shadow roots and same-origin frames there too
  (test_contacts_in_shadow_roots_and_frames_in_firefox).
"""

from __future__ import annotations

import uuid

import pytest
from firefox import FirefoxPopup, start_firefox, wait_until
from journey import invitee_books_the_first_time, popup_creates_the_candidates_link
from pages_server import pages  # noqa: F401 - the session fixture serving e2e/pages/

By = pytest.importorskip("marionette_driver.by", reason="marionette-driver not installed").By
BACKEND_PATTERN = "http://127.0.0.1/*"


def text(m, element_id: str) -> str:
    return m.find_element(By.ID, element_id).text


def fill_options(firefox, server) -> None:
    """Open the options page and save the server URL and API key; the host-permission
    prompt that Save raises is declined."""
    m = firefox.marionette
    m.navigate(firefox.extension_url("options/options.html"))
    wait_until(lambda: m.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "yes")
    url = m.find_element(By.ID, "backend-url")
    url.clear()
    url.send_keys(server.url)
    m.find_element(By.ID, "api-key").send_keys(server.api_key)
    m.find_element(By.ID, "save").click()
    prompt = firefox.permission_prompt()
    assert "127.0.0.1" in prompt, prompt
    firefox.answer_permission_prompt(allow=False)
    wait_until(
        lambda: text(m, "result").startswith("Saved"),
        timeout=20,
        message=f"not saved: {text(m, 'result')!r}",
    )
    assert "Access to the server was not granted" in text(m, "result")
    assert not firefox.has_host_permission(BACKEND_PATTERN)


def run_connection_test(m) -> str:
    """Click Test connection; the result line once it has finished."""
    m.find_element(By.ID, "test").click()
    wait_until(
        lambda: not text(m, "result").startswith("Testing"),
        timeout=15,
        message="Test connection never finished",
    )
    return text(m, "result")


def open_popup(firefox) -> FirefoxPopup:
    popup = firefox.trigger_action()
    wait_until(
        lambda: popup.js("document.body.dataset.detect") in ("done", "failed"),
        timeout=15,
        message="detection did not finish",
    )
    assert popup.js("document.body.dataset.detect") == "done", popup.text("#error")
    return popup


def listed(popup: FirefoxPopup) -> list[str]:
    return popup.js(
        "[...document.querySelectorAll('#contact-list .contact')]"
        ".filter(d => d.querySelector('input').value !== 'manual')"
        ".map(d => d.querySelector('.primary')?.textContent ?? '')"
    )


@pytest.fixture(scope="module")
def configured_firefox(firefox, server):
    """The module's Firefox with the server URL and key saved through the options page (the
    host permission declined)."""
    fill_options(firefox, server)
    return firefox


def test_toolbar_click_to_booked_meeting_in_firefox(configured_firefox, server):
    firefox = configured_firefox
    m = firefox.marionette
    assert firefox.extension_uuid() == firefox.uuid  # the origin the server's CORS list names

    m.navigate(firefox.extension_url("options/options.html"))
    wait_until(lambda: m.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "yes")
    # No host permission: the calls are CORS requests from moz-extension://<uuid>.
    assert run_connection_test(m) == "Connected as Grace Hopper <recruiter@example.com>."

    m.navigate(f"{server.url}/demo/ats/candidates/4711")
    assert text(m, "candidate-name") == "Ada Lovelace"
    popup = open_popup(firefox)
    url = popup_creates_the_candidates_link(popup, server)
    popup.close()
    invitee_books_the_first_time(m, m.navigate, url, server)


def test_contacts_in_shadow_roots_and_frames_in_firefox(configured_firefox, pages):  # noqa: F811
    firefox = configured_firefox
    m = firefox.marionette
    m.navigate(pages.url("components.html"))
    wait_until(
        lambda: m.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "yes",
        message="the component page did not finish loading its frames",
    )
    popup = open_popup(firefox)
    assert listed(popup) == [
        "Ada Lovelace <ada@example.com>",  # native markup in an open shadow root
        "Katherine Johnson <katherine@example.net>",  # microdata in declarative shadow DOM
        "Grace Hopper <grace@example.com>",  # h-card in a same-origin frame
    ]
    contacts = popup.text("#contact-list")
    assert "Closed Person" not in contacts and "Cross Origin" not in contacts
    assert popup.text("#status").endswith("1 frame from another site can't be read.")
    assert popup.value("#summary") == "Renewal call"
    assert popup.value("#duration") == "25"
    popup.close()


@pytest.fixture
def unlisted_firefox(firefox_package, tmp_path):
    """Another installation: its random moz-extension:// origin is not in the server's list."""
    browser = start_firefox(tmp_path / "profile", firefox_package, str(uuid.uuid4()))
    yield browser
    browser.quit()


def test_unlisted_origin_needs_the_host_permission(unlisted_firefox, server):
    firefox = unlisted_firefox
    m = firefox.marionette
    fill_options(firefox, server)

    # Without CORS for this origin and without the host permission, Firefox blocks the answer.
    result = run_connection_test(m)
    assert result.startswith(f"Can't reach the schedlink server at {server.url}."), result
    assert "allow access to it in Options" in result
    assert m.find_element(By.ID, "grant-backend-box").is_displayed()

    m.find_element(By.ID, "grant-backend").click()
    assert "127.0.0.1" in firefox.permission_prompt()
    firefox.answer_permission_prompt(allow=True)
    wait_until(
        lambda: text(m, "result") == "Access granted. Test the connection again.",
        timeout=20,
        message=f"grant not confirmed: {text(m, 'result')!r}",
    )
    assert firefox.has_host_permission(BACKEND_PATTERN)

    # With the host permission the request is the extension's own: no CORS needed.
    assert run_connection_test(m) == "Connected as Grace Hopper <recruiter@example.com>."
    assert not m.find_element(By.ID, "grant-backend-box").is_displayed()
