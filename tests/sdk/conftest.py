"""One live `schedlink serve` for the SDK contract tests in this folder (pycronofy and the
Node `cronofy` package), on a SQLite file; each test makes its own host."""

from __future__ import annotations

import itertools

import pytest
from live_server import LiveServer, create_host_directly

PAGE_SIZE = 5  # small pages, so paging is exercised with a few events
_numbers = itertools.count()


@pytest.fixture(scope="package")
def live(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sdk-live")
    url = f"sqlite:///{workdir / 'schedlink.db'}"
    server = LiveServer(
        url, workdir, workers=1, quiet_access_log=True,
        extra_env={
            "SCHEDLINK_EVENTS_PAGE_SIZE": str(PAGE_SIZE),
            # the host app the SDK tests send consents back to (issue 19.4: listed origins only)
            "SCHEDLINK_REDIRECT_ORIGINS": "https://app.example",
        },
    )  # fmt: skip
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page_size() -> int:
    return PAGE_SIZE


@pytest.fixture
def sdk_host(live):
    return create_host_directly(
        live.database_url, f"sdk{next(_numbers)}@example.com", "Ada Lovelace", "Europe/London"
    )
