"""Sign-up and "Connect this browser" from the extension's options page, in real Chromium
against the real server (`schedlink serve` with its job worker, SCHEDLINK_SIGNUP=open) and a
real SMTP server: "Create an account" opens /signup, the verification e-mail's link activates
the account, "Connect this browser" opens the approval page showing the options page's code,
and the extension ends up with its own API key, listed under API keys — nothing copied."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from browser import EXTENSION_ID, wait_until
from live_server import LiveServer
from mail_server import Inbox, free_port
from test_accessibility import AXE, describe, violations

OPTIONS = f"chrome-extension://{EXTENSION_ID}/options/options.html"
PASSWORD = "purple elephant marmalade"


@pytest.fixture(scope="module")
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory, inbox):
    tmp = tmp_path_factory.mktemp("signup-server")
    live = LiveServer(
        f"sqlite:///{tmp / 'schedlink.db'}",
        tmp,
        workers=1,
        job_worker=True,
        extra_env={
            "SCHEDLINK_SIGNUP": "open",
            "SCHEDLINK_SMTP_HOST": "127.0.0.1",
            "SCHEDLINK_SMTP_PORT": str(inbox.port),
            "SCHEDLINK_CORS_ORIGINS": f"chrome-extension://{EXTENSION_ID}",
        },
    )
    live.start()
    yield live
    live.stop()


def _switch_to_new_tab(driver, known: set[str]) -> str:
    handle = wait_until(lambda: next(iter(set(driver.window_handles) - known), None))
    driver.switch_to.window(handle)
    return handle


def _text(driver, element_id: str) -> str:
    return driver.find_element("id", element_id).text


def _accessible(driver) -> None:
    """No serious or critical axe-core violations on the page shown."""
    if AXE.exists():  # e2e/node_modules; test_accessibility says how to install it
        found = violations(driver, AXE.read_text())
        assert not found, f"{driver.current_url}:\n{describe(found)}"


def test_sign_up_and_connect_from_the_options_page(driver, open_server, inbox):
    server = open_server
    driver.get(OPTIONS)
    wait_until(lambda: driver.find_element("tag name", "body").get_attribute("data-ready") == "yes")
    _accessible(driver)
    options_tab = driver.current_window_handle
    field = driver.find_element("id", "backend-url")
    field.clear()
    field.send_keys(server.url)

    # "Create an account" opens the server's sign-up page in a new tab.
    driver.find_element("id", "signup").click()
    _switch_to_new_tab(driver, {options_tab})
    wait_until(lambda: driver.current_url == f"{server.url}/signup")
    _accessible(driver)
    driver.find_element("id", "name").send_keys("Dana Scully")
    driver.find_element("id", "email").send_keys("dana@example.com")
    zone = driver.find_element("id", "tzid")
    zone.clear()
    zone.send_keys("Europe/Berlin")
    driver.find_element("id", "password").send_keys(PASSWORD)
    driver.find_element("id", "password_confirm").send_keys(PASSWORD)
    driver.find_element("css selector", "#signup button[type=submit]").click()
    wait_until(lambda: "Check your e-mail" in driver.page_source)

    # The verification e-mail, through the real SMTP server; its link activates the account.
    mail = wait_until(
        lambda: next((m for rcpt, m in inbox.messages if rcpt == ["dana@example.com"]), None),
        timeout=30,
        message="no verification e-mail arrived",
    )
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/signup/verify/\S+)", text).group(1)
    driver.get(link)
    _accessible(driver)
    driver.find_element("id", "password").send_keys(PASSWORD)
    driver.find_element("css selector", "#verify button[type=submit]").click()
    wait_until(lambda: driver.find_element("id", "verify").get_attribute("data-state") == "done")
    signup_tab = driver.current_window_handle

    # "Connect this browser": the approval page shows the options page's code.
    driver.switch_to.window(options_tab)
    driver.find_element("id", "connect").click()
    _switch_to_new_tab(driver, {options_tab, signup_tab})
    wait_until(lambda: "/connect/bc_" in driver.current_url)
    page_code = wait_until(lambda: _text(driver, "user-code"))
    _accessible(driver)
    assert "Chrome on" in driver.find_element("id", "connect").text
    driver.find_element("css selector", "#connect button[type=submit]").click()
    wait_until(lambda: driver.find_element("id", "connect").get_attribute("data-state") == "done")

    driver.switch_to.window(options_tab)
    assert _text(driver, "connect-code") == page_code
    wait_until(
        lambda: "Connected as Dana Scully" in _text(driver, "account-result"),
        timeout=20,
        message=lambda: f"options said {_text(driver, 'account-result')!r}",
    )
    driver.find_element("id", "test").click()
    wait_until(lambda: "Connected as Dana Scully" in _text(driver, "result"))

    # The key is listed (and revocable) under API keys, labelled with the browser.
    driver.switch_to.window(signup_tab)
    driver.get(f"{server.url}/profile/api-keys")
    assert re.search(r"Chrome on \w+ \(connected browser\)", driver.page_source)
    driver.get(f"{server.url}/profile/team")
    _accessible(driver)
    driver.find_element("id", "org-name").send_keys("Scully & Mulder")
    driver.find_element("css selector", "#team button[type=submit]").click()
    wait_until(lambda: driver.find_elements("id", "invitations"))
    _accessible(driver)
