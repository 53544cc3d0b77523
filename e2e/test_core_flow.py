"""The whole core flow in real Chromium with the real extension and the production server:
hidden markup on a host page → toolbar click → one-time link → booked → link used up."""

from __future__ import annotations

import json
import urllib.request

from browser import trigger_action, wait_until
from selenium.webdriver.common.by import By


def _link(server, link_id: str) -> dict:
    request = urllib.request.Request(
        f"{server.base_url}/v1/scheduling_links/{link_id}",
        headers={"Authorization": f"Bearer {server.api_key}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["scheduling_link"]


def test_toolbar_click_to_booked_meeting(driver, devtools, configured):
    server = configured
    driver.get(f"{server.base_url}/demo/ats/candidates/4711")
    assert driver.find_element(By.ID, "candidate-name").text == "Ada Lovelace"

    popup = trigger_action(driver, devtools)
    popup.wait_for("#create")
    wait_until(
        lambda: popup.value("#email") == "ada@example.com",
        message="the detected contact was not pre-filled",
    )
    assert popup.value("#name") == "Ada Lovelace"
    assert popup.value("#summary") == "Interview: Senior Engineer"
    assert popup.value("#duration") == "45"
    assert "candidate-4711" in popup.text("body")

    popup.fill("#summary", "Technical interview")
    popup.click("#create")
    wait_until(
        lambda: (
            popup.value("#link-url") or popup.js("document.querySelector('#link-url')?.href || ''")
        ),
        timeout=15,
        message="no link shown: " + popup.text("#status") + popup.text("#error"),
    )
    url = popup.value("#link-url") or popup.js("document.querySelector('#link-url').href")
    assert url.startswith(f"{server.base_url}/b/")

    # The invitee opens the link: greeting, host, summary, length, slots.
    driver.get(url)
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Hi Ada," in body and "Grace Hopper" in body
    assert "Technical interview" in body and "45 minutes" in body
    slots = driver.find_elements(By.CSS_SELECTOR, 'input[name="start"]')
    assert slots, "the host works Mon-Fri 09-17: there must be free slots"
    chosen = slots[0].get_attribute("value")
    driver.find_element(By.CSS_SELECTOR, f'input[name="start"][value="{chosen}"] + span').click()
    driver.find_element(By.ID, "confirm").click()
    wait_until(lambda: "You're booked" in driver.find_element(By.TAG_NAME, "body").text)
    assert driver.find_element(By.CSS_SELECTOR, "#when time").get_attribute("datetime") == chosen

    link_id = popup.js("document.querySelector('[data-link-id]')?.dataset.linkId || ''")
    # Open the link again: used up.
    driver.get(url)
    assert "already been used" in driver.find_element(By.TAG_NAME, "body").text
    if link_id:
        link = _link(server, link_id)
        assert link["status"] == "completed" and link["uses"] == 1
        assert link["booking"]["start"] == chosen
