"""Cronofy's published `cronofy-elements` bundle (npm) against a schedlink server from another
origin, beyond the Slot Picker (test_elements.py): the Availability Viewer draws the host's
real free time and selects a slot; the Availability Rules element shows the host's stored
rule (two ranges on a day), and saves an edit that the API reads back with schedlink's own
fields intact. Same host pages, server and element token as test_elements.py."""
# ruff: noqa: F811 - the fixtures imported from test_elements are the parameters

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser import wait_until
from test_elements import CRONOFY_BUNDLE, _api, _open, element, host_pages  # noqa: F401

pytestmark = pytest.mark.skipif(
    not CRONOFY_BUNDLE.exists(), reason="npm ci in e2e/ installs cronofy-elements"
)
LONDON = ZoneInfo("Europe/London")


def _notes(driver) -> list[dict]:
    return driver.execute_script("return window.notifications") or []


def _inner(driver) -> str:
    return driver.find_element("id", "cronofy-picker").get_attribute("innerHTML")[:3000]


def _cells(driver, css: str) -> list[bool]:
    """Available or not, per grid cell in the page's order (day by day, earliest first)."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])]"
        ".map((c) => /--available/.test(c.className))",
        css,
    )


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_cronofys_availability_viewer_shows_the_real_free_time(driver, server, host_pages, element):
    config = {"start_time": "08:00", "end_time": "18:00", "interval": 30}
    _open(driver, host_pages[0], "cronofy.html", server, element,
          element="AvailabilityViewer", mode="no_confirm", config=config)  # fmt: skip
    css = ".CronofyAvailabilityViewer__slot-background"
    wait_until(lambda: any(n["type"] == "visible_slots" for n in _notes(driver)), timeout=30,
               message=lambda: _inner(driver))  # fmt: skip
    week = [n for n in _notes(driver) if n["type"] == "displayed_dates_changed"][-1]
    # What the cells must say: a 30-minute cell is available when the host's real free
    # slots (from the API with the key) cover it.
    free = [(_utc(s["start"]), _utc(s["end"])) for s in element["slots"]]
    expected, starts = [], []
    for d in range(7):
        day = date.fromisoformat(week["firstDay"]) + timedelta(days=d)
        for row in range(20):
            start = datetime.combine(day, datetime.min.time(), LONDON) + timedelta(
                hours=8, minutes=30 * row
            )
            start = start.astimezone(UTC)
            end = start + timedelta(minutes=30)
            expected.append(any(a <= start and end <= b for a, b in free))
            starts.append(start)
    cells = wait_until(lambda: _cells(driver, css) if len(_cells(driver, css)) == 140 else None)
    assert cells == expected and any(expected)

    buttons = driver.execute_script(
        "return [...document.querySelectorAll('#cronofy-picker button')]"
        ".filter((b) => /^\\d+:\\d\\d[AP]M - /.test(b.textContent))"
    )
    first = expected.index(True)
    buttons[first].click()
    selected = wait_until(lambda: [n for n in _notes(driver) if n["type"] == "slot_selected"],
                          message=lambda: str(_notes(driver)))  # fmt: skip
    slot = selected[0]["slot"]
    assert _utc(slot["start"]) == starts[first]
    assert slot["participants"] == [{"sub": element["sub"]}]


def test_cronofys_availability_rules_edit_and_save(driver, server, host_pages, element):
    before = _api(server, "GET", "/v1/availability_rules/default")["availability_rule"]
    days = ("tuesday", "wednesday", "thursday", "friday")
    rule = {
        "availability_rule_id": "default", "tzid": "Europe/London",
        "weekly_periods": [{"day": "monday", "start_time": "09:00", "end_time": "12:00"},
                           {"day": "monday", "start_time": "13:00", "end_time": "17:00"}]
        + [{"day": d, "start_time": "09:00", "end_time": "17:00"} for d in days],
        "date_overrides": [{"date": "2030-12-24", "periods": []}],
        "min_notice_minutes": 0, "max_days_ahead": None, "buffer": {"before": 10, "after": 0},
    }  # fmt: skip
    _api(server, "PUT", "/v1/availability_rules", json=rule)
    try:
        token = _api(server, "POST", "/v1/element_tokens", json={
            "version": "1", "permissions": ["managed_availability"], "subs": [element["sub"]],
            "origin": host_pages[0],
        })["element_token"]["token"]  # fmt: skip
        _open(driver, host_pages[0], "cronofy.html", server, {**element, "token": token},
              element="AvailabilityRules")  # fmt: skip
        css = ".AvailabilityViewer__slot"
        # The grid is drawn empty first and filled when the saved rule arrives.
        cells = wait_until(lambda: c if any(c := _cells(driver, css)) else None, timeout=30,
                           message=lambda: _inner(driver))  # fmt: skip
        # Sunday to Saturday, 09:00-17:00 by the hour: Monday's lunch hour is not available.
        columns = ["".join("1" if c else "0" for c in cells[i : i + 8]) for i in range(0, 56, 8)]
        assert columns == ["00000000", "11101111", *["11111111"] * 4, "00000000"]

        # Sunday 09:00 becomes available; Save.
        driver.execute_script(
            "document.querySelectorAll('.AvailabilityViewer__slot-button')[0].scrollIntoView()"
        )
        driver.find_elements("css selector", ".AvailabilityViewer__slot-button")[0].click()
        wait_until(lambda: _cells(driver, css)[0], message=lambda: str(_notes(driver)))
        save = [b for b in driver.find_elements("css selector", "#cronofy-picker button")
                if b.text == "Save new rules"]  # fmt: skip
        save[0].click()
        wait_until(lambda: any(n["type"] == "availability_rule_saved" for n in _notes(driver)),
                   message=lambda: str(_notes(driver)))  # fmt: skip
        saved = _api(server, "GET", "/v1/availability_rules/default")["availability_rule"]

        def spans(periods):
            return sorted((p["day"], p["start_time"], p["end_time"]) for p in periods)

        sunday = {"day": "sunday", "start_time": "09:00", "end_time": "10:00"}
        assert spans(saved["weekly_periods"]) == spans([*rule["weekly_periods"], sunday])
        assert saved["date_overrides"] == rule["date_overrides"]
        assert saved["buffer"] == rule["buffer"]
    finally:
        _api(server, "PUT", "/v1/availability_rules", json=before)
