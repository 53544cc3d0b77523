"""Screenshots from the e2e run, for people to look at (and for docs/images/): each one is
what the browser shows in its viewport at that moment. Saved under e2e/screenshots/ (or
$SCHEDLINK_SCREENSHOTS)."""

from __future__ import annotations

import os
from pathlib import Path

DIR = Path(os.environ.get("SCHEDLINK_SCREENSHOTS") or Path(__file__).parent / "screenshots")

DESKTOP = (1280, 900)
PHONE = (390, 844)


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
