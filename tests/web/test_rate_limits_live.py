"""Rate limits that hold on the real server (`schedlink serve`, 2 gunicorn workers): counters
shared by the workers (the database on SQLite and PostgreSQL, or Redis), one bucket per client
behind a trusted proxy, and wrong passwords throttled per account and address, and per account
from every address, without letting a stranger lock the owner out."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from live_server import LiveServer, create_host_directly, fresh_pg_database, pg_unreachable_reason

TIMEOUT = (5, 60)
REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}".splitlines()[0]
    return None


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "redis"],
)
def server(request, tmp_path_factory):
    workdir = tmp_path_factory.mktemp(f"limits-{request.param}")
    env = {
        "SCHEDLINK_TRUSTED_PROXIES": "127.0.0.1",
        "SCHEDLINK_RATELIMIT_LOGIN": "10/minute",
        "SCHEDLINK_RATELIMIT_LOGIN_ACCOUNT": "5/minute",
        "SCHEDLINK_RATELIMIT_LOGIN_ACCOUNT_FAILURES": "8/minute",
        # Several test runs may share one Redis: each server counts under its own prefix.
        "SCHEDLINK_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    with contextlib.ExitStack() as stack:
        url = f"sqlite:///{workdir / 'schedlink.db'}"
        if request.param == "postgresql":
            if reason := pg_unreachable_reason():
                pytest.skip(reason)
            url = stack.enter_context(fresh_pg_database())
        if request.param == "redis":
            if reason := _redis_reason():
                pytest.skip(reason)
            env["SCHEDLINK_RATELIMIT_STORAGE_URI"] = REDIS_URL
        live = LiveServer(url, workdir, workers=2, extra_env=env)
        live.cli("create-user", "victim@example.com", "--name", "V", "--timezone", "UTC",
                 stdin="a long enough password\n")  # fmt: skip
        stack.callback(live.stop)
        live.start()
        yield live


def _bad_logins(
    server: LiveServer, count: int, email=None, client_ip=None, password="wrong password!",
    parallel=8,
) -> list[int]:  # fmt: skip
    """`count` sign-ins (`parallel` at once), spread over both workers; their statuses.
    `email`/`client_ip` may be callables of the attempt number."""
    with requests.Session() as session:
        page = session.get(f"{server.url}/login", timeout=TIMEOUT).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

        def attempt(i: int) -> int:
            headers = {"Connection": "close"}
            if client_ip is not None:
                headers["X-Forwarded-For"] = client_ip(i) if callable(client_ip) else client_ip
            address = email(i) if callable(email) else email
            data = {"csrf_token": token, "email": address, "password": password}
            response = requests.post(
                f"{server.url}/login", data=data, headers=headers,
                cookies=session.cookies, timeout=TIMEOUT, allow_redirects=False,
            )  # fmt: skip
            return response.status_code

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            return list(pool.map(attempt, range(count)))


def _fresh_ip() -> str:
    n = uuid.uuid4().int
    return f"198.51.{n % 250}.{(n >> 8) % 250 + 1}"


def test_per_address_limit_holds_across_workers(server):
    ip = _fresh_ip()
    statuses = _bad_logins(
        server, 20, email=lambda i: f"u{i}-{uuid.uuid4().hex[:6]}@example.com", client_ip=ip
    )
    assert sorted(statuses) == [401] * 10 + [429] * 10, statuses
    # Another client behind the same proxy has its own bucket.
    assert _bad_logins(server, 1, email="someone@example.com", client_ip=_fresh_ip()) == [401]
    # A client cannot pick its bucket: entries left of the proxy's own are the client's to
    # write, the right-most untrusted one is who connected.
    spoofed = _bad_logins(server, 3, email="x@example.com", client_ip=f"{_fresh_ip()}, {ip}")
    assert spoofed == [429] * 3


def test_per_account_failures_hold_but_never_lock_the_owner_out(server):
    spelled = lambda i: "Victim@Example.com" if i % 2 else "victim@example.com"  # noqa: E731
    owner_password = "a long enough password"
    stranger = _fresh_ip()
    # One after the other: failures are tested before the password check and counted after.
    statuses = _bad_logins(server, 7, email=spelled, client_ip=stranger, parallel=1)
    assert statuses == [401] * 5 + [429] * 2, statuses
    right_from_stranger = _bad_logins(
        server, 1, email="victim@example.com", client_ip=stranger, password=owner_password
    )
    assert right_from_stranger == [429], "the stranger's address stays throttled"
    owner = _bad_logins(
        server, 1, email="victim@example.com", client_ip=_fresh_ip(), password=owner_password
    )
    assert owner == [303], "five failures elsewhere do not lock the owner out"

    # Past the account-wide failure limit (8) addresses that failed are refused; one that
    # has not may try once, and the owner's correct password still signs in.
    other = _fresh_ip()
    assert _bad_logins(server, 3, email=spelled, client_ip=other, parallel=1) == [401] * 3
    assert _bad_logins(server, 1, email="victim@example.com", client_ip=other) == [429]
    fresh = _fresh_ip()
    assert _bad_logins(server, 2, email="victim@example.com", client_ip=fresh, parallel=1) == [
        401,
        429,
    ]
    owner = _bad_logins(
        server, 1, email="victim@example.com", client_ip=_fresh_ip(), password=owner_password
    )
    assert owner == [303]
    assert "Traceback" not in server.log_text()


def test_sign_in_still_works_for_other_accounts(server):
    host = create_host_directly(server.database_url, f"ok-{uuid.uuid4().hex[:6]}@example.com")
    with requests.Session() as session:
        page = session.get(f"{server.url}/login", timeout=TIMEOUT).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = session.post(
            f"{server.url}/login",
            data={"csrf_token": token, "email": host.email, "password": "a long enough password"},
            headers={"X-Forwarded-For": _fresh_ip()},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    assert response.status_code == 303


# --- tokens out of the access log --------------------------------------------------------------


def test_access_log_shows_no_token(server):
    host = create_host_directly(server.database_url, f"log-{uuid.uuid4().hex[:6]}@example.com")
    created = requests.post(
        f"{server.url}/v1/scheduling_links",
        json={"contact": {"name": "Ada", "email": "ada@example.com"}},
        headers=host.headers,
        timeout=TIMEOUT,
    )
    url = created.json()["scheduling_link"]["url"]
    token = url.rsplit("/", 1)[1]
    before = server.log_size()
    assert requests.get(url, timeout=TIMEOUT).status_code == 200
    for path in (f"/booking/cancel/{token}", f"/booking/reschedule/{token}?x=1",
                 f"/booked/{token}/invite.ics", f"/B/{token}"):  # fmt: skip
        requests.get(server.url + path, headers={"Referer": url}, timeout=TIMEOUT)
    deadline = time.monotonic() + 10
    while server.log_text().count("[redacted]") < 5 and time.monotonic() < deadline:
        time.sleep(0.1)  # the access log is written after the response
    with open(server.log_path, "rb") as fh:
        fh.seek(before)
        written = fh.read().decode(errors="replace")
    assert "GET /b/[redacted] HTTP/1.1" in written
    assert "/booking/cancel/[redacted]" in written and "/booked/[redacted]/invite.ics" in written
    assert token not in written and token.split(".")[-1] not in written
