"""UI Elements on another origin than the API (issue 22): a host page served by a second
local HTTP server loads schedlink's bundle and Cronofy's published `cronofy-elements`, both
given `api_domain`, and renders the host's real free times through an element token. A page
on a third origin with the same token gets nothing."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from browser import wait_until
from pages_server import serve
from test_accessibility import axe_source  # noqa: F401 - the fixture

HERE = Path(__file__).resolve().parent
CRONOFY_BUNDLE = HERE / "node_modules" / "cronofy-elements" / "dist" / "CronofyElements.js"


@pytest.fixture(scope="module")
def host_pages(tmp_path_factory):
    """Two more origins: the host app's (the token's) and a stranger's, same files."""
    root = tmp_path_factory.mktemp("host-app")
    for page in (HERE / "elements_host").iterdir():
        shutil.copy(page, root / page.name)
    if CRONOFY_BUNDLE.exists():
        shutil.copy(CRONOFY_BUNDLE, root / "CronofyElements.js")
    servers = [serve(root) for _ in range(2)]
    yield [f"http://127.0.0.1:{httpd.server_address[1]}" for httpd, _ in servers]
    for httpd, thread in servers:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _api(server, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {server.api_key}"}
    response = requests.request(method, server.url + path, headers=headers, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def _query(sub: str) -> dict:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    start = tomorrow.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "participants": [{"required": "all", "members": [{"sub": sub}]}],
        "required_duration": {"minutes": 30},
        "query_periods": [
            {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "end": (start + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def element(server, host_pages):
    sub = _api(server, "GET", "/v1/userinfo")["sub"]
    token = _api(server, "POST", "/v1/element_tokens", json={
        "version": "1", "permissions": ["availability"], "subs": [sub], "origin": host_pages[0],
    })["element_token"]["token"]  # fmt: skip
    query = _query(sub)
    body = {**query, "response_format": "overlapping_slots"}
    slots = _api(server, "POST", "/v1/availability", json=body)["available_slots"]
    assert slots, "the host has free time in the next week"
    return {"sub": sub, "token": token, "query": query, "slots": slots}


def _open(driver, origin, page, server, made, **extra):
    options = {"api": server.url, "token": made["token"], "query": made["query"],
               "tzid": "Europe/London", **extra}  # fmt: skip
    driver.get(f"{origin}/{page}#{quote(json.dumps(options))}")


def _shadow(driver, css):
    return driver.execute_script(
        "const root = document.getElementById('picker')?.shadowRoot;"
        "return root ? [...root.querySelectorAll(arguments[0])] : []",
        css,
    )


def test_schedlink_slot_picker_on_another_origin(driver, server, host_pages, element):
    _open(driver, host_pages[0], "schedlink.html", server, element)
    days = wait_until(lambda: _shadow(driver, "button[data-date]"), timeout=20,
                      message=lambda: driver.page_source[:2000])  # fmt: skip
    first = element["slots"][0]["start"]
    assert days[0].get_attribute("data-date") == first[:10]
    # The host's global `button {color: red !important}` does not reach into the element.
    assert days[0].value_of_css_property("color") != "rgba(255, 0, 0, 1)"
    days[0].click()
    times = wait_until(lambda: _shadow(driver, "button[data-start]"))
    assert times[0].get_attribute("data-start") == first
    times[0].click()
    confirm = wait_until(lambda: [b for b in _shadow(driver, "button") if b.text == "Confirm"])
    confirm[0].click()
    notes = wait_until(lambda: driver.execute_script("return window.notifications"))
    assert notes[-1]["type"] == "slot_selected"
    assert notes[-1]["slot"]["start"] == first
    assert notes[-1]["slot"]["participants"] == [{"sub": element["sub"]}]


def test_no_confirm_mode_and_keyboard(driver, server, host_pages, element):
    _open(driver, host_pages[0], "schedlink.html", server, element, mode="no_confirm")
    wait_until(lambda: _shadow(driver, "button[data-date]"), timeout=20)
    from selenium.webdriver.common.keys import Keys

    _shadow(driver, "button[data-date]")[0].send_keys(Keys.ENTER)
    wait_until(lambda: _shadow(driver, "button[data-start]"))
    _shadow(driver, "button[data-start]")[0].send_keys(Keys.ENTER)
    notes = wait_until(lambda: driver.execute_script("return window.notifications"))
    assert notes[-1]["type"] == "slot_selected"


def test_another_origin_with_the_same_token_gets_nothing(driver, server, host_pages, element):
    _open(driver, host_pages[1], "schedlink.html", server, element)
    notes = wait_until(lambda: driver.execute_script("return window.notifications"), timeout=20)
    assert notes[-1]["type"] == "error"
    assert not _shadow(driver, "button[data-date]")
    # Nor can the page's own script read the answer: CORS answers only the token's origin.
    read = driver.execute_async_script(
        """const [url, body, done] = arguments;
        fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',
                    'Cronofy-Element': 'v1, SlotPicker'}, body})
          .then((r) => r.text()).then((t) => done('read:' + t), (e) => done('blocked'));""",
        f"{server.url}/v1/availability?et={element['token']}",
        json.dumps(element["query"]),
    )
    assert read == "blocked"


@pytest.mark.skipif(not CRONOFY_BUNDLE.exists(), reason="npm ci in e2e/ installs cronofy-elements")
def test_cronofys_published_slot_picker_against_schedlink(driver, server, host_pages, element):
    _open(driver, host_pages[0], "cronofy.html", server, element)

    def slots():
        return driver.execute_script(
            "return [...document.querySelectorAll('#cronofy-picker button.SlotPicker__slot')]"
        )

    def inner():
        return driver.find_element("id", "cronofy-picker").get_attribute("innerHTML")[:3000]

    days = wait_until(slots, timeout=30, message=inner)
    first = element["slots"][0]["start"]
    day = datetime.fromisoformat(first.replace("Z", "+00:00"))
    assert days[0].text.startswith(day.strftime("%A")), days[0].text
    days[0].click()
    times = wait_until(lambda: [b for b in slots() if ":" in b.text], message=inner)
    assert times[0].text.startswith(f"{day.hour % 12 or 12}:{day:%M}"), times[0].text
    times[0].click()
    confirm = wait_until(
        lambda: driver.execute_script(
            "return [...document.querySelectorAll('#cronofy-picker button')]"
            ".filter((b) => /confirm/i.test(b.textContent))"
        ),
        message=inner,
    )
    confirm[0].click()
    notes = wait_until(
        lambda: [n for n in driver.execute_script("return window.notifications")
                 if n.get("type") == "slot_selected"],
        message=lambda: driver.execute_script("return JSON.stringify(window.notifications)"),
    )  # fmt: skip
    assert notes[0]["slot"]["start"] == first


def test_first_slots_on_screen_soon_after_the_api_answers(driver, server, host_pages, element):
    driver.set_window_size(390, 844)  # a phone: nothing wider than the screen
    _open(driver, host_pages[0], "schedlink.html", server, element)
    wait_until(lambda: _shadow(driver, "button[data-date]"), timeout=20)
    gap = driver.execute_script(
        "const m = (n) => performance.getEntriesByName(n)[0].startTime;"
        "return m('schedlink:slots-rendered') - m('schedlink:availability-answered')"
    )
    print(f"first slots on screen {gap:.1f} ms after the API answered (target <= 300)")
    assert gap <= 300
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390


def test_availability_viewer_multi_select(driver, server, host_pages, element):
    driver.set_window_size(390, 844)
    config = {"mode": "multi_select", "start_time": "08:00", "end_time": "18:00", "interval": 30}
    _open(driver, host_pages[0], "schedlink.html", server, element,
          element="AvailabilityViewer", config=config)  # fmt: skip
    cells = wait_until(lambda: _shadow(driver, "button[data-start]:not([disabled])"), timeout=20)
    notes = lambda: driver.execute_script("return window.notifications")  # noqa: E731
    dates = [n for n in notes() if n["type"] == "displayed_dates_changed"]
    assert dates and dates[0]["hasNext"] is True
    free = {s["start"] for s in element["slots"]}
    assert cells[0].get_attribute("data-start") in free  # the host's real free time
    cells[0].click()
    wait_until(lambda: _shadow(driver, "button[data-start]:not([disabled])"))[1].click()
    wait_until(lambda: [n for n in notes() if n["type"] == "slot_added"][1:])
    added = [n for n in notes() if n["type"] == "slot_added"]
    assert len(added[-1]["slots"]) == 2
    _shadow(driver, "button[data-start]:not([disabled])")[0].click()
    removed = wait_until(lambda: [n for n in notes() if n["type"] == "slot_removed"])
    assert len(removed[0]["slots"]) == 1
    [b for b in _shadow(driver, "button") if b.text.startswith("Next week")][0].click()
    wait_until(lambda: len([n for n in notes() if n["type"] == "displayed_dates_changed"]) == 2)


def test_availability_rules_element(driver, server, host_pages, element):
    """Several ranges a day: the stored two Monday ranges show, one is removed, one added
    (keyboard), and the save reads back exactly, the rule's other fields intact."""
    before = _api(server, "GET", "/v1/availability_rules/default")["availability_rule"]
    monday = [{"day": "monday", "start_time": "09:00", "end_time": "12:00"},
              {"day": "monday", "start_time": "13:00", "end_time": "17:00"}]  # fmt: skip
    rule = {**before, "tzid": "Europe/London", "weekly_periods": monday,
            "date_overrides": [{"date": "2030-12-24", "periods": []}]}  # fmt: skip
    _api(server, "PUT", "/v1/availability_rules", json=rule)
    token = _api(server, "POST", "/v1/element_tokens", json={
        "version": "1", "permissions": ["managed_availability"], "subs": [element["sub"]],
        "origin": host_pages[0],
    })["element_token"]["token"]  # fmt: skip
    try:
        _open(driver, host_pages[0], "schedlink.html", server, {**element, "token": token},
              element="AvailabilityRules")  # fmt: skip
        save = wait_until(
            lambda: [b for b in _shadow(driver, "button") if b.text == "Save working hours"],
            timeout=20,
        )
        times = [i.get_attribute("value") for i in _shadow(driver, "[data-day=monday] input")]
        assert times == ["09:00", "12:00", "13:00", "17:00"]
        _shadow(driver, "[data-day=monday] button")[0].click()  # Remove 09:00 – 12:00
        from selenium.webdriver.common.keys import Keys

        add = _shadow(driver, "[aria-label='Add hours on Monday']")
        assert driver.execute_script(
            "return document.getElementById('picker').shadowRoot.activeElement === arguments[0]",
            add[0],
        )  # focus went to Add after the removal
        add[0].send_keys(Keys.ENTER)  # 17:00 – 18:00, after the last range
        _shadow(driver, "[aria-label='Add hours on Wednesday']")[0].click()  # 09:00 – 17:00
        save[0].click()
        wait_until(lambda: [n for n in driver.execute_script("return window.notifications")
                            if n["type"] == "availability_rule_saved"])  # fmt: skip
        saved = _api(server, "GET", "/v1/availability_rules/default")["availability_rule"]
        assert saved == {**rule, "weekly_periods": [
            {"day": "monday", "start_time": "13:00", "end_time": "17:00"},
            {"day": "monday", "start_time": "17:00", "end_time": "18:00"},
            {"day": "wednesday", "start_time": "09:00", "end_time": "17:00"}]}  # fmt: skip
    finally:
        _api(server, "PUT", "/v1/availability_rules", json=before)


def test_demo_embed_page_shows_every_element_accessibly(driver, server, axe_source):  # noqa: F811
    from test_accessibility import describe, violations

    driver.set_window_size(390, 844)
    driver.get(f"{server.url}/demo/embed")

    def ready(target):
        return driver.execute_script(
            "return document.getElementById(arguments[0]).shadowRoot"
            "?.querySelector('[data-ready=yes]') !== null && "
            "document.getElementById(arguments[0]).shadowRoot !== null",
            target,
        )

    for target in ("slot-picker", "availability-viewer", "availability-rules"):
        wait_until(lambda t=target: ready(t), timeout=20, message=f"{target} not ready")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    found = [v for v in violations(driver, axe_source) if v["impact"] in ("serious", "critical")]
    assert not found, describe(found)
