"""The host's pages in real Chromium at 1280 px and 390 px: the dashboard (asks before
destructive actions, says the result where the person is looking, no sideways scroll on a
phone, sign-out reachable) and the working-hours editor (add and remove ranges, copy to
weekdays, plain-word problems). Screenshots go to e2e/screenshots/."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from browser import wait_until
from screens import DESKTOP, PHONE, no_sideways_scroll, set_viewport, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

HOST_EMAIL = "recruiter@example.com"
HOST_PASSWORD = "a long enough password"  # what the server fixture gives the CLI


def api(server, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def book_by_form(server, url: str, name: str, notes: str = "") -> None:
    """An invitee books the first offered time through the plain HTML form."""
    from live_server import page_fields

    with urllib.request.urlopen(url, timeout=10) as response:
        fields = page_fields(response.read().decode())
    data = urllib.parse.urlencode(
        {"form_token": fields["form_token"], "tz": "Europe/London", "start": fields["starts"][0],
         "name": name, "email": "invitee@example.com", "notes": notes}
    ).encode()  # fmt: skip
    urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=10)


def sign_in(driver, server) -> None:
    driver.get(f"{server.url}/login")
    driver.find_element(By.ID, "email").send_keys(HOST_EMAIL)
    driver.find_element(By.ID, "password").send_keys(HOST_PASSWORD + Keys.ENTER)
    wait_until(lambda: driver.find_elements(By.ID, "bookings"))


# Buttons whose label takes more than one line, and e-mail addresses broken elsewhere than
# before an "@" or a dot (or cut without their whole value in a title).
BAD_WRAPS = """
const lines = (node) => {
  const tops = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.length; i++) {
      const r = document.createRange(); r.setStart(text, i); r.setEnd(text, i + 1);
      const box = r.getClientRects()[0];
      if (box) tops.push([text.data[i], Math.round(box.top)]);
    }
  }
  return tops;
};
const bad = [];
for (const b of document.querySelectorAll('main button, main .button')) {
  if (!b.getClientRects().length) continue;
  const tops = new Set(lines(b).map(([, top]) => top));
  if (tops.size > 1) bad.push(`button "${b.textContent.trim()}" wraps onto ${tops.size} lines`);
}
for (const a of document.querySelectorAll('main .address')) {
  if (!a.getClientRects().length) continue;
  const chars = lines(a);
  for (let i = 1; i < chars.length; i++)
    if (chars[i][1] > chars[i - 1][1] + 2 && !'@.'.includes(chars[i][0]))
      bad.push(`address "${a.textContent}" breaks before "${chars[i][0]}" (char ${i})`);
  if (a.scrollWidth > a.clientWidth + 1 && a.title !== a.textContent)
    bad.push(`address "${a.textContent}" is cut without its value in a title`);
}
return bad;
"""


def bad_wraps(driver) -> list[str]:
    return driver.execute_script(BAD_WRAPS)


def test_dashboard(driver, server):
    link = api(server, "POST", "/v1/scheduling_links", {
        "contact": {"name": "Katherine Johnson", "email": "kj@example.com", "reference": "cand-77"},
        "summary": "Final interview", "duration_minutes": 45,
    })["scheduling_link"]  # fmt: skip
    book_by_form(server, link["url"], "Katherine Johnson", "I'll join from the lab.\nThanks!")
    api(server, "POST", "/v1/scheduling_links", {"contact": {"name": "Dorothy Vaughan",
        "email": "dv@example.com"}, "summary": "Intro call"})  # fmt: skip
    # Page markup can carry long unbroken values: they wrap in their cells.
    api(server, "POST", "/v1/scheduling_links", {"contact": {"name": "N" * 150,
        "email": "long@example.com", "reference": "R" * 150}, "summary": "S" * 190})  # fmt: skip
    # Long addresses: they break only before "@" or a dot, or are cut with a title.
    api(server, "POST", "/v1/scheduling_links", {"contact": {"name": "Mary Jackson",
        "email": "mary.jackson-langley-research-center@aeronautics.nasa-archive.example"},
        "summary": "Panel"})  # fmt: skip
    api(server, "POST", "/v1/scheduling_links", {"contact": {"name": "Long Local",
        "email": "x" * 60 + "@example.com"}, "summary": "Panel"})  # fmt: skip
    set_viewport(driver, DESKTOP)
    sign_in(driver, server)
    assert no_sideways_scroll(driver), _too_wide(driver)
    assert driver.find_elements(By.CSS_SELECTOR, "#links .address")
    assert bad_wraps(driver) == []
    shot(driver, "dashboard-desktop")
    driver.execute_script("document.getElementById('links').scrollIntoView()")
    shot(driver, "dashboard-desktop-links")
    row = driver.find_element(By.CSS_SELECTOR, f'tr[data-link="{link["id"]}"]')
    assert link["url"] == row.find_element(By.CSS_SELECTOR, "input[readonly]").get_attribute(
        "value"
    )
    assert "cand-77" in row.text

    # Cancel asks first; saying no changes nothing.
    # Other tests of this session booked too: find this invitee's row.
    booking_row = next(
        row
        for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-booking]")
        if "Katherine Johnson" in row.text
    )
    assert "I'll join from the lab." in booking_row.text
    booking_id = booking_row.get_attribute("data-booking")
    booking_row.find_element(By.CSS_SELECTOR, "button.danger").click()
    alert = wait_until(lambda: driver.switch_to.alert)
    assert "Katherine Johnson" in alert.text
    alert.dismiss()
    assert driver.find_elements(By.CSS_SELECTOR, f'tr[data-booking="{booking_id}"]')
    booking_row = driver.find_element(By.CSS_SELECTOR, f'tr[data-booking="{booking_id}"]')
    booking_row.find_element(By.NAME, "reason").send_keys("Position filled")
    booking_row.find_element(By.CSS_SELECTOR, "button.danger").click()
    wait_until(lambda: driver.switch_to.alert).accept()
    flash = wait_until(lambda: driver.find_element(By.CSS_SELECTOR, "#bookings [data-flash]"))
    assert "Cancelled the meeting with Katherine Johnson" in flash.text
    assert driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight",
        flash,
    ), "the result shows where the person is looking"
    focused = driver.execute_script("return document.activeElement.outerHTML")
    assert "data-flash" in focused, focused
    cancelled = driver.find_element(By.CSS_SELECTOR, f'tr[data-cancelled="{booking_id}"]')
    assert "by you" in cancelled.text and "Position filled" in cancelled.text

    # Filters.
    driver.find_element(By.LINK_TEXT, "Completed").click()
    wait_until(lambda: "status=completed" in driver.current_url)
    statuses = {
        e.text for e in driver.find_elements(By.CSS_SELECTOR, "#links td .status:first-child")
    }
    assert statuses <= {"completed"}

    # A phone: no sideways scroll, sign-out reachable.
    set_viewport(driver, PHONE)
    driver.get(f"{server.url}/")
    assert no_sideways_scroll(driver), _too_wide(driver)
    assert bad_wraps(driver) == []
    sign_out = driver.find_element(By.CSS_SELECTOR, "header.site button[type=submit]")
    assert sign_out.is_displayed() and sign_out.text == "Sign out"
    assert sign_out.rect["x"] + sign_out.rect["width"] <= PHONE[0]
    shot(driver, "dashboard-phone")
    driver.execute_script("document.getElementById('links').scrollIntoView()")
    shot(driver, "dashboard-phone-links")
    sign_out.click()
    wait_until(lambda: "/login" in driver.current_url)


def test_hours_editor(driver, server):
    set_viewport(driver, DESKTOP)
    sign_in(driver, server)
    driver.get(f"{server.url}/settings/hours")
    shot(driver, "hours-desktop")
    monday = driver.find_element(By.CSS_SELECTOR, '.hours-day[data-day="monday"]')
    assert len(monday.find_elements(By.CSS_SELECTOR, ".range")) == 1  # the blank row is gone
    assert monday.find_element(By.CSS_SELECTOR, "input").get_attribute("type") == "time"

    # Monday gets a second range; copy to every weekday; Saturday is removed entirely.
    monday.find_element(By.CSS_SELECTOR, ".add-range").click()
    ranges = monday.find_elements(By.CSS_SELECTOR, ".range")
    assert len(ranges) == 2
    assert [i.get_attribute("value") for i in ranges[1].find_elements(By.TAG_NAME, "input")] == [
        "17:00", "18:00",
    ]  # fmt: skip
    monday.find_element(By.CSS_SELECTOR, ".copy-range").click()
    friday = driver.find_element(By.CSS_SELECTOR, '.hours-day[data-day="friday"]')
    assert len(friday.find_elements(By.CSS_SELECTOR, ".range")) == 2
    friday.find_elements(By.CSS_SELECTOR, ".remove-range")[1].click()
    assert len(friday.find_elements(By.CSS_SELECTOR, ".range")) == 1
    driver.find_element(By.ID, "save-hours").click()
    wait_until(lambda: "Working hours saved" in driver.find_element(By.TAG_NAME, "body").text)
    rule = api(server, "GET", "/v1/availability_rules")["availability_rules"][0]
    spans = {(p["day"], p["start_time"], p["end_time"]) for p in rule["weekly_periods"]}
    assert ("thursday", "17:00", "18:00") in spans and ("friday", "17:00", "18:00") not in spans

    # A date override: Christmas Eve with short hours; a day off shows no times.
    assert not driver.find_elements(By.CSS_SELECTOR, ".override")  # the blank row is gone
    driver.find_element(By.CSS_SELECTOR, ".add-override").click()
    row = driver.find_element(By.CSS_SELECTOR, ".override")
    assert not row.find_element(By.CSS_SELECTOR, ".override-hours").is_displayed()
    driver.execute_script(
        "arguments[0].value = '2030-12-24'", row.find_element(By.NAME, "override-date")
    )
    Select(row.find_element(By.NAME, "override-kind")).select_by_value("hours")
    start, end = row.find_elements(By.CSS_SELECTOR, 'input[type="time"]')
    assert start.is_displayed()
    driver.execute_script("arguments[0].value = '10:00'; arguments[1].value = '12:00'", start, end)
    shot(driver, "hours-override-desktop")
    driver.find_element(By.ID, "save-hours").click()
    wait_until(lambda: "Working hours saved" in driver.find_element(By.TAG_NAME, "body").text)
    rule = api(server, "GET", "/v1/availability_rules")["availability_rules"][0]
    assert rule["date_overrides"] == [
        {"date": "2030-12-24", "periods": [{"start_time": "10:00", "end_time": "12:00"}]}
    ]
    driver.find_element(By.CSS_SELECTOR, ".override .remove-range").click()
    driver.find_element(By.ID, "save-hours").click()
    wait_until(lambda: "Working hours saved" in driver.find_element(By.TAG_NAME, "body").text)
    assert (
        api(server, "GET", "/v1/availability_rules")["availability_rules"][0]["date_overrides"]
        == []
    )

    # A mistake: end before start, said in words by the day.
    tuesday = driver.find_element(By.CSS_SELECTOR, '.hours-day[data-day="tuesday"]')
    end = tuesday.find_elements(By.CSS_SELECTOR, 'input[type="time"]')[1]
    driver.execute_script("arguments[0].value = '08:00'", end)
    driver.find_element(By.ID, "save-hours").click()
    error = wait_until(lambda: driver.find_element(By.ID, "tuesday-error"))
    assert error.text.endswith("Tuesday: a range must end after it starts (09:00–08:00).")
    shot(driver, "hours-error-desktop")

    set_viewport(driver, PHONE)
    driver.get(f"{server.url}/settings/hours")
    assert no_sideways_scroll(driver), _too_wide(driver)
    shot(driver, "hours-phone")
    # Put the usual hours back for the other tests.
    for day in ("monday", "tuesday", "wednesday", "thursday"):
        box = driver.find_element(By.CSS_SELECTOR, f'.hours-day[data-day="{day}"]')
        removes = box.find_elements(By.CSS_SELECTOR, ".remove-range")
        if len(removes) > 1:
            removes[1].click()
    driver.find_element(By.ID, "save-hours").click()
    wait_until(lambda: "Working hours saved" in driver.find_element(By.TAG_NAME, "body").text)


def _too_wide(driver) -> str:
    """The page's width and the innermost elements that stick out on the right."""
    return driver.execute_script(
        "const w = document.documentElement.clientWidth;"
        " const out = [...document.body.querySelectorAll('*')].filter("
        "   (e) => e.getBoundingClientRect().right > w + 0.5"
        "     && ![...e.children].some((c) => c.getBoundingClientRect().right > w + 0.5));"
        " return document.documentElement.scrollWidth + ' px wide: ' + out.slice(0, 5).map("
        "   (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' +"
        "     Math.round(e.getBoundingClientRect().right)).join(', ');"
    )


