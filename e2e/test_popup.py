"""The toolbar popup as people meet it: the created link on screen in Chrome's 600 px popup,
"Create another" instead of silent duplicates, a phone call the invitee makes and a booking
question under More options, and honest words when the server is down or the key is wrong.
Screenshots go to e2e/screenshots/."""

from __future__ import annotations

import json
import socket

from browser import EXTENSION_ID, trigger_action, wait_until
from journey import api_get
from screens import POPUP_HEIGHT, popup_shot, shot
from selenium.webdriver.common.by import By
from test_accessibility import AXE, ID_AND_LABEL_PROBLEMS


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


def popup_violations(popup) -> list[tuple]:
    """axe-core's serious and critical findings in the popup, and ids and labels checked
    as on every other page (test_accessibility)."""
    found = json.loads(
        popup.js(
            AXE.read_text() + ";axe.run(document, {resultTypes: ['violations']})"
            ".then(r => JSON.stringify(r.violations))"
        )
    )
    found += [
        {"id": p, "impact": "serious"} for p in popup.js(f"(() => {{{ID_AND_LABEL_PROBLEMS}}})()")
    ]
    return [
        (v["id"], v.get("help"), [n["html"] for n in v.get("nodes", [])])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


PHONE_HELP = "Please enter a phone number with its country code, like +44 20 7946 0958."


def _popup_on_the_candidate(driver, devtools, server):
    driver.get(f"{server.url}/demo/ats/candidates/4711")
    popup = trigger_action(driver, devtools)
    wait_until(lambda: popup.js("document.body.dataset.detect") == "done", timeout=15)
    popup.click("#more > summary")
    return popup


def test_they_call_you_and_a_required_question(driver, devtools, configured):
    server = configured
    popup = _popup_on_the_candidate(driver, devtools, server)
    assert not popup.visible("#place-number"), "only when the invitee calls"
    popup.fill("#place-type", "phone_invitee")
    assert popup.visible("#place-number")
    # Two rows, the first removed: the second moves up with what was typed in it.
    popup.click("#add-question")
    popup.click("#add-question")
    assert popup.js("document.activeElement.id") == "q-1-label", "a new row takes the focus"
    popup.fill("#q-1-label", "Company")
    popup.click("#q-1-required")
    popup.click("#question-list .question:first-child .q-remove")
    assert popup.js("document.querySelectorAll('#question-list .question').length") == 1
    assert popup.value("#q-0-label") == "Company"
    assert popup.js("document.getElementById('q-0-required').checked")
    assert popup.js("document.activeElement.id") == "q-0-label"

    # Digits enough for the popup, no number for the server: its 422 beside the field.
    popup.fill("#place-number", "+44 20 7946 001")
    popup.click("#create")
    wait_until(lambda: popup.js("document.body.dataset.link") == "failed", timeout=15)
    assert popup.text("#place-number-error") == PHONE_HELP
    assert popup.js("document.getElementById('place-number').ariaInvalid") == "true"
    assert popup.js("document.activeElement.id") == "place-number"
    assert popup.value("#q-0-label") == "Company", "nothing typed is lost"
    assert popup.value("#place-type") == "phone_invitee"
    assert popup.js("document.documentElement.scrollWidth <= innerWidth"), "no sideways scroll"
    assert popup_violations(popup) == []
    popup_shot(driver, popup, "popup-phone-question", scroll_to="#more")  # (closes the popup)

    popup = _popup_on_the_candidate(driver, devtools, server)
    popup.fill("#place-type", "phone_invitee")
    popup.fill("#place-number", "+44 20 7946 0018")
    popup.click("#add-question")
    popup.fill("#q-0-label", "Company")
    popup.click("#q-0-required")
    assert "Phone, they call · 1 question" in popup.text("#more-summary")
    popup.click("#create")
    wait_until(lambda: popup.js("document.body.dataset.link") in ("created", "failed"), timeout=15)
    assert popup.js("document.body.dataset.link") == "created", popup.text("#error")
    url = popup.value("#link-url")
    link = next(
        item
        for item in api_get(server, "/v1/scheduling_links")["scheduling_links"]
        if item["url"] == url
    )
    assert link["place"] == {"type": "phone", "calls": "invitee", "number": "+442079460018"}
    assert link["questions"] == [{"id": "q1", "label": "Company", "type": "text", "required": True}]

    driver.get(url)
    assert "+442079460018" in driver.find_element(By.ID, "place").text
    assert driver.find_element(By.ID, "answer-q1").get_attribute("required") is not None
    label = driver.find_element(By.CSS_SELECTOR, 'label[for="answer-q1"]').text
    assert label == "Company", "asked, and not marked optional"
    assert not driver.find_elements(By.ID, "phone"), "the invitee calls: no number asked"


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
