"""Real Chromium with the unpacked extension, driven by Selenium, plus a browser-level
DevTools connection for what WebDriver can't do: clicking the toolbar button.

`Extensions.triggerAction` runs the extension's action on a tab exactly as a toolbar click
does (the popup opens and the activeTab grant is given); it needs
--enable-unsafe-extension-debugging. Headless Chromium shows the popup as its own target,
which we drive through the DevTools protocol (Runtime.evaluate)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import websocket
from journey import PopupPage
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service

EXTENSION_DIR = Path(__file__).resolve().parent.parent / "extension"
EXTENSION_ID = (EXTENSION_DIR / "EXTENSION_ID").read_text().strip()


def chromium_options(user_data_dir: Path) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",  # required as root
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={user_data_dir}",
        f"--load-extension={EXTENSION_DIR}",
        "--enable-unsafe-extension-debugging",
    ):
        options.add_argument(arg)
    return options


class DevTools:
    """A minimal browser-level CDP client (flattened sessions)."""

    def __init__(self, driver: webdriver.Chrome):
        address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/version", timeout=10) as response:
            url = json.load(response)["webSocketDebuggerUrl"]
        self._ws = websocket.create_connection(url, suppress_origin=True, timeout=30)
        self._next = 0

    def send(self, method: str, params: dict | None = None, session: str | None = None):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def targets(self) -> list[dict]:
        return self.send("Target.getTargets", {"filter": [{}]})["targetInfos"]

    def close(self) -> None:
        self._ws.close()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, message=""):
    """Poll until predicate() is truthy; a page mid-navigation (element not there yet or
    replaced) counts as not yet. `message` may be a function, called only on timeout (what
    it reads from the page is then what the page shows, not what it showed before)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except (NoSuchElementException, StaleElementReferenceException):
            value = None
        except WebDriverException as exc:
            # Chromium's wording for a node of the document a navigation just replaced.
            if "does not belong to the document" not in str(exc):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            said = message() if callable(message) else message
            raise TimeoutError(said or f"condition not met within {timeout}s")
        time.sleep(interval)


class Popup(PopupPage):
    """The extension's popup, opened by a (simulated) toolbar click, driven over CDP."""

    def __init__(self, devtools: DevTools, target_id: str):
        self.devtools = devtools
        self.target_id = target_id
        self.session = devtools.send(
            "Target.attachToTarget", {"targetId": target_id, "flatten": True}
        )["sessionId"]
        wait_until(lambda: self.js("document.readyState") == "complete")

    def js(self, expression: str):
        result = self.devtools.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            self.session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text", "script error"))
        return result["result"].get("value")


def trigger_action(driver: webdriver.Chrome, devtools: DevTools) -> Popup:
    """Click the toolbar button on the current tab; returns the opened popup."""
    current = driver.current_url
    tabs = [t for t in devtools.targets() if t["type"] == "tab" and t["url"] == current]
    assert tabs, f"no tab target for {current}"
    before = {t["targetId"] for t in devtools.targets()}
    devtools.send("Extensions.triggerAction", {"id": EXTENSION_ID, "targetId": tabs[0]["targetId"]})
    popup = wait_until(
        lambda: next(
            (
                t
                for t in devtools.targets()
                if t["type"] == "page"
                and t["targetId"] not in before
                and t["url"].startswith(f"chrome-extension://{EXTENSION_ID}/")
            ),
            None,
        ),
        message="the popup did not open",
    )
    return Popup(devtools, popup["targetId"])


def start_chromium(user_data_dir: Path) -> webdriver.Chrome:
    return webdriver.Chrome(
        options=chromium_options(user_data_dir), service=Service("/usr/bin/chromedriver")
    )
