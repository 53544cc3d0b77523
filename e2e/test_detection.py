"""Detection in real Chromium: static host-app pages (e2e/pages/, served from loopback), a real
toolbar click (Extensions.triggerAction), the popup's detected contacts and pre-filled form, and
for some pages the link created and opened as the invitee.

Each test gets a fresh browser profile (the `driver` fixture) configured through the real
options page (`configured`); the pages server and the backend are shared by the session."""

from __future__ import annotations

import time

import pytest
from browser import DevTools, Popup, trigger_action, wait_until
from pages_server import pages  # noqa: F401 - the session fixture serving e2e/pages/
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

XSS_NAME = (
    '<img src=x onerror="document.title=\'pwned\'">"><svg onload="document.title=\'pwned\'">Mallory'
)
XSS_ORG = "<script>document.title='pwned'</script>"
XSS_SUMMARY = "Interview <img src=x onerror=\"document.title='pwned'\">"
# In the popup: images other than its own header icon and QR code, any SVG, any inline script.
STRAY_ELEMENTS = (
    "document.querySelectorAll('img:not(header.top img):not(#qr), svg, script:not([src]),"
    " [onerror], [onload]').length"
)


def open_popup(driver, devtools: DevTools) -> Popup:
    """Click the toolbar button on the current page and wait until detection is done."""
    popup = trigger_action(driver, devtools)
    wait_until(
        lambda: popup.js("document.body.dataset.detect") in ("done", "failed"),
        timeout=15,
        message="detection did not finish",
    )
    assert popup.js("document.body.dataset.detect") == "done", popup.text("#error")
    return popup


def close_popup(devtools: DevTools, popup: Popup) -> None:
    devtools.send("Target.closeTarget", {"targetId": popup.target_id})


def listed(popup: Popup) -> list[dict]:
    """The contact radios as the user sees them (the manual "Someone else" one left out)."""
    return popup.js(
        "[...document.querySelectorAll('#contact-list .contact')]"
        ".filter(d => d.querySelector('input').value !== 'manual')"
        ".map(d => ({id: d.querySelector('input').id, checked: d.querySelector('input').checked,"
        " primary: d.querySelector('.primary')?.textContent ?? '',"
        " secondary: d.querySelector('.secondary')?.textContent ?? ''}))"
    )


def form(popup: Popup) -> dict:
    return {key: popup.value(f"#{key}") for key in ("name", "email", "summary", "duration")}


def create_link(popup: Popup) -> str:
    popup.click("#create")
    wait_until(
        lambda: popup.js("document.body.dataset.link") in ("created", "failed"),
        timeout=15,
        message="link creation did not finish",
    )
    assert popup.js("document.body.dataset.link") == "created", popup.text("#error")
    return popup.value("#link-url")


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def no_alert(driver) -> bool:
    try:
        driver.switch_to.alert  # raises when there is none
    except NoAlertPresentException:
        return True
    return False


# page, form pre-filled, how many contacts, label of the first ("from …"), more label text
FORMAT_PAGES = {
    "native": (
        "native.html",
        {
            "name": "Ada Lovelace",
            "email": "ada.lovelace@example.com",
            "summary": "Interview: Senior Engineer",
            "duration": "45",
        },
        2,  # the footer's support mailto link comes second
        "from schedlink markup",
        ["Engineer", "Analytical Engines Ltd", "ref. candidate-4711", "Europe/London"],
    ),
    "json-ld": (
        "jsonld.html",
        {
            "name": "Charles Babbage",
            "email": "charles@engines-weekly.example",
            "summary": "Meeting",
            "duration": "30",
        },
        1,
        "from schema.org JSON-LD",
        ["Inventor", "Engines Weekly"],
    ),
    "microdata": (
        "microdata.html",
        {
            "name": "Grace Hopper",
            "email": "grace.hopper@navy.example",
            "summary": "Meeting",
            "duration": "30",
        },
        1,
        "from schema.org microdata",
        ["Computer scientist", "Remington Rand"],
    ),
    "h-card": (
        "h-card.html",
        {
            "name": "Linus Torvalds",
            "email": "linus@kernel.example",
            "summary": "Meeting",
            "duration": "30",
        },
        1,
        "from h-card",
        ["Maintainer", "Linux Foundation"],
    ),
    "hcard": (
        "hcard.html",
        {
            "name": "Roy Trenneman",
            "email": "roy@reynholm.example",
            "summary": "Meeting",
            "duration": "30",
        },
        1,
        "from hCard",
        ["Support Engineer", "Reynholm Industries"],
    ),
    "mailto": (
        "mailto.html",
        {
            "name": "Jane Doe",
            "email": "jane.doe@shop.example",
            "summary": "Meeting",
            "duration": "30",
        },
        1,
        "from e-mail link",
        [],
    ),
}