def test_profile_pages_fit_a_phone(driver, server):
    """Every section of the profile area at 390 px: long URLs and secrets wrap, tables turn
    into stacked cards, nothing scrolls sideways; an empty error box is not drawn."""
    long_path = "/hooks/schedlink/" + "a-rather-long-receiver-path-segment/" * 4 + "end"
    api(server, "POST", "/v1/channels", {
        "callback_url": f"http://127.0.0.1:9{long_path}",
        "filters": {"types": ["booking_created", "booking_rescheduled", "booking_cancelled"]},
    })  # fmt: skip
    set_viewport(driver, PHONE)
    sign_in(driver, server)
    driver.get(f"{server.url}/profile")
    sections = [
        (a.text, a.get_attribute("href"))
        for a in driver.find_elements(By.CSS_SELECTOR, "nav.sections a")
    ]
    names = [name for name, _ in sections]
    for expected in ("Profile", "Calendar services", "Conferencing services", "API keys",
                     "Webhooks", "Security"):  # fmt: skip
        assert expected in names, names
    for name, href in sections:
        driver.get(href)
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "nav.sections"))
        slug = href.rstrip("/").rsplit("/", 1)[-1]
        shot(driver, f"profile-{slug}-phone")
        for i, part in enumerate(driver.find_elements(By.CSS_SELECTOR, "main table, .notice")):
            driver.execute_script("arguments[0].scrollIntoView()", part)
            shot(driver, f"profile-{slug}-phone-{i + 1}")
        assert no_sideways_scroll(driver), f"{name} ({href}): {_too_wide(driver)}"
        for table in driver.find_elements(By.CSS_SELECTOR, "main .card table"):
            assert driver.execute_script(
                "const t = arguments[0].getBoundingClientRect();"
                " const c = arguments[0].closest('.card').getBoundingClientRect();"
                " return t.right <= c.right + 0.5",
                table,
            ), f"a table on {name} sticks out of its card"
        for status in driver.find_elements(By.CSS_SELECTOR, ".error[data-status]"):
            assert status.text == "" and status.size["height"] == 0, name
        if slug == "api-keys":  # the key this session's API calls used: when and from where
            used = driver.find_element(By.CSS_SELECTOR, "td.last-used").text
            assert "127.0.0.1" in used and "Europe/London" in used, used
    driver.get(f"{server.url}/webhooks")
    channel = driver.find_element(By.CSS_SELECTOR, "tr[data-channel]")
    assert long_path in channel.text.replace("\n", "")
    assert driver.find_elements(By.CSS_SELECTOR, "tr[data-message]"), "the verification is listed"
    _webhooks_page(driver, server)


