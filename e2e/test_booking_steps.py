"""The booking page as invitees use it, in real Chromium at 1280 px and 390 px: the calendar,
the chosen day's times and the details form; the time-zone search; mistakes that lose
nothing; the way back to a booking from the used link. Screenshots go to e2e/screenshots/."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from browser import wait_until
from screens import DESKTOP, PHONE, no_sideways_scroll, set_viewport, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


def create_link(server, **body) -> dict:
    body.setdefault("contact", {"name": "Ada Lovelace", "email": "ada@example.com"})
    request = urllib.request.Request(
        f"{server.url}/v1/scheduling_links",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {server.api_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["scheduling_link"]


def visible(driver, css: str) -> bool:
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(found) and found[0].is_displayed()


def in_viewport(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0;",
        element,
    )


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def open_offer(driver, url: str) -> None:
    # ?tz= pins the zone, so the page doesn't re-ask for the browser's zone mid-test.
    driver.get(url + "?tz=Europe/London&h=24")
    wait_until(
        lambda: driver.find_element(By.ID, "booker").get_attribute("class") == "booker enhanced"
    )


def test_desktop_one_screen_to_book(driver, server):
    set_viewport(driver, DESKTOP)
    link = create_link(server, summary="Intro call", duration_minutes=30)
    open_offer(driver, link["url"])
    shot(driver, "booking-desktop")

    # Calendar, the first free day's times and the form side by side; Confirm on screen.
    selected = driver.find_element(By.CSS_SELECTOR, ".month a[aria-current]")
    first_day = driver.find_elements(By.CSS_SELECTOR, ".month a[data-date]")[0]
    assert selected.get_attribute("data-date") == first_day.get_attribute("data-date")
    assert visible(driver, ".pane-time") and visible(driver, ".pane-details")
    assert in_viewport(driver, driver.find_element(By.ID, "confirm"))
    shown_days = [d for d in driver.find_elements(By.CSS_SELECTOR, ".day") if d.is_displayed()]
    assert len(shown_days) == 1

    # Another day shows its own times.
    other = driver.find_elements(By.CSS_SELECTOR, ".month a[data-date]")[1]
    other.click()
    day = driver.find_element(By.CSS_SELECTOR, ".day:not([hidden])")
    assert day.get_attribute("data-date") == other.get_attribute("data-date")
    slot = day.find_elements(By.CSS_SELECTOR, ".slot")[1]
    chosen = slot.find_element(By.TAG_NAME, "input").get_attribute("value")
    slot.click()
    assert driver.find_element(By.ID, "chosen").text.endswith(slot.text)

    notes = driver.find_element(By.ID, "notes")
    notes.send_keys("<b>bold?</b> Please call me on Signal.")
    shot(driver, "booking-desktop-chosen")
    driver.find_element(By.ID, "confirm").click()
    wait_until(lambda: "You're booked" in body_text(driver))
    assert driver.find_element(By.CSS_SELECTOR, "#when time").get_attribute("datetime") == chosen
    assert "<b>bold?</b> Please call me on Signal." in driver.find_element(By.ID, "booked").text
    # The test server sends no e-mail, so the page must not promise one.
    assert "No e-mail is sent" in driver.find_element(By.ID, "mail-note").text
    shot(driver, "booked-desktop")

    # The same browser reopens the used link: the way back to the booking.
    driver.get(link["url"])
    wait_until(lambda: visible(driver, "#your-booking"))
    assert "already been used" in body_text(driver)
    assert driver.find_element(By.ID, "yours-reschedule").get_attribute("href")
    shot(driver, "used-link-desktop")
    driver.find_element(By.ID, "see-booking").click()
    wait_until(lambda: "You're booked" in body_text(driver))


def test_phone_steps_with_a_way_back(driver, server):
    set_viewport(driver, PHONE)
    link = create_link(server, summary="Phone screen", duration_minutes=45)
    open_offer(driver, link["url"])
    shot(driver, "booking-phone-1-day")
    assert no_sideways_scroll(driver)
    assert visible(driver, ".pane-day") and not visible(driver, ".pane-time")
    day = driver.find_elements(By.CSS_SELECTOR, ".month a[data-date]")[0]
    assert day.size["width"] >= 44 and day.size["height"] >= 44
    assert in_viewport(driver, day)

    day.click()
    assert visible(driver, ".pane-time") and not visible(driver, ".pane-day")
    shot(driver, "booking-phone-2-time")
    driver.find_element(By.CSS_SELECTOR, ".pane-time .back").click()
    assert visible(driver, ".pane-day")
    day.click()
    slot = driver.find_element(By.CSS_SELECTOR, ".day:not([hidden]) .slot")
    chosen = slot.find_element(By.TAG_NAME, "input").get_attribute("value")
    slot.click()
    assert visible(driver, ".pane-details") and not visible(driver, ".pane-time")
    assert driver.find_element(By.ID, "chosen").text.endswith(slot.text)

    # A mistake: the name is gone. The message sits by the field; nothing typed is lost.
    name = driver.find_element(By.ID, "name")
    name.clear()
    driver.find_element(By.ID, "notes").send_keys("Running late maybe")
    driver.find_element(By.ID, "confirm").click()
    assert driver.find_element(By.ID, "name-error").text == "Please enter your name."
    assert name.get_attribute("aria-invalid") == "true"
    assert "name-error" in name.get_attribute("aria-describedby")
    shot(driver, "booking-phone-3-details-error")

    # The server says the same when the script's check is skipped, keeping the time.
    driver.execute_script("document.getElementById('book-form').submit()")
    wait_until(lambda: visible(driver, "#name-error"))
    assert "Please fix the marked field." in driver.find_element(By.ID, "error").text
    wait_until(lambda: visible(driver, ".pane-details"))
    radio = driver.find_element(By.CSS_SELECTOR, 'input[name="start"]:checked')
    assert radio.get_attribute("value") == chosen
    assert driver.find_element(By.ID, "notes").get_attribute("value") == "Running late maybe"
    shot(driver, "booking-phone-3-server-error")

    driver.find_element(By.ID, "name").send_keys("Ada Lovelace")
    confirm = driver.find_element(By.ID, "confirm")
    assert in_viewport(driver, confirm) or driver.execute_script(
        "arguments[0].scrollIntoView(); return true", confirm
    )
    confirm.click()
    wait_until(lambda: "You're booked" in body_text(driver))
    assert driver.find_element(By.CSS_SELECTOR, "#when time").get_attribute("datetime") == chosen
    # The Jitsi join link (one long word) arrives in place; it wraps instead of widening the page.
    wait_until(lambda: driver.find_elements(By.ID, "join-url"), timeout=30)
    assert no_sideways_scroll(driver)
    shot(driver, "booked-phone")

    # The other pages an invitee reaches from here fit the phone too.
    confirmation = driver.current_url
    for page_id, name in (("reschedule", "reschedule-phone"), ("cancel", "cancel-phone")):
        driver.get(confirmation)
        driver.get(driver.find_element(By.ID, page_id).get_attribute("href"))
        assert no_sideways_scroll(driver), name
        shot(driver, name)
    driver.get(link["url"])
    assert "already been used" in body_text(driver)
    assert no_sideways_scroll(driver)
    shot(driver, "used-link-phone")


def test_time_zone_search(driver, server):
    set_viewport(driver, DESKTOP)
    link = create_link(server, summary="Zones")
    open_offer(driver, link["url"])
    zone = driver.find_element(By.ID, "tz")
    zone.click()
    zone.send_keys(Keys.CONTROL, "a")
    zone.send_keys("tokyo")
    wait_until(lambda: visible(driver, "#tz-list"))
    first = driver.find_element(By.CSS_SELECTOR, "#tz-list [role=option]")
    assert first.text.startswith("Tokyo, Japan") and "GMT+9" in first.text
    shot(driver, "timezone-search")
    zone.send_keys(Keys.ENTER)
    wait_until(lambda: "tz=Asia%2FTokyo" in driver.current_url)
    assert "Tokyo, Japan · GMT+9" in driver.find_element(By.ID, "zone-now").text

    # By abbreviation and by country.
    for typed, expected in (("PST", "America/Los_Angeles"), ("india", "Asia/Kolkata")):
        zone = driver.find_element(By.ID, "tz")
        zone.click()
        zone.send_keys(Keys.CONTROL, "a")
        zone.send_keys(typed)
        wait_until(lambda: visible(driver, "#tz-list"))
        option = driver.find_element(By.CSS_SELECTOR, "#tz-list [role=option]")
        assert option.get_attribute("data-zone") == expected, (typed, option.text)

    # Bare offsets, and names with or without their accents.
    for typed, expected in (("+05:30", "Asia/Kolkata"), ("+5:30", "Asia/Kolkata"),
                            ("+9", "Asia/Tokyo"), ("UTC-3", "America/Sao_Paulo"),
                            ("São Paulo", "America/Sao_Paulo"), ("sao paulo", "America/Sao_Paulo"),
                            ("Asia/Calcutta", "Asia/Kolkata")):  # fmt: skip
        first_option(driver, typed, expected)

    # Something that is no zone says so.
    zone = driver.find_element(By.ID, "tz")
    zone.send_keys(Keys.CONTROL, "a")
    zone.send_keys("Atlantis")
    wait_until(lambda: "No time zone matches" in driver.find_element(By.ID, "tz-status").text)
    assert zone.get_attribute("aria-invalid") == "true"

    # Without the script's help the server says so too (and falls back visibly).
    driver.get(link["url"] + "?" + urllib.parse.urlencode({"tz": "Atlantis/Nowhere"}))
    assert "We don't know the time zone “Atlantis/Nowhere”" in body_text(driver)

    # A browser in India reports the old name "Asia/Calcutta": shown as Kolkata, as searched.
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Kolkata"})
    assert driver.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone") in (
        "Asia/Calcutta", "Asia/Kolkata",
    )  # fmt: skip
    driver.get(link["url"])
    wait_until(lambda: "tz=" in driver.current_url)
    assert driver.find_element(By.ID, "zone-now").text.startswith("Kolkata, India · GMT+5:30")
    assert driver.find_element(By.ID, "tz").get_attribute("value") == "Asia/Kolkata"

    # The same picker on the profile (no longer a 600-entry list) and in the hours editor.
    from test_host_pages import sign_in

    sign_in(driver, server)
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        set_viewport(driver, size)
        driver.get(f"{server.url}/profile")
        assert driver.find_element(By.ID, "tzid").tag_name == "input"
        first_option(driver, "sao paulo", "America/Sao_Paulo", field="tzid")
        assert no_sideways_scroll(driver)
        shot(driver, f"profile-zone-search-{name}")
    driver.find_element(By.ID, "tzid").send_keys(Keys.ENTER)  # chooses; a second Enter saves
    assert driver.find_element(By.ID, "tzid").get_attribute("value") == "America/Sao_Paulo"
    assert "Sao Paulo, Brazil · GMT-3" in driver.find_element(By.ID, "tzid-status").text
    driver.find_element(By.ID, "tzid").send_keys(Keys.ENTER)
    wait_until(lambda: "Profile saved" in body_text(driver))
    assert driver.find_element(By.ID, "tzid").get_attribute("value") == "America/Sao_Paulo"
    first_option(driver, "+0", "Europe/London", field="tzid")  # put it back for other tests
    driver.find_element(By.ID, "tzid").send_keys(Keys.ENTER)
    driver.find_element(By.CSS_SELECTOR, "form[action$='/profile'] button[type=submit]").click()
    wait_until(lambda: "Profile saved" in body_text(driver))
    driver.get(f"{server.url}/settings/hours")
    first_option(driver, "tokyo", "Asia/Tokyo", field="tzid")
    shot(driver, "hours-zone-search-desktop")


def first_option(driver, typed: str, expected: str, field: str = "tz") -> None:
    """Type into the zone search; its first suggestion is `expected`."""
    zone = driver.find_element(By.ID, field)
    zone.click()
    zone.send_keys(Keys.CONTROL, "a")
    zone.send_keys(typed)
    wait_until(lambda: visible(driver, f"#{field}-list"))
    option = lambda: driver.find_element(By.CSS_SELECTOR, f"#{field}-list [role=option]")  # noqa: E731
    wait_until(
        lambda: option().get_attribute("data-zone") == expected,
        message=lambda: f"{typed!r} → {option().get_attribute('data-zone')} ({option().text})",
    )


def test_no_times_page_offers_the_host(driver, server):
    set_viewport(driver, PHONE)
    # A query period in the past: nothing to offer.
    link = create_link(
        server,
        summary="No times",
        query_periods=[{"start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"}],
    )
    driver.get(link["url"] + "?tz=Europe/London")
    assert "No free times right now" in body_text(driver)
    assert "Reply to the message this link came with" in body_text(driver)
    assert no_sideways_scroll(driver)
    shot(driver, "no-times-phone")
    driver.get(f"{server.url}/b/{link['url'].rsplit('/', 1)[1][:12]}")
    assert "This link doesn't work" in body_text(driver)
    shot(driver, "bad-link-phone")


QUESTIONS = [
    {"label": "Company", "type": "text", "required": True},
    {"label": "What should we cover?", "type": "textarea"},
    {"label": "Seniority", "type": "choice", "choices": ["Junior", "Senior"], "required": True},
    {"label": "Topics", "type": "choices", "choices": ["Pay", "Team", "Remote"]},
    {"label": "Mobile", "type": "phone"},
    {"label": "I agree to the <b>recording</b>", "type": "checkbox", "required": True},
]


def _questions_link(server, summary: str) -> dict:
    return create_link(
        server, summary=summary, duration_minutes=30, questions=QUESTIONS, max_guests=2,
        place={"type": "in_person", "address": "1 Main St <Berlin>"},
        conferencing={"profile_id": "none"},
    )  # fmt: skip


def _answer(driver) -> None:
    driver.find_element(By.ID, "answer-q1").send_keys("Analytical <Engines>")
    driver.find_element(By.ID, "answer-q2").send_keys("Line one\nLine two")
    driver.find_element(By.CSS_SELECTOR, 'input[name="answer-q3"][value="Senior"]').click()
    for topic in ("Pay", "Remote"):
        driver.find_element(By.CSS_SELECTOR, f'input[name="answer-q4"][value="{topic}"]').click()
    driver.find_element(By.ID, "answer-q5").send_keys("+44 12")  # too short: not a number
    driver.find_element(By.ID, "answer-q6").click()
    driver.find_element(By.ID, "guests").send_keys("charles@example.com\nmary@example.com")


def test_questions_guests_and_place_at_1280_and_390(driver, server):
    """The booking form asks the link's questions and guests and shows its place, escaped;
    an invalid phone number is marked by its field with everything else kept; the
    confirmation shows the place and the guests. Both widths."""
    for size, tag in ((DESKTOP, "desktop"), (PHONE, "phone")):
        set_viewport(driver, size)
        link = _questions_link(server, f"Interview ({tag})")
        open_offer(driver, link["url"])
        place = driver.find_element(By.ID, "place")
        assert "1 Main St <Berlin>" in place.text
        assert "openstreetmap.org" in place.find_element(By.TAG_NAME, "a").get_attribute("href")
        # A later day on the desktop: the reschedule page must open on it.
        day = driver.find_elements(By.CSS_SELECTOR, ".month a[data-date]")[
            2 if tag == "desktop" else 0
        ]
        booked_day = day.get_attribute("data-date")
        day.click()
        driver.find_element(By.CSS_SELECTOR, ".day:not([hidden]) .slot").click()
        assert visible(driver, ".pane-details")
        assert "I agree to the <b>recording</b>" in body_text(driver)  # shown, not markup
        _answer(driver)
        assert no_sideways_scroll(driver)
        shot(driver, f"booking-questions-{tag}")
        driver.find_element(By.ID, "confirm").click()
        wait_until(lambda: visible(driver, "#answer-q5-error"))
        assert "country code" in driver.find_element(By.ID, "answer-q5-error").text
        wait_until(lambda: visible(driver, ".pane-details"))
        # Everything typed is still there.
        assert driver.find_element(By.ID, "answer-q1").get_attribute("value") == (
            "Analytical <Engines>"
        )
        assert driver.find_element(By.ID, "answer-q2").get_attribute("value") == (
            "Line one\nLine two"
        )
        assert driver.find_element(
            By.CSS_SELECTOR, 'input[name="answer-q3"][value="Senior"]'
        ).is_selected()
        assert driver.find_element(
            By.CSS_SELECTOR, 'input[name="answer-q4"][value="Remote"]'
        ).is_selected()
        assert driver.find_element(By.ID, "answer-q6").is_selected()
        assert "mary@example.com" in driver.find_element(By.ID, "guests").get_attribute("value")
        phone = driver.find_element(By.ID, "answer-q5")
        assert phone.get_attribute("aria-invalid") == "true"
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", phone)
        assert no_sideways_scroll(driver)
        shot(driver, f"booking-questions-{tag}-error")
        phone.clear()
        phone.send_keys("+44 20 7946 0958")
        confirm = driver.find_element(By.ID, "confirm")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", confirm)
        confirm.click()
        wait_until(lambda: "You're booked" in body_text(driver))
        assert "1 Main St <Berlin>" in driver.find_element(By.ID, "place").text
        assert "charles@example.com" in driver.find_element(By.ID, "guests").text
        assert no_sideways_scroll(driver)
        shot(driver, f"booked-questions-{tag}")
        # Moving it opens on the booked day.
        driver.get(driver.find_element(By.ID, "reschedule").get_attribute("href"))
        wait_until(
            lambda: "enhanced" in driver.find_element(By.ID, "booker").get_attribute("class")
        )
        shown = driver.find_element(By.CSS_SELECTOR, ".day:not([hidden])")  # the day shown
        assert shown.get_attribute("data-date") == booked_day
        shot(driver, f"reschedule-questions-{tag}")
