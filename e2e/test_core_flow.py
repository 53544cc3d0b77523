"""The whole core flow in real Chromium with the real extension and the production server:
hidden markup on a host page → toolbar click → one-time link → booked → link used up.
(e2e/test_firefox.py walks the same journey in Firefox.)"""

from __future__ import annotations

from browser import trigger_action, wait_until
from journey import invitee_books_the_first_time, popup_creates_the_candidates_link
from selenium.webdriver.common.by import By


def test_toolbar_click_to_booked_meeting(driver, devtools, configured):
    server = configured
    driver.get(f"{server.url}/demo/ats/candidates/4711")
    assert driver.find_element(By.ID, "candidate-name").text == "Ada Lovelace"

    popup = trigger_action(driver, devtools)
    wait_until(
        lambda: popup.js("document.body.dataset.detect") == "done",
        message="detection did not finish",
    )
    url = popup_creates_the_candidates_link(popup, server)
    invitee_books_the_first_time(driver, driver.get, url, server)