def _webhooks_page(driver, server):
    """The webhooks page at 1280 px and 390 px: add a channel, test it (the receiver's answer
    shown, escaped), pause and resume it; nothing scrolls sideways."""
    from webhook_receiver import Receiver

    with Receiver() as receiver:
        receiver.script.body = b'{"ok":true,"note":"<b>hi</b>"}'
        set_viewport(driver, DESKTOP)
        driver.get(f"{server.url}/profile/api-keys")  # last used and expiry, side by side
        assert no_sideways_scroll(driver), _too_wide(driver)
        shot(driver, "api-keys-desktop")
        driver.get(f"{server.url}/webhooks")
        driver.find_element(By.ID, "callback_url").send_keys(receiver.url)
        driver.find_element(By.CSS_SELECTOR, 'input[value="booking_created"]').click()
        driver.find_element(By.ID, "add-channel-button").click()
        wait_until(lambda: "Channel added" in driver.find_element(By.TAG_NAME, "body").text)
        assert receiver.wait_for(1)[0].type == "verification"  # sent by the server's worker

        def row():
            return next(r for r in driver.find_elements(By.CSS_SELECTOR, "tr[data-channel]")
                        if str(receiver.port) in r.text)  # fmt: skip

        row().find_element(By.CSS_SELECTOR, "button[data-test]").click()
        result = wait_until(lambda: driver.find_element(By.ID, "test-result"))
        assert "HTTP 200 — it works." in result.text and " ms;" in result.text
        assert '{"ok":true,"note":"<b>hi</b>"}' in result.text  # shown as text, not markup
        assert not driver.find_elements(By.CSS_SELECTOR, "#test-result pre b")
        assert no_sideways_scroll(driver), _too_wide(driver)
        driver.execute_script("document.getElementById('channels').scrollIntoView()")
        shot(driver, "webhooks-test-desktop")

        row().find_element(By.CSS_SELECTOR, "button[data-pause]").click()
        wait_until(lambda: "Channel paused" in driver.find_element(By.TAG_NAME, "body").text)
        assert row().get_attribute("data-status") == "paused"
        driver.get(f"{server.url}/webhooks")
        shot(driver, "webhooks-desktop")
        assert no_sideways_scroll(driver), _too_wide(driver)

        set_viewport(driver, PHONE)
        driver.get(f"{server.url}/webhooks")
        assert no_sideways_scroll(driver), _too_wide(driver)
        shot(driver, "webhooks-phone")
        row().find_element(By.CSS_SELECTOR, "button[data-resume]").click()
        wait_until(lambda: "Channel resumed" in driver.find_element(By.TAG_NAME, "body").text)
        row().find_element(By.CSS_SELECTOR, "button[data-test]").click()
        wait_until(lambda: driver.find_element(By.ID, "test-result"))
        assert no_sideways_scroll(driver), _too_wide(driver)
        for button in row().find_elements(By.TAG_NAME, "button"):
            assert button.rect["x"] + button.rect["width"] <= PHONE[0], button.text
        driver.execute_script("document.getElementById('test-result').scrollIntoView()")
        shot(driver, "webhooks-test-phone")
        driver.execute_script("document.getElementById('deliveries').scrollIntoView()")
        shot(driver, "webhooks-deliveries-phone")
