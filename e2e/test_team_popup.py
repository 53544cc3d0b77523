"""Issues 23 and 25 in real Chromium: a member of a two-person organization opens the popup
on the ATS demo page, picks "everyone" with a colleague under More options, and the invitee
books the collective link (both hosts seated). The same user makes a link from the
dashboard's New link without JavaScript help. Screenshots: the popup with its options open,
New link at 1280 and 390 px (a field error, then the result)."""

from __future__ import annotations

from dataclasses import replace

from browser import trigger_action, wait_until
from journey import (
    api_get,
    invitee_books_the_first_time,
    popup_creates_the_candidates_link,
    popup_picks_hosts,
)
from screens import (
    DESKTOP,
    PHONE,
    no_sideways_scroll,
    popup_shot,
    set_viewport,
    shot,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_popup import save_settings

PASSWORD = "a long enough password"


def _member(server, email: str, name: str) -> str:
    return server.cli(
        "create-user", email, "--name", name, "--timezone", "Europe/London",
        "--organization", "Difference Engines", stdin=f"{PASSWORD}\n",
    ).strip()  # fmt: skip


def test_collective_link_from_the_popup_and_new_link_on_the_dashboard(driver, devtools, server):
    grace = _member(server, "grace@engines.example", "Grace Hopper")
    alan = _member(server, "alan@engines.example", "Alan Turing")
    key = server.cli("create-api-key", "grace@engines.example").strip().splitlines()[-1]
    team = replace(server, api_key=key)  # the same server, as Grace
    save_settings(driver, server.url, key)

    driver.get(f"{server.url}/demo/ats/candidates/4711")
    popup = trigger_action(driver, devtools)
    wait_until(lambda: popup.js("document.body.dataset.detect") == "done", timeout=15)
    popup_picks_hosts(popup, ["Alan Turing"], "all")
    assert popup.js("document.documentElement.scrollWidth <= innerWidth"), "no sideways scroll"
    # With the host picker, place, limits and questions the open options run past Chrome's
    # 600 px popup: the members shown scroll into view.
    assert popup.js(
        "(() => { const r = document.getElementById('host-members').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; })()"
    ), "the team members picked from are in view"
    popup_shot(driver, popup, "popup-team-options", scroll_to="#more")  # (closes the popup)
    popup = trigger_action(driver, devtools)
    wait_until(lambda: popup.js("document.body.dataset.detect") == "done", timeout=15)
    popup_picks_hosts(popup, ["Alan Turing"], "all")
    url = popup_creates_the_candidates_link(popup, team)
    assert "2 hosts, all attend" in popup.text("#link-for")
    popup_shot(driver, popup, "popup-team-created")

    invitee_books_the_first_time(driver, driver.get, url, team)
    link = next(
        item
        for item in api_get(team, "/v1/scheduling_links")["scheduling_links"]
        if item["url"] == url
    )
    assert [m["sub"] for m in link["hosts"]["members"]] == [grace, alan]
    assert link["hosts"]["required"] == "all"
    assert sorted(h["sub"] for h in link["booking"]["hosts"]) == sorted([grace, alan])

    # New link on the dashboard, a plain form.
    driver.get(f"{server.url}/login")
    driver.find_element(By.ID, "email").send_keys("grace@engines.example")
    driver.find_element(By.ID, "password").send_keys(PASSWORD + Keys.ENTER)
    wait_until(lambda: driver.find_elements(By.ID, "new-link"))
    driver.find_element(By.ID, "new-link").click()
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        set_viewport(driver, size)
        assert no_sideways_scroll(driver), name
    set_viewport(driver, DESKTOP)
    shot(driver, "new-link-desktop")
    driver.find_element(By.ID, "email").send_keys("charles@example.com")
    number = driver.find_element(By.ID, "place_number")
    assert not number.is_displayed(), "Your number only for they call you, with JavaScript"
    driver.find_element(By.CSS_SELECTOR, 'input[name="place_type"][value="phone_invitee"]').click()
    assert number.is_displayed()
    driver.find_element(By.CSS_SELECTOR, 'input[name="place_type"][value="in_person"]').click()
    assert not number.is_displayed()
    driver.find_element(By.ID, "q-0-label").send_keys("Company")
    driver.find_element(By.ID, "create").click()
    wait_until(lambda: driver.find_elements(By.ID, "place_detail-error"))
    assert driver.find_element(By.ID, "q-0-label").get_attribute("value") == "Company"
    set_viewport(driver, PHONE)
    assert no_sideways_scroll(driver)
    driver.find_element(By.ID, "place_detail").location_once_scrolled_into_view  # noqa: B018
    shot(driver, "new-link-phone-error")
    driver.find_element(By.ID, "place_detail").send_keys("1 Main St, London")
    driver.find_element(By.ID, "create").click()
    wait_until(lambda: driver.find_elements(By.ID, "link-url"))
    made = driver.find_element(By.ID, "link-url").get_attribute("value")
    assert made.startswith(f"{server.url}/b/")
    assert driver.find_element(By.ID, "copy").is_displayed(), "Copy, with JavaScript"
    assert driver.find_element(By.ID, "copy-message").is_displayed()
    assert "please pick a time" in driver.find_element(By.ID, "link-message").get_attribute("value")
    wait_until(lambda: driver.execute_script("return document.getElementById('qr').naturalWidth"))
    assert no_sideways_scroll(driver)
    shot(driver, "new-link-phone-made")
    set_viewport(driver, DESKTOP)
    shot(driver, "new-link-desktop-made")
