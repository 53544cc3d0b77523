"""axe-core (from the npm registry) inside real Chromium: no serious or critical violations
on the booking page (each step, desktop and phone, with and without mistakes), the
confirmation, reschedule, cancel and error pages, and every host page (dashboard, hours, each
page of the top navigation and profile menu, the markup checker); on every page also unique
ids and a name for every visible form control."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from browser import wait_until
from screens import DESKTOP, PHONE, set_viewport, shot
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

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
    found += [
        {"id": "ids-and-labels", "impact": "serious", "help": problem, "nodes": []}
        for problem in id_and_label_problems(driver)
    ]
    return [v for v in found if v["impact"] in ("serious", "critical")]


# Beyond axe (which trusts a label whose `for` names an id another element also has): ids are
# unique, a label's `for` names a form control, and every visible form control has a name.
ID_AND_LABEL_PROBLEMS = """
const problems = [];
const seen = new Map();
for (const e of document.querySelectorAll('[id]')) seen.set(e.id, (seen.get(e.id) || 0) + 1);
for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" is used ${n} times`);
for (const label of document.querySelectorAll('label[for]')) {
  const target = document.getElementById(label.htmlFor);
  if (!target || !['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON', 'METER', 'OUTPUT', 'PROGRESS']
      .includes(target.tagName))
    problems.push(`label "${label.textContent.trim()}" points at ${target ? target.tagName
      .toLowerCase() + '#' + target.id : 'nothing'}`);
}
for (const c of document.querySelectorAll('input, select, textarea')) {
  if (c.type === 'hidden' || c.closest('[hidden]') || !c.getClientRects().length) continue;
  const named = [...(c.labels || [])].some((l) => l.textContent.trim())
    || (c.getAttribute('aria-label') || '').trim() || c.getAttribute('aria-labelledby')
    || (c.title || '').trim();
  if (!named) problems.push(`${c.tagName.toLowerCase()}${c.id ? '#' + c.id : ''}`
    + `[name=${c.name}] has no label`);
}
return problems;
"""


def id_and_label_problems(driver) -> list[str]:
    return driver.execute_script(ID_AND_LABEL_PROBLEMS)


# The focus ring of the focused element (for a time slot, its visible label): its colour,
# width and offset, the element's own fill, the colour behind it, and whether a scrolling
# ancestor cuts the ring off.
FOCUS_RING = """
const focused = document.activeElement;
const ring = focused.matches('.slot input') ? focused.nextElementSibling : focused;
const style = getComputedStyle(ring);
const opaque = (e) => {
  for (; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
  }
  return 'rgb(255, 255, 255)';
};
const reach = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
const r = ring.getBoundingClientRect();
let clipped = false;
for (let e = ring.parentElement; e; e = e.parentElement) {
  const o = getComputedStyle(e);
  if (o.overflowX === 'visible' && o.overflowY === 'visible') continue;
  const box = e.getBoundingClientRect();
  const inner = {left: box.left + e.clientLeft, top: box.top + e.clientTop};
  inner.right = inner.left + e.clientWidth; inner.bottom = inner.top + e.clientHeight;
  if (r.left - reach < inner.left - 0.5 || r.right + reach > inner.right + 0.5
      || (r.top - reach < inner.top - 0.5 && e.scrollTop === 0)) clipped = true;
}
return {visible: focused.matches(':focus-visible'), color: style.outlineColor,
        style: style.outlineStyle, width: parseFloat(style.outlineWidth),
        offset: parseFloat(style.outlineOffset), fill: opaque(ring),
        behind: opaque(ring.parentElement), clipped, what: ring.outerHTML.slice(0, 80)};
