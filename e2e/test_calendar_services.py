"""A host connects an ICS feed from the dashboard in real Chromium; the production server's
job worker syncs it, and a slot busy in the feed is no longer offered on the booking page."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser import wait_until
from calendar_servers import FeedServer
from screens import shot
from selenium.webdriver.common.by import By

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    with FeedServer(tmp_path_factory.mktemp("e2e-feeds")) as server:
        yield server


def _thursday() -> date:
    """A Thursday 2 to 8 days ahead: inside the booking window, clear of other tests' first
    (earliest) slots."""
    today = datetime.now(UTC).date()
    day = today + timedelta(days=(3 - today.weekday()) % 7)
    return day + timedelta(days=7) if (day - today).days < 2 else day


def _utc(day: date, hour: int) -> str:
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _offered(driver, server) -> list[str]:
    request = urllib.request.Request(
        f"{server.url}/v1/scheduling_links",
        data=json.dumps({"contact": {"name": "Ada Lovelace", "email": "ada@example.com"},
                         "summary": "Feed check"}).encode(),
        headers={"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"},
        method="POST",
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        link = json.load(response)["scheduling_link"]
    driver.get(link["url"])
    inputs = driver.find_elements(By.CSS_SELECTOR, 'input[name="start"]')
    return [i.get_attribute("value") for i in inputs]


def test_host_connects_a_feed_and_its_busy_slot_is_not_offered(driver, server, feeds):
    day = _thursday()
    feeds.write(
        "team.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nX-WR-CALNAME:Team\r\n"
        "BEGIN:VEVENT\r\nUID:offsite@e2e\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Offsite\r\n"
        f"DTSTART;TZID=Europe/London:{day:%Y%m%d}T100000\r\n"
        f"DTEND;TZID=Europe/London:{day:%Y%m%d}T120000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    before = _offered(driver, server)
    assert _utc(day, 10) in before and _utc(day, 11) in before

    driver.get(f"{server.url}/login")
    driver.find_element(By.ID, "email").send_keys("recruiter@example.com")
    driver.find_element(By.ID, "password").send_keys("a long enough password")
    driver.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_until(lambda: driver.find_elements(By.ID, "calendar-services-link"))
    driver.find_element(By.ID, "calendar-services-link").click()
    wait_until(lambda: "Calendar services" in driver.title)
    driver.find_element(By.ID, "feed-url").send_keys(feeds.url("team.ics"))
    driver.find_element(By.ID, "feed-name").send_keys("Team")  # as its calendar is named
    driver.find_element(By.ID, "add-feed-button").click()
    wait_until(lambda: "Calendar connected" in driver.find_element(By.TAG_NAME, "body").text)

    def synced():
        driver.refresh()
        status = driver.find_element(By.CSS_SELECTOR, "td.sync-status").text
        return status == "OK" and "Team" in driver.find_element(By.ID, "connected").text

    wait_until(synced, timeout=20, interval=0.5, message="the feed was not synced")
    # What the host reads: the feed named once, the last sync in their zone and how long
    # ago (not a raw UTC timestamp), and what the operator must set for Google and Outlook.
    row = driver.find_element(By.CSS_SELECTOR, "#connected tr[data-profile]")
    assert row.find_element(By.TAG_NAME, "td").text.split().count("Team") == 1, row.text
    last_sync = row.find_element(By.CSS_SELECTOR, "td.last-sync").text
    assert "Europe/London" in last_sync and ("just now" in last_sync or "ago" in last_sync)
    assert not re.search(r"\d{4}-\d\d-\d\dT", last_sync), last_sync
    add = driver.find_element(By.ID, "add").text
    assert "SCHEDLINK_GOOGLE_CLIENT_ID" in add and "SCHEDLINK_MICROSOFT_CLIENT_ID" in add
    shot(driver, "calendar-services-desktop")
    driver.execute_script("document.getElementById('add').scrollIntoView()")
    shot(driver, "calendar-services-add-desktop")

    after = _offered(driver, server)
    assert _utc(day, 10) not in after and _utc(day, 11) not in after
    assert _utc(day, 12) in after

    # Removing the feed gives the time back at once.
    driver.get(f"{server.url}/calendar_services")
    driver.find_element(By.CSS_SELECTOR, "#connected button.danger").click()
    wait_until(lambda: "Calendar removed" in driver.find_element(By.TAG_NAME, "body").text)
    assert _utc(day, 10) in _offered(driver, server)
