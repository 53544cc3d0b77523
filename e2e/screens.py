"""Screenshots from the e2e run, for people to look at (and for docs/images/): each one is
what the browser shows in its viewport at that moment. Saved under e2e/screenshots/ (or
$SCHEDLINK_SCREENSHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

from browser import EXTENSION_ID, wait_until

DIR = Path(os.environ.get("SCHEDLINK_SCREENSHOTS") or Path(__file__).parent / "screenshots")

DESKTOP = (1280, 900)
PHONE = (390, 844)
# Chrome shows a popup at its content's size, up to 600 px high; beyond that it scrolls.
POPUP_HEIGHT = 600


def set_viewport(driver, size: tuple[int, int]) -> None:
    """The page's viewport (not the window) at exactly this size, as on the device."""
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def shot(driver, name: str) -> Path:
    DIR.mkdir(parents=True, exist_ok=True)
    path = DIR / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def popup_shot(driver, popup, name: str, scroll_to: str | None = None) -> None:
    """What the popup shows, at Chrome's popup size: headless Chromium keeps the popup's
    first size, so the same popup page is opened for the same tab (?tab=) in a 360×600
    viewport, given the popup's state (its form and result), and photographed — scrolled
    down to `scroll_to` (a selector) when what matters is below the first 600 px."""
    state = popup.js(
        "JSON.stringify({html: document.querySelector('main').innerHTML,"
        " values: Array.from(document.querySelectorAll('input, select'))"
        "   .map(i => [i.id, i.value, i.checked]),"
        " body: Object.assign({}, document.body.dataset)})"
    )
    tab_id = popup.js(
        "chrome.tabs.query({active: true, lastFocusedWindow: true}).then(t => t[0] && t[0].id)"
    )
    main = driver.current_window_handle
    driver.switch_to.new_window("tab")
    try:
        set_viewport(driver, (360, POPUP_HEIGHT))
        driver.get(f"chrome-extension://{EXTENSION_ID}/popup/popup.html?tab={tab_id}")
        wait_until(
            lambda: driver.execute_script("return document.body.dataset.detect") != "pending"
        )
        driver.execute_script(
            "const s = JSON.parse(arguments[0]);"
            "document.querySelector('main').innerHTML = s.html;"
            "for (const [id, value, checked] of s.values) { const e = document.getElementById(id);"
            " if (e) { e.value = value; e.checked = checked; } }"
            "Object.assign(document.body.dataset, s.body); document.activeElement.blur();"
            "const at = arguments[1] && document.querySelector(arguments[1]);"
            "if (at) at.scrollIntoView({block: 'start'});",
            state,
            scroll_to,
        )
        DIR.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(DIR / f"{name}.png"))
    finally:
        driver.close()
        driver.switch_to.window(main)
