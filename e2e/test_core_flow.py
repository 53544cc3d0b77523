"""The whole core flow in real Chromium with the real extension and the production server:
hidden markup on a host page → toolbar click → one-time link → booked → link used up."""

from __future__ import annotations

import json
import urllib.request

from browser import trigger_action, wait_until
from selenium.webdriver.common.by import By


def api_get(server, path: str) -> dict:
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Authorization": f"Bearer {server.api_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_toolbar_click_to_booked_meeting(driver, devtools, configured):
    server = configured
    driver.get(f"{server.url}/demo/ats/candidates/4711")
    assert driver.find_element(By.ID, "candidate-name").text == "Ada Lovelace"

    popup = trigger_action(driver, devtools)
    wait_until(
        lambda: popup.js("document.body.dataset.detect") == "done",
        message="detection did not finish",
    )
    assert popup.value("#email") == "ada@example.com"
    assert popup.value("#name") == "Ada Lovelace"
    assert popup.value("#summary") == "Interview: Senior Engineer"
    assert popup.value("#duration") == "45"
    assert "candidate-4711" in popup.text("#contact-list")

    popup.fill("#summary", "Technical interview")
    popup.click("#create")
    wait_until(lambda: popup.js("document.body.dataset.link") in ("created", "failed"), timeout=15)
    assert popup.js("document.body.dataset.link") == "created", popup.text("#error")
    url = popup.value("#link-url")
    assert url.startswith(f"{server.url}/b/")
    wait_until(lambda: popup.visible("#qr"), message="no QR code shown")

    # The invitee opens the link: greeting, host, summary, length, slots.
    driver.get(url)
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Hi Ada," in body and "Grace Hopper" in body
    assert "Technical interview" in body and "45 minutes" in body
    slots = driver.find_elements(By.CSS_SELECTOR, 'input[name="start"]')
    assert slots, "the host works Mon-Fri 09-17: there must be free slots"
    chosen = slots[0].get_attribute("value")
    slots[0].find_element(By.XPATH, "..").click()  # the slot's label, as a person clicks it
    assert slots[0].is_selected()
    driver.find_element(By.ID, "confirm").click()
    wait_until(lambda: "You're booked" in driver.find_element(By.TAG_NAME, "body").text)
    assert driver.find_element(By.CSS_SELECTOR, "#when time").get_attribute("datetime") == chosen

    # Open the link again: used up, and the API agrees.
    driver.get(url)
    assert "already been used" in driver.find_element(By.TAG_NAME, "body").text
    links = api_get(server, "/v1/scheduling_links")["scheduling_links"]
    link = next(item for item in links if item["url"] == url)
    assert link["status"] == "completed" and link["uses"] == 1
    assert link["booking"]["start"] == chosen
    assert link["contact"]["reference"] == "candidate-4711"
