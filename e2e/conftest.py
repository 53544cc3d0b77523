"""e2e fixtures: the real production server (`schedlink serve`) on loopback with a SQLite
database, accounts made with the real CLI, real Chromium with the unpacked extension, and real
Firefox (firefox-esr over Marionette) with the Firefox package as a temporary add-on."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser import EXTENSION_ID, DevTools, start_chromium, wait_until
from firefox import build_package, firefox_missing_reason, start_firefox
from live_server import LiveServer

# The Firefox add-on's moz-extension:// origin for this session: pre-set in each Firefox
# profile (firefox.Firefox) and allowed by the server's CORS list, as an administrator adds
# a Firefox installation's origin to SCHEDLINK_CORS_ORIGINS.
FIREFOX_EXTENSION_UUID = str(uuid.uuid4())


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class Backend:
    url: str
    api_key: str
    # `schedlink …` on the server's database, as an operator runs it (more accounts).
    cli: Callable[..., str] | None = field(default=None, compare=False, repr=False)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`schedlink serve` with the demo pages and its job worker, on a fresh SQLite file; the
    host account and API key made with the real CLI."""
    tmp = tmp_path_factory.mktemp("server")
    live = LiveServer(
        f"sqlite:///{tmp / 'schedlink.db'}",
        tmp,
        workers=2,
        job_worker=True,
        extra_env={
            "SCHEDLINK_DEMO": "true",
            "SCHEDLINK_CORS_ORIGINS": (
                f"chrome-extension://{EXTENSION_ID},moz-extension://{FIREFOX_EXTENSION_UUID}"
            ),
            # Local test servers (calendar feeds) live on loopback.
            "SCHEDLINK_OUTBOUND_ALLOW": "127.0.0.1",
        },
    )
    host = live.create_host_with_cli("recruiter@example.com")
    live.start()
    yield Backend(live.url, host.api_key, live.cli)
    live.stop()


@pytest.fixture(scope="session")
def chromium_available():
    missing = [b for b in ("/usr/bin/chromium", "/usr/bin/chromedriver") if not Path(b).exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (scripts/test.sh installs them)")


@pytest.fixture
def driver(chromium_available, tmp_path):
    driver = start_chromium(tmp_path / "profile")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


@pytest.fixture
def devtools(driver):
    tools = DevTools(driver)
    yield tools
    tools.close()


@pytest.fixture
def configured(driver, server):
    """The extension's options filled in through its real options page."""
    driver.get(f"chrome-extension://{EXTENSION_ID}/options/options.html")
    # The page shows the stored settings asynchronously; type only after that.
    wait_until(lambda: driver.find_element("tag name", "body").get_attribute("data-ready") == "yes")
    url = driver.find_element("id", "backend-url")
    url.clear()
    url.send_keys(server.url)
    driver.find_element("id", "api-key").send_keys(server.api_key)
    driver.find_element("id", "save").click()
    result = lambda: driver.find_element("id", "result").text  # noqa: E731
    wait_until(lambda: result().startswith("Saved"), message=lambda: f"not saved: {result()!r}")
    assert "Connected as Grace Hopper" in result(), "Save checks the key at once"
    driver.find_element("id", "test").click()
    wait_until(
        lambda: "Grace Hopper" in result(), message=lambda: f"Test connection said {result()!r}"
    )
    return server


# --- Firefox -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def firefox_available():
    reason = firefox_missing_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def firefox_package(firefox_available, tmp_path_factory):
    """dist/schedlink-firefox.zip as `npm run package` (web-ext build) makes it."""
    return build_package(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def firefox(firefox_package, tmp_path_factory):
    """One headless Firefox per module with the add-on installed under the origin the
    server's CORS list allows."""
    browser = start_firefox(
        tmp_path_factory.mktemp("firefox") / "profile", firefox_package, FIREFOX_EXTENSION_UUID
    )
    yield browser
    browser.quit()
