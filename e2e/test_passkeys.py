"""Passkeys in real Chromium through Selenium's virtual authenticator, against the real
server: add one from the Security section, then sign in with password + passkey, and confirm
a sudo prompt with it. WebAuthn needs a domain (not an IP) as its RP id, so this server's
public URL is http://localhost:PORT (a secure context for browsers)."""

from __future__ import annotations

import urllib.parse

import pytest
from browser import wait_until
from live_server import LiveServer
from screens import DESKTOP, PHONE, no_sideways_scroll, set_viewport, shot
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import (
    Protocol,
    Transport,
    VirtualAuthenticatorOptions,
)
from test_accessibility import axe_source, violations  # noqa: F401 (fixture)

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def passkey_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("passkeys")
    live = LiveServer(f"sqlite:///{tmp / 'schedlink.db'}", tmp, workers=1)
    live.url = f"http://localhost:{live.port}"
    live.env["SCHEDLINK_BASE_URL"] = live.url
    host = live.create_host_with_cli("passkey@example.com")
    live.start()
    yield live, host
    live.stop()


def _body(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def _sign_in(driver, url: str, email: str) -> None:
    driver.get(f"{url}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def _status_boxes_unseen(driver) -> bool:
    """The passkey blocks' empty live regions take no room and draw no (pink) box (read in
    one script, so a re-rendered block can't leave a stale reference)."""
    return driver.execute_script(
        "const boxes = [...document.querySelectorAll('.passkey [data-status]')];"
        " return boxes.length > 0 && boxes.every((b) => b.textContent === ''"
        "   && b.getAttribute('role') === 'alert' && b.getBoundingClientRect().height === 0"
        "   && getComputedStyle(b).paddingTop === '0px');"
    )


def _expire_sudo(live) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import create_engine, text

    engine = create_engine(live.database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE user_sessions SET reauth_at = :t"),
            {"t": (datetime.now(UTC) - timedelta(minutes=16)).replace(tzinfo=None)},
        )
    engine.dispose()


def test_passkey_as_second_factor(driver, passkey_server, axe_source):  # noqa: F811
    live, host = passkey_server
    driver.add_virtual_authenticator(
        VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2,
            transport=Transport.INTERNAL,
            has_resident_key=True,
            has_user_verification=True,
            is_user_verified=True,
        )
    )
    _sign_in(driver, live.url, host.email)
    wait_until(lambda: driver.current_url == f"{live.url}/")

    driver.get(f"{live.url}/profile/security")
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".passkey").get_attribute("data-ready"))
    assert _status_boxes_unseen(driver)
    assert not driver.find_elements(By.ID, "passkeys-unavailable")
    name = driver.find_element(By.ID, "passkey-name")
    name.clear()
    name.send_keys("Laptop <b>key</b>")
    driver.find_element(By.ID, "add-passkey").click()
    wait_until(lambda: "added" in _body(driver), timeout=15,
               message=lambda: f"passkey not added: {_body(driver)[:500]}")  # fmt: skip
    assert driver.find_elements(By.CSS_SELECTOR, "tr[data-passkey]")
    assert "Laptop <b>key</b>" in _body(driver)  # shown as text, not markup
    assert len(driver.get_credentials()) == 1

    # Sign out; the password alone now leads to the second step, which the passkey passes.
    driver.find_element(By.CSS_SELECTOR, "nav form button").click()
    wait_until(lambda: driver.current_url.startswith(f"{live.url}/login"))
    _sign_in(driver, live.url, host.email)
    wait_until(lambda: driver.current_url == f"{live.url}/login/verify")
    driver.get(f"{live.url}/")
    assert driver.current_url.startswith(f"{live.url}/login"), "not signed in yet"
    _sign_in(driver, live.url, host.email)
    wait_until(lambda: driver.current_url == f"{live.url}/login/verify")
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".passkey").get_attribute("data-ready"))
    assert not violations(driver, axe_source)
    assert _status_boxes_unseen(driver)
    driver.find_element(By.ID, "use-passkey").click()
    wait_until(lambda: driver.current_url == f"{live.url}/", timeout=15,
               message=lambda: f"passkey sign-in failed: {_body(driver)[:500]}")  # fmt: skip
    assert "Upcoming bookings" in _body(driver)

    # Sudo mode after 15 minutes: the password plus the passkey confirm it's you.
    _expire_sudo(live)
    driver.get(f"{live.url}/profile/api-keys")
    driver.find_element(By.CSS_SELECTOR, "form[action$='/profile/api-keys'] button").click()
    wait_until(lambda: "/profile/confirm" in driver.current_url)
    assert not violations(driver, axe_source)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".passkey").get_attribute("data-ready"))
    assert _status_boxes_unseen(driver)
    driver.find_element(By.ID, "use-passkey").click()
    wait_until(lambda: driver.current_url == f"{live.url}/profile/api-keys", timeout=15,
               message=lambda: f"sudo with passkey failed: {_body(driver)[:500]}")  # fmt: skip
    driver.find_element(By.CSS_SELECTOR, "form[action$='/profile/api-keys'] button").click()
    wait_until(lambda: driver.find_elements(By.ID, "new-api-key"))
    assert driver.find_element(By.ID, "new-api-key").text.startswith("slk_")
    for path in ("/profile", "/profile/security"):
        driver.get(f"{live.url}{path}")
        assert not violations(driver, axe_source), path

    # New recovery codes (sudo is fresh): Copy, Download (.txt) and Print.
    driver.find_element(By.CSS_SELECTOR, "form[action$='/recovery-codes'] button").click()
    wait_until(lambda: driver.find_elements(By.ID, "recovery-codes"))
    codes = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#recovery-codes code")]
    assert len(codes) == 10
    assert not violations(driver, axe_source)
    shot(driver, "recovery-codes-desktop")
    driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": live.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
    })  # fmt: skip
    driver.find_element(By.ID, "copy-codes").click()
    wait_until(lambda: driver.find_element(By.ID, "copy-codes").text == "Copied")
    copied = driver.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], (e) => arguments[0](String(e)))"
    )
    assert copied.split()[-10:] == codes, copied
    download = driver.find_element(By.ID, "download-codes")
    assert download.get_attribute("download").endswith(".txt")
    href = download.get_attribute("href")
    assert href.startswith("data:text/plain;charset=utf-8,")
    text = urllib.parse.unquote(href.partition(",")[2])
    assert text.splitlines()[-10:] == codes
    driver.execute_script("window.print = () => { document.body.dataset.printed = 'yes'; }")
    driver.find_element(By.ID, "print-codes").click()
    assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-printed") == "yes"
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not driver.find_element(By.CSS_SELECTOR, "header.site").is_displayed()
    assert not driver.find_element(By.ID, "copy-codes").is_displayed()
    assert driver.find_element(By.ID, "recovery-codes").is_displayed()
    shot(driver, "recovery-codes-print")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    set_viewport(driver, PHONE)
    assert no_sideways_scroll(driver)
    shot(driver, "recovery-codes-phone")
    set_viewport(driver, DESKTOP)

    # A passkey that is not registered to this account is refused.
    driver.remove_all_credentials()
    driver.find_element(By.CSS_SELECTOR, "nav form button").click()
    _sign_in(driver, live.url, host.email)
    wait_until(lambda: driver.current_url == f"{live.url}/login/verify")
    wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".passkey").get_attribute("data-ready"))
    driver.find_element(By.ID, "use-passkey").click()
    status = lambda: driver.find_element(By.CSS_SELECTOR, "[data-status]").text  # noqa: E731
    wait_until(lambda: status(), timeout=15)
    assert not _status_boxes_unseen(driver), "a filled message shows"
    assert driver.current_url == f"{live.url}/login/verify"