@pytest.mark.parametrize("fmt", list(FORMAT_PAGES))
def test_each_format_is_detected(driver, devtools, configured, pages, fmt):  # noqa: F811
    page, expected, count, source, details = FORMAT_PAGES[fmt]
    driver.get(pages.url(page))
    popup = open_popup(driver, devtools)
    assert form(popup) == expected
    contacts = listed(popup)
    assert len(contacts) == count, contacts
    first = contacts[0]
    assert first["id"] == "contact-0" and first["checked"]
    assert first["primary"] == f"{expected['name']} <{expected['email']}>"
    assert first["secondary"].endswith(source), first
    for detail in details:
        assert detail in first["secondary"], (detail, first)
    assert popup.visible("#contact-list") and popup.exists("#contact-manual")
    expected_status = "Found 1 contact" if count == 1 else f"Found {count} contacts"
    assert popup.text("#status").startswith(expected_status)


def test_spa_markup_added_after_load(driver, devtools, configured, pages):  # noqa: F811
    driver.get(pages.url("spa.html"))  # renders the candidate 1 s after load
    wait_until(
        lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "yes",
        timeout=5,
        message="the SPA did not render its candidate",
    )
    assert driver.current_url.endswith("spa.html?candidate=5150")
    popup = open_popup(driver, devtools)
    assert form(popup) == {
        "name": "Barbara Liskov",
        "email": "barbara@example.edu",
        "summary": "Interview: Principal Engineer",
        "duration": "50",
    }
    assert "ref. candidate-5150" in listed(popup)[0]["secondary"]


def test_spa_markup_found_on_the_next_click(driver, devtools, configured, pages):  # noqa: F811
    driver.get(pages.url("spa.html?delay=never"))
    popup = open_popup(driver, devtools)
    assert listed(popup) == []
    assert not popup.visible("#contact-list")
    assert "No contact found" in popup.text("#status")
    close_popup(devtools, popup)

    driver.find_element(By.ID, "load-candidate").click()  # a client-side route change
    wait_until(lambda: driver.find_element(By.ID, "candidate-name").text == "Barbara Liskov")
    popup = open_popup(driver, devtools)
    assert [c["primary"] for c in listed(popup)] == ["Barbara Liskov <barbara@example.edu>"]
    assert popup.value("#name") == "Barbara Liskov"


def test_three_contacts_choose_the_second(driver, devtools, configured, pages):  # noqa: F811
    driver.get(pages.url("three.html"))
    popup = open_popup(driver, devtools)
    contacts = listed(popup)
    assert [c["primary"] for c in contacts] == [
        "Ada Lovelace <ada@example.com>",
        "Alan Turing <alan@example.org>",
        "Katherine Johnson <katherine@example.net>",
    ]
    assert [c["checked"] for c in contacts] == [True, False, False]
    assert popup.text("#status").startswith("Found 3 contacts")
    assert popup.value("#name") == "Ada Lovelace"

    popup.click("#contact-1")
    assert popup.js("document.getElementById('contact-1').checked") is True
    assert form(popup) == {
        "name": "Alan Turing",
        "email": "alan@example.org",
        "summary": "Interview: Research Scientist",
        "duration": "60",
    }
    url = create_link(popup)

    driver.get(url)
    body = body_text(driver)
    assert "Hi Alan," in body and "Ada" not in body and "Katherine" not in body
    assert "Interview: Research Scientist" in body and "60 minutes" in body
    assert driver.find_element(By.ID, "name").get_attribute("value") == "Alan Turing"
    assert driver.find_element(By.ID, "email").get_attribute("value") == "alan@example.org"


