"""axe-core (from the npm registry) inside real Chromium: no serious or critical violations
on the booking, confirmation, reschedule, cancel and error pages."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from browser import wait_until
from selenium.webdriver.common.by import By

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        pytest.skip("axe-core not installed: run `npm ci` in e2e/ (scripts/test.sh does)")
    return AXE.read_text()


def violations(driver, axe_source) -> list[dict]:
    # WebDriver scripts run outside the page's CSP, as a browser devtool would.
    result = driver.execute_async_script(
        axe_source
        + """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
           .then(r => done(JSON.stringify(r.violations)))
           .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical',
                                             help: String(e), nodes: []}])));
        """
    )
    found = json.loads(result)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def describe(found: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    )


def _create_link(server, **body) -> dict:
    body.setdefault("contact", {"name": "Ada Lovelace", "email": "ada@example.com"})
    request = urllib.request.Request(
        f"{server.url}/v1/scheduling_links",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["scheduling_link"]


def test_public_pages_have_no_serious_violations(driver, server, axe_source):
    link = _create_link(server, summary="Accessibility check")
    pages = {}

    driver.get(link["url"])
    pages["booking page"] = violations(driver, axe_source)

    driver.set_window_size(390, 844)  # a phone
    driver.get(link["url"])
    pages["booking page (mobile)"] = violations(driver, axe_source)
    driver.set_window_size(1280, 900)

    slot = driver.find_elements(By.CSS_SELECTOR, 'input[name="start"]')[0]
    slot.find_element(By.XPATH, "..").click()
    driver.find_element(By.ID, "confirm").click()
    wait_until(lambda: "You're booked" in driver.find_element(By.TAG_NAME, "body").text)
    pages["confirmation page"] = violations(driver, axe_source)
    confirmation = driver.page_source
    reschedule = re.search(r'href="([^"]+)" id="reschedule"', confirmation).group(1)
    cancel = re.search(r'href="([^"]+)" id="cancel"', confirmation).group(1)

    driver.get(reschedule.replace("&amp;", "&"))
    pages["reschedule page"] = violations(driver, axe_source)
    driver.get(cancel.replace("&amp;", "&"))
    pages["cancel page"] = violations(driver, axe_source)
    driver.find_element(By.ID, "confirm-cancel").click()
    wait_until(lambda: "is cancelled" in driver.find_element(By.TAG_NAME, "body").text)
    pages["cancelled page"] = violations(driver, axe_source)

    driver.get(link["url"])
    assert "already been used" in driver.find_element(By.TAG_NAME, "body").text
    pages["used link page (410)"] = violations(driver, axe_source)
    driver.get(f"{server.url}/b/not-a-real-token")
    pages["bad token page (404)"] = violations(driver, axe_source)

    bad = {name: describe(found) for name, found in pages.items() if found}
    assert not bad, "\n\n".join(f"{name}:\n{text}" for name, text in bad.items())
