"""/metrics, JSON logs and request ids on the real server (`schedlink serve`, 2 gunicorn
workers and the job worker beside them): counts from every process in one scrape, the route
template and never the token, /metrics refused to addresses not allowed, request ids kept only
from a trusted proxy, and no booking token or API key in any log line."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
import requests
from live_server import LiveServer, page_fields, path_of

TIMEOUT = (5, 60)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("ops-live")
    live = LiveServer(
        f"sqlite:///{workdir / 'schedlink.db'}",
        workdir,
        workers=2,
        job_worker=True,
        extra_env={
            "SCHEDLINK_LOG_FORMAT": "json",
            # The test client is 127.0.0.1: trusted as a proxy, so X-Forwarded-For picks the
            # client address /metrics is judged by.
            "SCHEDLINK_TRUSTED_PROXIES": "127.0.0.1",
            "SCHEDLINK_METRICS_ALLOW": "127.0.0.1,10.9.0.0/16",
        },
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def booked(server):
    """A host (real CLI), a link (API), its page opened and booked twice (the second refused
    as the link is used up); returns (host, link url)."""
    host = server.create_host_with_cli(f"ops-{uuid.uuid4().hex[:6]}@example.com")
    made = requests.post(
        f"{server.url}/v1/scheduling_links",
        json={"contact": {"name": "Ada Lovelace", "email": "ada@example.com"}},
        headers=host.headers,
        timeout=TIMEOUT,
    )
    assert made.status_code == 201
    url = made.json()["scheduling_link"]["url"]
    with requests.Session() as browser:
        page = browser.get(f"{server.url}{path_of(url)}", timeout=TIMEOUT)
        fields = page_fields(page.text)
        form = {
            "form_token": fields["form_token"], "tz": "Europe/London",
            "start": fields["starts"][0], "name": "Ada Lovelace", "email": "ada@example.com",
        }  # fmt: skip
        first = browser.post(
            f"{server.url}{path_of(url)}", data=form, allow_redirects=False, timeout=TIMEOUT
        )
        assert first.status_code == 303
        again = browser.post(
            f"{server.url}{path_of(url)}", data=form, allow_redirects=False, timeout=TIMEOUT
        )
        assert again.status_code == 410
    availability = requests.post(
        f"{server.url}/v1/availability",
        json={
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 30},
            "query_periods": [{"start": fields["starts"][0], "end": fields["starts"][-1]}],
        },
        headers=host.headers,
        timeout=TIMEOUT,
    )
    assert availability.status_code == 200, availability.text
    return host, url


def _scrape(server, **headers) -> requests.Response:
    return requests.get(f"{server.url}/metrics", headers=headers, timeout=TIMEOUT)


def _value(text: str, name: str, **labels) -> float:
    """The sample `name{labels…}` (labels matched as a subset), summed over matches."""
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(match.group(4))
            found = True
    assert found, f"no sample {name}{labels} in:\n{text}"
    return total


def test_a_scrape_after_a_booking_shows_the_counts(server, booked):
    _host, url = booked
    text = _scrape(server).text
    assert _value(text, "schedlink_bookings_total", outcome="made") == 1
    assert _value(text, "schedlink_bookings_total", outcome="link_used") == 1
    assert _value(text, "schedlink_availability_queries_total", kind="api") == 1
    assert _value(text, "schedlink_availability_queries_total", kind="booking_page") >= 1
    # Requests per route template, summed over both gunicorn workers; never the raw path.
    assert _value(text, "schedlink_http_requests_total", method="POST", route="/b/<token>") == 2
    assert (
        _value(
            text, "schedlink_http_request_duration_seconds_count", method="GET", route="/b/<token>"
        )
        >= 1
    )
    token = path_of(url).rsplit("/", 1)[1]
    assert token not in text
    # The jobs the booking queued (one e-mail per recipient), read from the jobs table.
    assert _value(text, "schedlink_outbox_jobs", kind="booking.confirmed") >= 2
    assert _value(text, "schedlink_outbox_oldest_due_job_age_seconds") >= 0


def test_unmatched_paths_share_one_label(server):
    requests.get(f"{server.url}/no/such/{uuid.uuid4().hex}", timeout=TIMEOUT)
    text = _scrape(server).text
    assert _value(text, "schedlink_http_requests_total", route="<unmatched>", status="404") >= 1


def test_the_workers_deliveries_are_in_the_same_scrape(server, booked):
    """The job worker beside gunicorn writes to the same metrics directory: its jobs (the
    confirmation mails, failing here: no SMTP server is configured) appear in the scrape."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = _scrape(server).text
        if "schedlink_outbox_jobs_run_total" in text:
            break
        time.sleep(0.3)
    assert _value(text, "schedlink_outbox_jobs_run_total", kind="booking.confirmed") >= 1


def test_metrics_refused_from_addresses_not_allowed(server):
    assert _scrape(server, **{"X-Forwarded-For": "203.0.113.7"}).status_code == 404
    assert _scrape(server, **{"X-Forwarded-For": "10.9.3.4"}).status_code == 200


def test_readyz_is_ready_with_the_worker_running(server):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready = requests.get(f"{server.url}/readyz", timeout=TIMEOUT)
        if ready.status_code == 200:
            break
        time.sleep(0.3)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "worker": "ok"}


def _log_lines(server) -> list[dict]:
    lines = []
    for raw in server.log_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_json_log_lines_carry_the_echoed_request_id_and_no_secrets(server, booked):
    host, url = booked
    # From a trusted proxy, its request id is kept and echoed.
    given = f"req-{uuid.uuid4().hex}"
    response = requests.get(
        f"{server.url}{path_of(url)}", headers={"X-Request-ID": given}, timeout=TIMEOUT
    )
    assert response.headers["X-Request-ID"] == given
    # A request id a client makes up is not: it would write into our logs what it likes.
    bogus = requests.get(
        f"{server.url}/healthz", headers={"X-Request-ID": "bad id; <x>"}, timeout=TIMEOUT
    )
    assert bogus.headers["X-Request-ID"] != "bad id; <x>"
    requests.get(f"{server.url}/v1/userinfo", headers=host.headers, timeout=TIMEOUT)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = _log_lines(server)
        if any(line.get("request_id") == given for line in lines):
            break
        time.sleep(0.2)
    mine = [line for line in lines if line.get("request_id") == given]
    assert len(mine) == 1
    assert mine[0]["route"] == "/b/<token>"
    assert mine[0]["status"] == 410  # the link was used by the booking above
    assert mine[0]["type"] == "request" and mine[0]["duration_ms"] >= 0
    api = [line for line in lines if line.get("route") == "/v1/userinfo"]
    assert api and api[-1]["sub"] == host.sub
    jobs = [line for line in lines if line.get("type") == "job"]
    assert jobs and {"kind", "outcome", "duration_ms"} <= set(jobs[0])
    # Every line of the log, JSON or not: never a booking token, never the API key.
    log = server.log_text()
    token = path_of(url).rsplit("/", 1)[1]
    assert token not in log
    assert host.api_key not in log
    assert "Booting worker with pid" in log  # gunicorn's own lines are still there


def test_readyz_and_healthz_answer_json(server):
    health = requests.get(f"{server.url}/healthz", timeout=TIMEOUT)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert "X-Request-ID" in health.headers
