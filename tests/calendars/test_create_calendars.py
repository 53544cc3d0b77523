"""POST /v1/calendars on connected profiles (issue 21): the calendar is made at the provider
— CalDAV against a real Radicale, Google and Microsoft against their stand-ins — stored, and
kept by the next sync; a duplicate name is 422 `errors.duplicate_calendar_name`."""

from __future__ import annotations

import caldav
import pytest
from calendar_servers import radicale
from oauth_browser import come_back
from standins import StandinProvider, query_of
from standins.google_calendar import GoogleCalendar
from standins.graph_calendar import GraphCalendar

from backend import create_app
from backend.outbox import run_once

USERS = {"alice": "correct-app-password"}
RETURN_TO = "https://ats.example.com/calendars"


@pytest.fixture(scope="module")
def dav(tmp_path_factory):
    with radicale(tmp_path_factory.mktemp("radicale"), USERS) as url:
        yield url


@pytest.fixture(scope="module", params=["google", "microsoft"])
def provider(request):
    store = GoogleCalendar() if request.param == "google" else GraphCalendar()
    standin = StandinProvider(request.param)
    standin.register(store.blueprint(standin))
    with standin:
        yield request.param, store, standin


@pytest.fixture
def app(database_url, tmp_path, request):
    extra = {}
    if "provider" in request.fixturenames:
        extra = request.getfixturevalue("provider")[2].config()
    app = create_app(
        {
            "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://schedlink.test", "SERVER_NAME": "schedlink.test",
            "OUTBOUND_ALLOW": ["127.0.0.1"], "REDIRECT_ORIGINS": ["https://ats.example.com"],
            **extra,
        }
    )  # fmt: skip
    yield app
    app.extensions["schedlink.engine"].dispose()


def _create(client, host, profile_id, name):
    return client.post("/v1/calendars", json={"profile_id": profile_id, "name": name},
                       headers=host.headers)  # fmt: skip


def _names(client, host, profile_id) -> list[str]:
    calendars = client.get("/v1/calendars", headers=host.headers).get_json()["calendars"]
    return sorted(c["calendar_name"] for c in calendars if c["profile_id"] == profile_id)


def _sync(app, client, host, profile_id) -> None:
    assert client.post(f"/v1/profiles/{profile_id}/sync", headers=host.headers).status_code == 202
    run_once(app)


def test_caldav(app, client, host, dav):
    principal = caldav.DAVClient(url=dav, username="alice", password=USERS["alice"]).principal()
    for existing in principal.calendars():
        existing.delete()
    principal.make_calendar(name="Work")
    connected = client.post(
        "/v1/profiles", headers=host.headers,
        json={"provider_name": "caldav", "url": dav, "username": "alice",
              "password": USERS["alice"]},
    )  # fmt: skip
    profile_id = connected.get_json()["profile"]["profile_id"]
    run_once(app)
    made = _create(client, host, profile_id, "Interviews")
    assert made.status_code == 200, made.get_json()
    assert made.get_json()["calendar"]["provider_name"] == "caldav"
    assert "Interviews" in [c.get_display_name() for c in principal.calendars()]
    duplicate = _create(client, host, profile_id, "interviews")
    assert duplicate.get_json()["errors"]["name"][0]["key"] == "errors.duplicate_calendar_name"
    _sync(app, client, host, profile_id)
    assert _names(client, host, profile_id) == ["Interviews", "Work"]


def test_google_and_microsoft(app, client, host, provider):
    name, store, standin = provider
    store.__init__()  # the stand-in outlives one test (module scope): start empty
    if name == "google":
        store.add_calendar("primary-cal", "Work", primary=True)
    else:
        store.add_calendar("AAMkcal1", "Calendar", default=True)
    started = client.post("/v1/calendar_authorizations", headers=host.headers,
                          json={"provider_name": name, "redirect_uri": RETURN_TO})  # fmt: skip
    back = standin.consent(started.get_json()["authorization_request"]["url"])
    answer = come_back(client, back)  # started through the API: confirmed in the browser
    profile_id = query_of(answer.headers["Location"])["last_linked_profile_id"]
    run_once(app)
    made = _create(client, host, profile_id, "Interviews")
    assert made.status_code == 200, made.get_json()
    created = made.get_json()["calendar"]
    assert created["provider_name"] == name and created["profile_id"] == profile_id
    assert "Interviews" in [c.get("summary") or c.get("name") for c in store.calendars.values()]
    assert _create(client, host, profile_id, "Interviews").status_code == 422
    _sync(app, client, host, profile_id)
    assert "Interviews" in _names(client, host, profile_id)
    ids = [c["calendar_id"] for c in client.get("/v1/calendars", headers=host.headers)
           .get_json()["calendars"] if c["calendar_name"] == "Interviews"]  # fmt: skip
    assert ids == [created["calendar_id"]]  # the sync kept the stored row, no second one
