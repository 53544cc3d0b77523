"""What both browsers do the same way, written once: reading and driving the popup's page
through one `js` call, and the core journey — the popup creates a link for the contact on
the ATS demo page, the invitee books the first free time, the link is used up.

Selenium's WebDriver and Marionette both find elements by the same W3C strategy names
("tag name", "css selector", "id", "xpath"), so the journey takes either driver and the
function that opens a URL in it."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable

from marionette_driver.errors import MarionetteException
from selenium.common.exceptions import WebDriverException

TAG, CSS, ID, XPATH = "tag name", "css selector", "id", "xpath"


def _wait_until(predicate, timeout: float = 15.0, message: str = ""):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise TimeoutError(message or f"condition not met within {timeout}s")
        time.sleep(0.05)
    return value


def _body_text(driver) -> str:
    """The page's text, or "" while a navigation swaps the document (either driver raises its
    own stale-node error then)."""
    try:
        return driver.find_element(TAG, "body").text
    except (WebDriverException, MarionetteException):
        return ""


class PopupPage:
    """The popup's document, read and driven through `js` (one expression, its JSON value),
    which each browser's popup class provides."""

    def js(self, expression: str):
        raise NotImplementedError

    def exists(self, selector: str) -> bool:
        return bool(self.js(f"!!document.querySelector({json.dumps(selector)})"))

    def visible(self, selector: str) -> bool:
        return bool(
            self.js(
                f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                " return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0; })()"
            )
        )

    def text(self, selector: str) -> str:
        return self.js(
            f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''"
        )

    def value(self, selector: str) -> str:
        return self.js(f"(document.querySelector({json.dumps(selector)}) || {{}}).value ?? ''")

    def html(self) -> str:
        return self.js("document.documentElement.outerHTML")

    def fill(self, selector: str, value: str) -> None:
        self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            f" e.focus(); e.value = {json.dumps(value)};"
            " e.dispatchEvent(new Event('input', {bubbles: true}));"
            " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )

    def click(self, selector: str) -> None:
        self.js(f"document.querySelector({json.dumps(selector)}).click()")

    def wait_for(self, selector: str, timeout: float = 10.0) -> None:
        _wait_until(lambda: self.visible(selector), timeout, message=f"{selector} never shown")


def api_get(server, path: str) -> dict:
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Authorization": f"Bearer {server.api_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def popup_picks_hosts(popup: PopupPage, names: list[str], mode: str) -> None:
    """Under "More options", the host picker (shown to a member of an organization): `mode`
    "all" (everyone picked attends) or "one" (round robin), and the colleagues named ticked
    beside the user."""
    _wait_until(lambda: popup.js("document.body.dataset.team") != "pending")
    assert popup.js("document.body.dataset.team") == "yes", "no host picker"
    assert not popup.js("document.getElementById('more').open"), "closed: the common case"
    popup.click("#more > summary")
    assert popup.js("document.getElementById('more').open")
    popup.fill("#hosts-mode", mode)
    assert popup.visible("#host-list")
    for name in names:
        popup.js(
            "(() => { for (const l of document.querySelectorAll('#host-list label'))"
            f" if (l.textContent.includes({json.dumps(name)})) document.getElementById(l.htmlFor)"
            ".click(); })()"
        )
    ticked = popup.js("document.querySelectorAll('#host-list input:checked').length")
    assert ticked == len(names) + 1, "the user and the colleagues picked"


def popup_creates_the_candidates_link(popup: PopupPage, server) -> str:
    """On /demo/ats/candidates/4711 the popup is filled from the page's markup; the summary
    is edited and the link created. Returns its URL."""
    assert popup.value("#email") == "ada@example.com"
    assert popup.value("#name") == "Ada Lovelace"
    assert popup.value("#summary") == "Interview: Senior Engineer"
    assert popup.value("#duration") == "45"
    assert "candidate-4711" in popup.text("#contact-list")

    popup.fill("#summary", "Technical interview")
    popup.click("#create")
    _wait_until(lambda: popup.js("document.body.dataset.link") in ("created", "failed"))
    assert popup.js("document.body.dataset.link") == "created", popup.text("#error")
    url = popup.value("#link-url")
    assert url.startswith(f"{server.url}/b/")
    _wait_until(lambda: popup.visible("#qr"), message="no QR code shown")
    return url


def invitee_books_the_first_time(driver, go: Callable[[str], None], url: str, server) -> None:
    """The invitee opens the link (greeting, host, summary, length, times), books the first
    free time; opened again it is used up, and the API agrees."""
    go(url)
    body = driver.find_element(TAG, "body").text
    assert "Hi Ada," in body and "Grace Hopper" in body
    assert "Technical interview" in body and "45 minutes" in body
    slots = driver.find_elements(CSS, 'input[name="start"]')
    assert slots, "the host works Mon-Fri 09-17: there must be free slots"
    chosen = slots[0].get_attribute("value")
    slots[0].find_element(XPATH, "..").click()  # the slot's label, as a person clicks it
    assert slots[0].is_selected()
    driver.find_element(ID, "confirm").click()
    _wait_until(lambda: "You're booked" in _body_text(driver))
    assert driver.find_element(CSS, "#when time").get_attribute("datetime") == chosen

    go(url)
    assert "already been used" in driver.find_element(TAG, "body").text
    links = api_get(server, "/v1/scheduling_links")["scheduling_links"]
    link = next(item for item in links if item["url"] == url)
    assert link["status"] == "completed" and link["uses"] == 1
    assert link["booking"]["start"] == chosen
    assert link["contact"]["reference"] == "candidate-4711"