"""


def _luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focus_ring_problems(driver, element) -> list[str]:
    """Focus `element` as the keyboard does, then measure its ring (WCAG 1.4.11: 3:1 against
    what it touches; against a selected element's fill too, so focus differs from selection)."""
    driver.execute_script("arguments[0].focus({focusVisible: true})", element)
    ring = driver.execute_script(FOCUS_RING)
    what = ring["what"]
    if not ring["visible"] or ring["style"] == "none" or ring["width"] < 2:
        return [f"{what}: no focus ring ({ring})"]
    problems = []
    touching = ring["behind"] if ring["offset"] >= 1 else ring["fill"]
    if contrast(ring["color"], touching) < 3:
        problems.append(f"{what}: ring {ring['color']} on {touching} is "
                        f"{contrast(ring['color'], touching):.2f}:1")  # fmt: skip
    if contrast(ring["color"], ring["fill"]) < 3:
        problems.append(f"{what}: ring {ring['color']} beside its fill {ring['fill']} is "
                        f"{contrast(ring['color'], ring['fill']):.2f}:1")  # fmt: skip
    if ring["clipped"]:
        problems.append(f"{what}: the ring is cut off by a scrolling box")
    return problems


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

    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#booker.enhanced"))
    zone = driver.find_element(By.ID, "tz")
    zone.click()
    zone.send_keys(Keys.CONTROL, "a")
    zone.send_keys("tok")
    wait_until(lambda: driver.find_element(By.ID, "tz-list").is_displayed())
    pages["time-zone search open"] = violations(driver, axe_source)
    zone.send_keys(Keys.ESCAPE)

    # The focus ring on white, on the card, on a time, on the chosen time and the chosen day.
    slot = driver.find_element(By.CSS_SELECTOR, ".day:not([hidden]) .slot input")
    slot.find_element(By.XPATH, "..").click()
    ActionChains(driver).send_keys(Keys.SHIFT, Keys.TAB, Keys.TAB).perform()  # keyboard mode
    rings = []
    for element in (
        slot,  # chosen
        driver.find_elements(By.CSS_SELECTOR, ".day:not([hidden]) .slot input")[1],
        driver.find_element(By.CSS_SELECTOR, ".month a[aria-current]"),
        driver.find_element(By.ID, "name"),
        driver.find_element(By.ID, "confirm"),
        driver.find_element(By.CSS_SELECTOR, ".clock a"),
    ):
        rings += focus_ring_problems(driver, element)
    assert not rings, "\n".join(rings)
    set_viewport(driver, PHONE)
    shot(driver, "focus-ring-phone")
    set_viewport(driver, DESKTOP)
    focus_ring_problems(driver, slot)
    shot(driver, "focus-ring-chosen-time-desktop")

    set_viewport(driver, PHONE)
    driver.get(link["url"])
    pages["booking page (phone, day)"] = violations(driver, axe_source)
    driver.find_elements(By.CSS_SELECTOR, ".month a[data-date]")[0].click()
    pages["booking page (phone, times)"] = violations(driver, axe_source)
    driver.find_element(By.CSS_SELECTOR, ".day:not([hidden]) .slot").click()
    driver.find_element(By.ID, "name").clear()
    driver.find_element(By.ID, "confirm").click()
    pages["booking page (phone, details with a mistake)"] = violations(driver, axe_source)
    driver.execute_script("document.getElementById('book-form').submit()")
    wait_until(lambda: driver.find_elements(By.ID, "error"))
    pages["booking page after a refused form (422)"] = violations(driver, axe_source)
    set_viewport(driver, DESKTOP)
    driver.get(link["url"])

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
    empty = _create_link(
        server, query_periods=[{"start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"}]
    )
    driver.get(empty["url"])
    pages["no free times page"] = violations(driver, axe_source)

    # The host's pages.
    driver.get(f"{server.url}/login")
    pages["sign-in page"] = violations(driver, axe_source)
    driver.find_element(By.ID, "email").send_keys("recruiter@example.com")
    driver.find_element(By.ID, "password").send_keys("a long enough password")
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_until(lambda: driver.find_elements(By.ID, "bookings"))
    pages["dashboard"] = violations(driver, axe_source)
    set_viewport(driver, PHONE)
    pages["dashboard (phone)"] = violations(driver, axe_source)
    # The host's own reschedule page, from a new booking's "Change time".
    set_viewport(driver, DESKTOP)
    driver.get(_create_link(server)["url"])
    slot = driver.find_elements(By.CSS_SELECTOR, 'input[name="start"]')[0]
    slot.find_element(By.XPATH, "..").click()
    driver.find_element(By.ID, "confirm").click()
    wait_until(lambda: "You're booked" in driver.find_element(By.TAG_NAME, "body").text)
    driver.get(f"{server.url}/")
    driver.get(driver.find_element(By.CSS_SELECTOR, "a.change-time").get_attribute("href"))
    assert driver.find_elements(By.ID, "propose-form") and driver.find_elements(By.ID, "reason")
    pages["host reschedule page"] = violations(driver, axe_source)
    set_viewport(driver, PHONE)
    pages["host reschedule page (phone)"] = violations(driver, axe_source)
    driver.get(f"{server.url}/settings/hours")
    pages["working hours (phone)"] = violations(driver, axe_source)
    set_viewport(driver, DESKTOP)
    driver.get(f"{server.url}/settings/hours")
    pages["working hours"] = violations(driver, axe_source)
    end = driver.find_elements(By.CSS_SELECTOR, 'input[name="monday-end"]')[0]
    driver.execute_script("arguments[0].value = '08:00'", end)
    driver.find_element(By.ID, "save-hours").click()
    wait_until(lambda: driver.find_elements(By.ID, "problems"))
    pages["working hours with a mistake"] = violations(driver, axe_source)

    # Every other host page: the top navigation (which reaches the profile-menu sections
    # too), each profile section, and the markup checker with a contact it warns about.
    driver.get(f"{server.url}/")
    top = {a.text: a.get_attribute("href")
           for a in driver.find_elements(By.CSS_SELECTOR, "header.site nav a")}  # fmt: skip
    for name in ("Conferencing services", "Webhooks", "Calendar services", "Profile"):
        assert name in top, f"{name} is not in the top navigation: {list(top)}"
    driver.get(top["Profile"])
    sections = {a.text: a.get_attribute("href")
                for a in driver.find_elements(By.CSS_SELECTOR, "nav.sections a")}  # fmt: skip
    for name in ("Conferencing services", "Webhooks"):
        assert top[name] == sections[name], f"{name}: the top navigation and profile menu differ"
    for name, href in {**top, **sections}.items():
        if name in ("Dashboard", "Working hours"):
            continue  # above
        driver.get(href)
        pages[name] = violations(driver, axe_source)
    driver.get(f"{server.url}/tools/markup-checker")
    driver.find_element(By.ID, "html").send_keys(
        '<div hidden data-schedlink-contact data-name="Ada Lovelace"></div>'
    )
    driver.find_element(By.ID, "check").click()
    warning = wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#warning-list li"))
    assert "no e-mail address" in warning[0].text
    assert driver.find_element(By.ID, "contact-1-no-email").is_displayed()
    pages["markup checker with a warning"] = violations(driver, axe_source)

    bad = {name: describe(found) for name, found in pages.items() if found}
    assert not bad, "\n\n".join(f"{name}:\n{text}" for name, text in bad.items())
