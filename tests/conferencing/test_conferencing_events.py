"""`conferencing` on POST /v1/calendars/{id}/events: every profile_id form, followed until
assigned through the outbox worker (Jitsi: no provider needed), on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from conferencing_helpers import calendar_id, events, put_event
from sqlalchemy import select

from backend import db
from backend.models import Conference, Job
from backend.outbox import worker as jobs

JITSI = re.compile(r"https://meet\.jit\.si/[a-z2-7]{32}")


def test_default_is_a_jitsi_link_assigned_by_the_worker(app, client, host):
    assert put_event(client, host, conferencing={"profile_id": "default"}).status_code == 202
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    assert jobs.run_once(app) >= 1
    conferencing = events(client, host)["ev-1"]["conferencing"]
    assert conferencing["provider_name"] == "jitsi"
    assert conferencing["provider_description"] == "Jitsi Meet"
    assert JITSI.fullmatch(conferencing["join_url"])
    # The same request again keeps the same meeting (no new room, no new job).
    assert put_event(client, host, conferencing={"profile_id": "default"}).status_code == 202
    assert events(client, host)["ev-1"]["conferencing"] == conferencing
    # Omitted on an update: unchanged.
    assert put_event(client, host, summary="Renamed").status_code == 202
    assert events(client, host)["ev-1"]["conferencing"] == conferencing
    assert jobs.run_once(app) == 0


def test_jitsi_profile_id_and_the_configured_base_url(app, client, host):
    app.config["JITSI_URL"] = "https://jitsi.example.org/team"
    profiles = client.get("/v1/userinfo", headers=host.headers).get_json()["conferencing_profiles"]
    assert [(p["provider_name"], p["profile_connected"]) for p in profiles] == [("jitsi", True)]
    pro = profiles[0]["profile_id"]
    assert re.fullmatch(r"pro_[a-z2-7]{26}", pro)
    # Listing again does not make a second one.
    again = client.get("/v1/userinfo", headers=host.headers).get_json()["conferencing_profiles"]
    assert again == profiles
    assert put_event(client, host, conferencing={"profile_id": pro}).status_code == 202
    jobs.run_once(app)
    url = events(client, host)["ev-1"]["conferencing"]["join_url"]
    assert re.fullmatch(r"https://jitsi\.example\.org/team/[a-z2-7]{32}", url)


def test_explicit_is_stored_as_given_and_none_removes(app, client, host):
    explicit = {
        "profile_id": "explicit",
        "provider_description": "Videotech virtual meeting",
        "join_url": "https://videotech.example/join-call/xyz",
    }
    assert put_event(client, host, conferencing=explicit).status_code == 202
    assert events(client, host)["ev-1"]["conferencing"] == {
        "provider_name": "explicit",
        "provider_description": "Videotech virtual meeting",
        "join_url": "https://videotech.example/join-call/xyz",
    }
    assert put_event(client, host, conferencing={"profile_id": "none"}).status_code == 202
    assert "conferencing" not in events(client, host)["ev-1"]
    with app.app_context():
        assert db.session().scalars(select(Conference)).all() == []


def test_replacing_explicit_with_default_makes_a_meeting(app, client, host):
    explicit = {
        "profile_id": "explicit",
        "provider_description": "V",
        "join_url": "https://v.example/1",
    }
    put_event(client, host, conferencing=explicit)
    put_event(client, host, conferencing={"profile_id": "default"})
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    jobs.run_once(app)
    assert JITSI.fullmatch(events(client, host)["ev-1"]["conferencing"]["join_url"])


def test_no_conferencing_for_events_in_the_past(app, client, host):
    assert (
        put_event(client, host, days=-1, conferencing={"profile_id": "default"}).status_code == 202
    )
    assert "conferencing" not in events(client, host)["ev-1"]
    with app.app_context():
        assert db.session().scalars(select(Job)).all() == []


@pytest.mark.parametrize(
    ("conferencing", "field"),
    [
        (
            {"profile_id": "explicit", "provider_description": "V", "join_url": "http://v.example"},
            "conferencing.join_url",
        ),
        (
            {
                "profile_id": "explicit",
                "provider_description": "V" * 201,
                "join_url": "https://v.example",
            },
            "conferencing.provider_description",
        ),
        ({"profile_id": "pro_" + "a" * 26}, "conferencing.profile_id"),
        ({"profile_id": "sometimes"}, "conferencing.profile_id"),
        ("default", "conferencing"),
    ],
)
def test_bad_conferencing_is_422_and_stores_nothing(app, client, host, conferencing, field):
    response = put_event(client, host, conferencing=conferencing)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert "ev-1" not in events(client, host)


def test_deleting_the_event_forgets_its_conferencing(app, client, host):
    put_event(client, host, conferencing={"profile_id": "default"})
    jobs.run_once(app)
    deleted = client.delete(
        f"/v1/calendars/{calendar_id(client, host)}/events",
        json={"event_id": "ev-1"},
        headers=host.headers,
    )
    assert deleted.status_code == 202
    with app.app_context():
        assert db.session().scalars(select(Conference)).all() == []


def test_default_none_means_no_conferencing(app, client, host):
    with app.app_context(), db.write() as s:
        from backend.conferencing import set_default
        from backend.models import Account

        account = s.get(Account, host.account_id)
        set_default(s, account, "none", app.extensions["schedlink.sealer"])
    put_event(client, host, conferencing={"profile_id": "default"})
    assert "conferencing" not in events(client, host)["ev-1"]
