"""e2e fixtures: the real production server (`schedlink serve`) on loopback with a SQLite
database, accounts made with the real CLI, and real Chromium with the unpacked extension."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import EXTENSION_ID, DevTools, start_chromium, wait_until
from live_server import LiveServer


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class Backend:
    url: str
    api_key: str


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
            "SCHEDLINK_CORS_ORIGINS": f"chrome-extension://{EXTENSION_ID}",
            # Local test servers (calendar feeds) live on loopback.
            "SCHEDLINK_OUTBOUND_ALLOW": "127.0.0.1",
        },
    )
    host = live.create_host_with_cli("recruiter@example.com")
    live.start()
    yield Backend(live.url, host.api_key)
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
    wait_until(lambda: result().startswith("Saved"), message=f"not saved: {result()!r}")
    driver.find_element("id", "test").click()
    wait_until(lambda: "Grace Hopper" in result(), message=f"Test connection said {result()!r}")
    return server