def test_no_contact_type_one_in(driver, devtools, configured, pages):  # noqa: F811
    driver.get(pages.url("none.html"))
    popup = open_popup(driver, devtools)
    assert listed(popup) == []
    assert not popup.visible("#contact-list")
    assert "Type the name and e-mail in." in popup.text("#status")
    assert form(popup) == {"name": "", "email": "", "summary": "Meeting", "duration": "30"}

    popup.fill("#name", "Rosalind Franklin")
    popup.fill("#email", "rosalind@example.ac.uk")
    popup.fill("#summary", "Coffee chat")
    url = create_link(popup)

    driver.get(url)
    body = body_text(driver)
    assert "Hi Rosalind," in body and "Coffee chat" in body and "30 minutes" in body
    assert driver.find_element(By.ID, "email").get_attribute("value") == "rosalind@example.ac.uk"


def test_xss_payload_stays_text(driver, devtools, configured, pages):  # noqa: F811
    driver.get(pages.url("xss.html"))
    host_title = driver.title
    assert driver.find_element(By.ID, "candidate-name").text == XSS_NAME  # the host escapes too

    popup = open_popup(driver, devtools)
    contacts = listed(popup)
    assert len(contacts) == 1
    assert contacts[0]["primary"] == f"{XSS_NAME} <mallory@example.net>"
    assert XSS_ORG in contacts[0]["secondary"]
    assert "<img" in popup.text("#contact-list")
    assert form(popup) == {
        "name": XSS_NAME,
        "email": "mallory@example.net",
        "summary": XSS_SUMMARY,
        "duration": "30",
    }
    # Nothing from the page became an element in the popup.
    assert popup.js(STRAY_ELEMENTS) == 0
    assert popup.js("document.querySelectorAll('#contact-list *').length") > 0
    assert popup.js("[...document.querySelectorAll('#contact-list *')].every(e =>"
                    " ['DIV', 'INPUT', 'LABEL', 'SPAN'].includes(e.tagName))")  # fmt: skip
    url = create_link(popup)
    assert popup.js(STRAY_ELEMENTS) == 0
    time.sleep(0.5)  # an onerror would have fired by now
    assert popup.js("document.title") != "pwned"
    assert driver.title == host_title

    driver.get(url)
    wait_until(lambda: driver.execute_script("return document.readyState") == "complete")
    time.sleep(0.5)
    assert no_alert(driver)
    assert driver.title != "pwned"
    assert "&lt;img" in driver.page_source
    assert driver.execute_script("return document.querySelectorAll('img, svg').length") == 0
    body = body_text(driver)
    assert "Hi," in body  # a first "word" that is markup is not used as a name
    assert XSS_SUMMARY in body
    assert driver.find_element(By.ID, "name").get_attribute("value") == XSS_NAME


def test_contacts_in_shadow_roots_and_frames(driver, devtools, configured, pages):  # noqa: F811
    """Open shadow roots (a web component's and a declarative one) and a same-origin frame
    are searched; a closed shadow root and a cross-origin frame are not."""
    driver.get(pages.url("components.html"))
    wait_until(
        lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "yes",
        message="the component page did not finish loading its frames",
    )
    popup = open_popup(driver, devtools)
    assert [c["primary"] for c in listed(popup)] == [
        "Ada Lovelace <ada@example.com>",  # native markup in an open shadow root
        "Katherine Johnson <katherine@example.net>",  # microdata in declarative shadow DOM
        "Grace Hopper <grace@example.com>",  # h-card in a same-origin frame
    ]
    assert "Closed Person" not in popup.text("#contact-list")
    assert "Cross Origin" not in popup.text("#contact-list")
    assert popup.text("#status") == (
        "Found 3 contacts on this page: choose one. 1 frame from another site can't be read."
    )
    assert form(popup) == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "summary": "Renewal call",
        "duration": "25",
    }
