"""Helpers shared by the conferencing tests: events through the API, mail by recipient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oauth_browser import come_back
from sqlalchemy import update
from standins import StandinProvider, StandinUser, graph_meetings, query_of
from standins.google_calendar import GoogleCalendar
from standins.graph_calendar import GraphCalendar

from backend import db
from backend.models import Job
from backend.outbox import worker as jobs
from backend.scheduling.reminders import KIND as REMINDER  # planned for later: not under test

RETURN_TO = "http://schedlink.test/done"  # the server's own origin: allowed by default
JOIN = {
    "google": r"https://meet\.google\.com/[^<\s]+",
    "microsoft": r"https://teams\.microsoft\.com/[^<\s]+",
}


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


class Provider:
    """A provider's calendar stand-in; Microsoft's also serves /me/onlineMeetings, which
    answers 403 to a token without OnlineMeetings.ReadWrite."""

    def __init__(self, name: str):
        self.name = name
        self.store = GoogleCalendar() if name == "google" else GraphCalendar()
        self.standin = StandinProvider(name)
        self.standin.register(self.store.blueprint(self.standin))
        self.online = graph_meetings.blueprint(self.standin) if name == "microsoft" else None
        if self.online is not None:
            self.standin.register(self.online)

    def reset(self) -> None:
        self.store.__init__()
        self.standin.user = StandinUser()
        if self.name == "google":
            self.store.add_calendar("work-cal", "Work", primary=True)
        else:
            self.store.add_calendar("AAMkcal1", "Calendar", default=True)
        if self.online is not None:
            self.online.meetings.clear()
            self.online.calls.clear()

    def meeting_events(self) -> list[dict]:
        """Live events in the host's calendar that carry a meeting."""
        if self.name == "google":
            found = self.store.events["work-cal"].values()
            return [e for e in found if e.get("conferenceData") and e["status"] != "cancelled"]
        return [e for e in self.store.events.values() if e.get("isOnlineMeeting")
                and not e["_deleted"]]  # fmt: skip

    def live_events(self) -> list[dict]:
        """Every live event in the host's calendar, with a meeting or not."""
        if self.name == "google":
            found = self.store.events["work-cal"].values()
            return [e for e in found if e["status"] != "cancelled"]
        return [e for e in self.store.events.values() if not e["_deleted"]]

    def start(self, event: dict) -> datetime:
        text = event["start"]["dateTime"].replace("Z", "")[:19]
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    def join_url(self, event: dict) -> str:
        if self.name == "google":
            return event["hangoutLink"]
        return event["onlineMeeting"]["joinUrl"]

    def title(self, event: dict) -> str:
        return event["summary"] if self.name == "google" else event["subject"]


def run_due(app) -> None:
    """Every job, retries and polls brought forward (their backoff is not under test)."""
    for _ in range(12):
        with app.app_context(), db.write() as s:
            s.execute(
                update(Job)
                .where(Job.status == "pending", Job.kind != REMINDER)
                .values(run_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        if jobs.run_once(app) == 0:
            return


def link_calendar(client, host, provider) -> str:
    body = {"provider_name": provider.name, "redirect_uri": RETURN_TO}
    started = client.post("/v1/calendar_authorizations", headers=host.headers, json=body)
    assert started.status_code == 200, started.get_json()
    # Started through the API: the browser confirms the account on the way back.
    back = come_back(
        client, provider.standin.consent(started.get_json()["authorization_request"]["url"])
    )
    assert back.status_code == 303
    return query_of(back.headers["Location"])["last_linked_profile_id"]
