"""The toolbar popup as people meet it: the created link on screen in Chrome's 600 px popup,
"Create another" instead of silent duplicates, and honest words when the server is down or
the key is wrong. Screenshots go to e2e/screenshots/."""

from __future__ import annotations

import socket

from browser import EXTENSION_ID, trigger_action, wait_until
from screens import DIR, set_viewport, shot

# Chrome shows a popup at its content's size, up to 600 px high; beyond that it scrolls.
POPUP_HEIGHT = 600


def popup_shot(driver, popup, name: str) -> None:
    """What the popup shows, at Chrome's popup size: headless Chromium keeps the popup's
    first size, so the same popup page is opened for the same tab (?tab=) in a 360×600
    viewport, given the popup's state (its form and result), and photographed."""
    state = popup.js(
        "JSON.stringify({html: document.querySelector('main').innerHTML,"
        " values: Array.from(document.querySelectorAll('input'))"
        "   .map(i => [i.id, i.value, i.checked]),"
        " body: Object.assign({}, document.body.dataset)})"
    )
    tab_id = popup.js(
        "chrome.tabs.query({active: true, lastFocusedWindow: true}).then(t => t[0] && t[0].id)"
    )
    main = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        set_viewport(driver, (360, POPUP_HEIGHT))
        driver.get(f"chrome-extension://{EXTENSION_ID}/popup/popup.html?tab={tab_id}")
        wait_until(
            lambda: driver.execute_script("return document.body.dataset.detect") != "pending"
        )
        driver.execute_script(
            "const s = JSON.parse(arguments[0]);"
            "document.querySelector('main').innerHTML = s.html;"
            "for (const [id, value, checked] of s.values) { const e = document.getElementById(id);"
            " if (e) { e.value = value; e.checked = checked; } }"
            "Object.assign(document.body.dataset, s.body); document.activeElement.blur();",
            state,
        )
        DIR.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(DIR / f"{name}.png"))
    finally:
        driver.close()
        driver.switch_to.window(main)


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
