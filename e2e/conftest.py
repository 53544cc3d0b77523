"""e2e fixtures: the real production server (`schedlink serve`) on loopback with a SQLite
database, accounts made with the real CLI, and real Chromium with the unpacked extension."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from browser import EXTENSION_ID, DevTools, start_chromium, wait_until

ROOT = Path(__file__).resolve().parent.parent
SCHEDLINK = [sys.executable, "-m", "backend.cli"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base_url: str, env: dict, api_key: str, process):
        self.base_url, self.env, self.api_key, self.process = base_url, env, api_key, process


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCHEDLINK_INSTANCE_PATH": str(tmp / "instance"),
        "SCHEDLINK_DATABASE_URL": f"sqlite:///{tmp / 'schedlink.db'}",
        "SCHEDLINK_BASE_URL": base_url,
        "SCHEDLINK_DEMO": "true",
        "SCHEDLINK_CORS_ORIGINS": f"chrome-extension://{EXTENSION_ID}",
    }

    def run(*args: str, stdin: str = "") -> str:
        return subprocess.run(
            [*SCHEDLINK, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            check=True,
        ).stdout

    sub = run(
        "create-user",
        "recruiter@example.com",
        "--name",
        "Grace Hopper",
        "--timezone",
        "Europe/London",
        stdin="a long enough password\n",
    ).strip()
    assert sub.startswith("acc_")
    api_key = run("create-api-key", "recruiter@example.com").strip().splitlines()[-1]
    log = open(tmp / "server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [*SCHEDLINK, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def healthy():
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return process.poll() is not None and pytest.fail(
                "schedlink serve exited:\n" + (tmp / "server.log").read_text()
            )

    wait_until(healthy, timeout=30, interval=0.2, message="server did not start")
    yield Server(base_url, env, api_key, process)
    process.terminate()
    process.wait(timeout=20)
    log.close()


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
    url.send_keys(server.base_url)
    driver.find_element("id", "api-key").send_keys(server.api_key)
    driver.find_element("id", "save").click()
    result = lambda: driver.find_element("id", "result").text  # noqa: E731
    wait_until(lambda: result().startswith("Saved"), message=f"not saved: {result()!r}")
    driver.find_element("id", "test").click()
    wait_until(lambda: "Grace Hopper" in result(), message=f"Test connection said {result()!r}")
    return server
