"""The toolbar popup as people meet it: the created link on screen in Chrome's 600 px popup,
"Create another" instead of silent duplicates, and honest words when the server is down or
the key is wrong. Screenshots go to e2e/screenshots/."""

from __future__ import annotations

import socket

from browser import EXTENSION_ID, trigger_action, wait_until
from screens import POPUP_HEIGHT, popup_shot, shot


def on_screen(popup, selector: str) -> bool:
    """Inside the popup's first 600 px, so visible without scrolling."""
    return popup.js(
        f"(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect();"
        f" return r.top + scrollY >= 0 && r.bottom + scrollY <= {POPUP_HEIGHT}"
        " && r.height > 0; })()"
    )


def save_settings(driver, url: str, key: str) -> None:
    driver.get(f"chrome-extension://{EXTENSION_ID}/options/options.html")
    wait_until(lambda: driver.find_element("tag name", "body").get_attribute("data-ready") == "yes")
    field = driver.find_element("id", "backend-url")
    field.clear()
    field.send_keys(url)
    driver.find_element("id", "api-key").send_keys(key)
    driver.find_element("id", "save").click()
    wait_until(lambda: driver.find_element("id", "result").text.startswith("Saved"))


def test_created_link_fits_and_create_another(driver, devtools, configured):
    server = configured
    driver.get(f"{server.url}/demo/ats/candidates/4711")
    popup = trigger_action(driver, devtools)
    wait_until(lambda: popup.js("document.body.dataset.detect") == "done", timeout=15)
    assert popup.js("document.documentElement.scrollHeight") <= POPUP_HEIGHT, "the form fits"

    popup.click("#create")
    wait_until(lambda: popup.js("document.body.dataset.link") == "created", timeout=15)
    wait_until(lambda: popup.visible("#qr"))
    first = popup.value("#link-url")
    assert on_screen(popup, "#link-box"), "the created link is visible without scrolling"
    assert popup.text("#create") == "Create another"
    assert "Ada Lovelace" in popup.text("#link-for")

    popup.click("#create")
    wait_until(lambda: popup.value("#link-url") != first, timeout=15)
    wait_until(lambda: popup.js("document.body.dataset.link") == "created")
    assert popup.text("#status").startswith("Another link created")
    assert "(2 made)" in popup.text("#result-heading")
    wait_until(lambda: popup.visible("#qr"))
    popup_shot(driver, popup, "popup-created")  # (this closes the popup)


def test_wrong_key_is_said_and_stays_said(driver, devtools, server):
    save_settings(driver, server.url, server.api_key[:-4] + "zzzz")
    # Save tries the key at once and says it failed, at the field too.
    result = driver.find_element("id", "result")
    wait_until(lambda: driver.find_element("tag name", "body").get_attribute("data-saved"))
    assert driver.find_element("tag name", "body").get_attribute("data-saved") == "failed"
    assert result.text.startswith("Saved, but the check failed: The server refused"), result.text
    assert "error" in result.get_attribute("class")
    assert "refused this key" in driver.find_element("id", "api-key-error").text
    shot(driver, "options-wrong-key")
    driver.get(f"{server.url}/demo/ats/candidates/4711")
    popup = trigger_action(driver, devtools)
    wait_until(lambda: popup.js("document.body.dataset.detect") == "failed", timeout=15)
    assert popup.text("#status") == "The server refused the API key."
    assert "Check the key in Options" in popup.text("#error")
    popup.click("#create")  # nothing typed: the fields are marked, the cause stays in view
    assert "The server refused the API key." in popup.text("#status")
    assert popup.visible("#error") and "Check the key in Options" in popup.text("#error")
    # "Options" is a link to the options page.
    assert popup.js("document.querySelector('#error p a#error-options').textContent") == "Options"
    assert popup.js("document.getElementById('error-options').href").endswith(
        "/options/options.html"
    )
    popup_shot(driver, popup, "popup-wrong-key")


def test_server_down_is_said(driver, devtools, server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    save_settings(driver, f"http://127.0.0.1:{dead}", server.api_key)
    driver.get(f"{server.url}/demo/ats/candidates/4711")
    popup = trigger_action(driver, devtools)
    wait_until(lambda: popup.js("document.body.dataset.detect") == "failed", timeout=20)
    assert popup.text("#status") == "Can't reach the schedlink server."
    popup.fill("#email", "ada@example.com")
    popup.click("#create")
    wait_until(lambda: popup.js("document.body.dataset.link") == "failed", timeout=20)
    assert popup.text("#status") == "Can't reach the schedlink server."
    assert f"127.0.0.1:{dead}" in popup.text("#error")
    popup_shot(driver, popup, "popup-server-down")
