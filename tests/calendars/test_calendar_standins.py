"""The Google Calendar and Graph stand-ins themselves, on the documented behaviour other
issues rely on: conferenceData creation (pending, then success with a Meet link), errors in
the provider's shape, pagination and sync tokens."""

from __future__ import annotations

import time

import pytest
import requests
from standins import StandinProvider
from standins.google_calendar import GoogleCalendar
from standins.graph_calendar import GraphCalendar


@pytest.fixture(scope="module")
def google():
    store = GoogleCalendar()
    provider = StandinProvider("google")
    provider.register(store.blueprint(provider))
    with provider:
        provider.access_tokens["tok"] = {"expires_at": time.time() + 3600}
        store.add_calendar("primary", "Work", primary=True)
        yield provider, store


def _g(provider, method, path, **kw):
    return requests.request(method, f"{provider.url}/calendar/v3{path}",
                            headers={"Authorization": "Bearer tok"}, timeout=5, **kw)  # fmt: skip


EVENT = {"summary": "Interview", "start": {"dateTime": "2026-12-08T10:00:00Z"},
         "end": {"dateTime": "2026-12-08T11:00:00Z"}}  # fmt: skip


def test_google_conference_data_is_pending_then_success(google):
    provider, _store = google
    body = {**EVENT, "conferenceData": {"createRequest": {
        "requestId": "job-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}}}  # fmt: skip
    inserted = _g(
        provider,
        "POST",
        "/calendars/primary/events",
        params={"conferenceDataVersion": "1"},
        json=body,
    ).json()
    assert inserted["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"
    assert "hangoutLink" not in inserted
    got = _g(provider, "GET", f"/calendars/primary/events/{inserted['id']}").json()
    assert got["conferenceData"]["createRequest"]["status"]["statusCode"] == "success"
    video = [e for e in got["conferenceData"]["entryPoints"] if e["entryPointType"] == "video"]
    assert video[0]["uri"].startswith("https://meet.google.com/")
    assert got["hangoutLink"] == video[0]["uri"]
    # Without conferenceDataVersion=1 no conference is created.
    plain = _g(provider, "POST", "/calendars/primary/events", json=body).json()
    assert "conferenceData" not in plain


def test_google_errors_pagination_and_sync_tokens(google):
    provider, store = google
    missing = _g(provider, "GET", "/calendars/nope/events")
    assert missing.status_code == 404
    assert missing.json()["error"]["errors"][0]["reason"] == "notFound"
    unauthorized = requests.get(f"{provider.url}/calendar/v3/users/me/calendarList", timeout=5)
    assert unauthorized.status_code == 401
    for i in range(5):
        store.add_event("primary", {**EVENT, "summary": f"E{i}"})
    page = _g(provider, "GET", "/calendars/primary/events", params={"maxResults": 3}).json()
    seen = []
    while True:
        assert len(page["items"]) <= 3
        seen += page["items"]
        if "nextPageToken" not in page:
            break
        assert "nextSyncToken" not in page  # only on the last page
        page = _g(
            provider,
            "GET",
            "/calendars/primary/events",
            params={"maxResults": 3, "pageToken": page["nextPageToken"]},
        ).json()
    assert len(seen) == len(store.events["primary"])
    token = page["nextSyncToken"]
    store.add_event("primary", {**EVENT, "summary": "New"})
    changed = _g(provider, "GET", "/calendars/primary/events", params={"syncToken": token}).json()
    assert [e["summary"] for e in changed["items"]] == ["New"]
    store.expire_sync_tokens()
    gone = _g(provider, "GET", "/calendars/primary/events", params={"syncToken": token})
    assert gone.status_code == 410
    assert gone.json()["error"]["errors"][0]["reason"] == "fullSyncRequired"


def test_graph_delta_pages_and_errors():
    store = GraphCalendar()
    provider = StandinProvider("microsoft")
    provider.register(store.blueprint(provider))
    with provider:
        provider.access_tokens["tok"] = {"expires_at": time.time() + 3600}
        store.add_calendar("c1", "Calendar", default=True)
        for i in range(60):
            store.add_event(
                "c1",
                {
                    "subject": f"E{i}",
                    "start": {"dateTime": "2026-12-08T10:00:00", "timeZone": "UTC"},
                    "end": {"dateTime": "2026-12-08T11:00:00", "timeZone": "UTC"},
                },
            )
        headers = {"Authorization": "Bearer tok"}
        url = f"{provider.url}/v1.0/me/calendars/c1/calendarView/delta"
        no_window = requests.get(url, headers=headers, timeout=5)
        assert no_window.status_code == 400
        assert no_window.json()["error"]["code"] == "ErrorInvalidParameter"
        page = requests.get(
            url,
            headers=headers,
            timeout=5,
            params={"startDateTime": "2026-12-01T00:00:00Z", "endDateTime": "2026-12-31T00:00:00Z"},
        ).json()
        seen = len(page["value"])
        while "@odata.nextLink" in page:
            page = requests.get(page["@odata.nextLink"], headers=headers, timeout=5).json()
            seen += len(page["value"])
        assert seen == 60 and "@odata.deltaLink" in page
        store.expire_delta_tokens()
        expired = requests.get(page["@odata.deltaLink"], headers=headers, timeout=5)
        assert expired.status_code == 410 and expired.json()["error"]["code"] == "SyncStateNotFound"
