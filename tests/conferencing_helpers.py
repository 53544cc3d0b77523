"""Helpers shared by the conferencing tests: events through the API, mail by recipient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def calendar_id(client, host) -> str:
    return client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]


def put_event(client, host, event_id="ev-1", days=3, hours=1, **extra):
    start = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0, second=0)
    body = {
        "event_id": event_id,
        "summary": extra.pop("summary", "Board meeting"),
        "start": start.strftime("%Y-%m-%dT%H:%M:00Z"),
        "end": (start + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:00Z"),
        **extra,
    }
    return client.post(
        f"/v1/calendars/{calendar_id(client, host)}/events", json=body, headers=host.headers
    )


def events(client, host) -> dict:
    now = datetime.now(UTC)
    query = f"from={now - timedelta(days=2):%Y-%m-%d}&to={now + timedelta(days=30):%Y-%m-%d}"
    listed = client.get(f"/v1/events?{query}", headers=host.headers).get_json()["events"]
    return {e["event_id"]: e for e in listed}


def local(url: str) -> str:
    """The path and query of one of our absolute URLs, for the test client."""
    return "/" + url.split("/", 3)[3] if "://" in url else url


def texts(smtp, rcpt: str) -> list[str]:
    """The plain-text bodies the local SMTP server (tests/mail_server.py) got for `rcpt`."""
    return [m.get_body(("plain",)).get_content() for to, m in smtp.messages if rcpt in to]
