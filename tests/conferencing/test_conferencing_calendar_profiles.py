"""One Google or Microsoft connection serves calendars and conferencing. A host who connected
only a calendar gets Meet (Google Calendar conferenceData) or Teams (an Outlook event with
isOnlineMeeting, since the token has Calendars.ReadWrite but not OnlineMeetings.ReadWrite)
links; that connection is the natural default until the host chooses one; removing one use
keeps the other. Against the providers' calendar stand-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from conferencing_helpers import (
    JOIN,
    Provider,
    calendar_id,
    events,
    link_calendar,
    local,
    put_event,
    run_due,
)
from helpers import _csrf, book, create_link, login, web_post
from standins import StandinUser, query_of

from backend.outbox import worker as jobs


@pytest.fixture(scope="module", params=["google", "microsoft"])
def provider(request):
    provider = Provider(request.param)
    with provider.standin:
        yield provider


MICROSOFT = pytest.mark.parametrize("provider", ["microsoft"], indirect=True)


@pytest.fixture
def app_config(provider):
    provider.reset()
    return {"OUTBOUND_ALLOW": ["127.0.0.1"], **provider.standin.config()}


def _conferencing_profiles(client, host) -> dict:
    listed = client.get("/v1/userinfo", headers=host.headers).get_json()["conferencing_profiles"]
    return {p["profile_id"]: p for p in listed}


def _calendar_profiles(client, host) -> dict:
    listed = client.get("/v1/profiles", headers=host.headers).get_json()["profiles"][1:]
    return {p["profile_id"]: p for p in listed}


def _relink_scope(client, pro: str) -> set[str]:
    start = client.get(f"/calendar_services/{pro}/relink")
    assert start.status_code in (302, 303), start.get_data(as_text=True)
    return set(query_of(start.headers["Location"])["scope"].split())


def _also_meetings(client) -> list[str]:
    """Rows of the calendar services page that say the connection also makes meetings."""
    page = client.get("/calendar_services").get_data(as_text=True)
    rows = re.findall(r'<tr data-profile="(pro_\w+)">(.*?)</tr>', page, re.S)
    return [pro for pro, row in rows if "also-meetings" in row]


def _in_effect(client) -> str:
    page = client.get("/settings/conferencing").get_data(as_text=True)
    found = re.search(r'<p id="default-in-effect">(.*?)</p>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", found).split())


def test_a_calendar_connection_makes_the_booked_meeting(app, client, host, provider):
    pro = link_calendar(client, host, provider)
    listed = _conferencing_profiles(client, host)
    assert listed[pro]["provider_name"] == provider.name
    assert listed[pro]["profile_connected"] is True
    # No default chosen and one calendar connection: a booked meeting is made with it.
    link = create_link(client, host, summary="Intro call")
    response, _ = book(client, link["url"])
    assert response.status_code == 303
    run_due(app)
    html = client.get(local(response.headers["Location"])).get_data(as_text=True)
    join = re.search(rf'id="join-url"[^>]*>({JOIN[provider.name]})<', html).group(1)
    (meeting,) = provider.meeting_events()
    assert provider.join_url(meeting) == join and provider.title(meeting) == "Intro call"
    if provider.name == "microsoft":
        assert meeting["onlineMeetingProvider"] == "teamsForBusiness"
        assert provider.online.calls == []  # no /me/onlineMeetings with a calendar-only token
    # The meeting's event comes back with the calendar's next sync: it is the booking's
    # busy time already, so it is not stored a second time.
    assert client.post(f"/v1/profiles/{pro}/sync", headers=host.headers).status_code == 202
    run_due(app)
    listed = events(client, host)
    assert [e["summary"] for e in listed.values()].count("Intro call") == 1


@MICROSOFT
def test_teams_event_waits_for_its_link_then_follows_the_event(app, client, host, provider):
    provider.store.online_meeting_reads = 1  # the POST answer has no joinUrl yet
    link_calendar(client, host, provider)
    assert put_event(client, host, conferencing={"profile_id": "default"}).status_code == 202
    assert jobs.run_once(app) >= 1
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    (meeting,) = provider.meeting_events()
    assert meeting["onlineMeeting"] is None and meeting["transactionId"].startswith("schedlink-")
    run_due(app)
    conferencing = events(client, host)["ev-1"]["conferencing"]
    assert conferencing["provider_name"] == "microsoft"
    assert conferencing["join_url"] == meeting["onlineMeeting"]["joinUrl"]
    reads = [p for m, p in provider.store.requests if m == "GET" and "/me/events/" in p]
    assert reads and "$select=isOnlineMeeting" in reads[0]
    # A new summary and time go to the same event, which stays a Teams meeting.
    put_event(client, host, summary="Moved board meeting", days=4)
    run_due(app)
    (moved,) = provider.meeting_events()
    assert moved["id"] == meeting["id"] and moved["subject"] == "Moved board meeting"
    assert moved["onlineMeeting"]["joinUrl"] == conferencing["join_url"]
    # Deleting the event deletes the Outlook event.
    client.delete(f"/v1/calendars/{calendar_id(client, host)}/events",
                  json={"event_id": "ev-1"}, headers=host.headers)  # fmt: skip
    run_due(app)
    assert provider.meeting_events() == [] and provider.store.events[meeting["id"]]["_deleted"]
    assert provider.online.calls == []


@MICROSOFT
def test_a_calendar_without_teams_is_refused_visibly(app, client, host, provider):
    provider.store.calendars["AAMkcal1"]["allowedOnlineMeetingProviders"] = ["skypeForConsumer"]
    link_calendar(client, host, provider)
    put_event(client, host, conferencing={"profile_id": "default"})
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"] == {"pending": True}
    assert provider.meeting_events() == [] and provider.store.events == {}


@MICROSOFT
def test_connecting_teams_too_keeps_the_calendar_and_uses_online_meetings(
    app, client, host, provider
):
    pro = link_calendar(client, host, provider)
    login(client)
    # Connecting the calendar again asks for what it was granted, no more: its meetings
    # need no scope of their own.
    assert "OnlineMeetings.ReadWrite" not in _relink_scope(client, pro)
    # The host also connects Teams on the conferencing page: the same Microsoft account, so
    # the same profile; the consent asks for the calendar scope too, so syncing goes on.
    page = client.get("/settings/conferencing").get_data(as_text=True)
    start = client.post(
        "/settings/conferencing/connect/microsoft", data={"csrf_token": _csrf(page)}
    )
    scope = query_of(start.headers["Location"])["scope"].split()
    assert {"Calendars.ReadWrite", "OnlineMeetings.ReadWrite"} <= set(scope)
    landed = client.get(local(provider.standin.consent(start.headers["Location"])))
    assert query_of(landed.headers["Location"])["last_linked_profile_id"] == pro
    assert list(_calendar_profiles(client, host)) == [pro]
    put_event(client, host, conferencing={"profile_id": pro})
    run_due(app)
    join = events(client, host)["ev-1"]["conferencing"]["join_url"]
    assert [m["joinWebUrl"] for m in provider.online.meetings.values()] == [join]
    assert provider.meeting_events() == []
    assert client.post(f"/v1/profiles/{pro}/sync", headers=host.headers).status_code == 202
    run_due(app)
    assert _calendar_profiles(client, host)[pro]["sync_error"] is None
    # …and from now on a calendar re-link keeps the Teams grant.
    assert {"Calendars.ReadWrite", "OnlineMeetings.ReadWrite"} <= _relink_scope(client, pro)


def test_default_rules(app, client, host, provider):
    login(client)
    assert _in_effect(client).startswith("In effect: Jitsi Meet — you have not chosen")
    first = link_calendar(client, host, provider)
    effect = _in_effect(client)
    assert "calendar connection makes meetings too" in effect
    put_event(client, host, event_id="natural", conferencing={"profile_id": "default"})
    # The host's choice wins over the natural default: Jitsi, then none.
    web_post(client, "/settings/conferencing", "/settings/conferencing/default",
             {"default": "jitsi"})  # fmt: skip
    assert _in_effect(client) == "In effect: Jitsi Meet — your choice."
    put_event(client, host, event_id="chosen", conferencing={"profile_id": "default"})
    web_post(client, "/settings/conferencing", "/settings/conferencing/default",
             {"default": "none"})  # fmt: skip
    put_event(client, host, event_id="nothing", conferencing={"profile_id": "default"})
    run_due(app)
    listed = events(client, host)
    assert listed["natural"]["conferencing"]["provider_name"] == provider.name
    assert listed["chosen"]["conferencing"]["provider_name"] == "jitsi"
    assert "conferencing" not in listed["nothing"]
    # Choosing the connection itself, then removing it for meetings: no choice is left, and
    # with a second calendar connection neither is assumed.
    web_post(client, "/settings/conferencing", "/settings/conferencing/default",
             {"default": first})  # fmt: skip
    assert "your choice" in _in_effect(client)
    provider.standin.user = StandinUser(email="other@example.com")
    second = link_calendar(client, host, provider)
    assert second != first and {first, second} <= set(_conferencing_profiles(client, host))
    assert "your choice" in _in_effect(client)
    assert client.delete(f"/v1/conferencing_profiles/{first}",
                         headers=host.headers).status_code == 202  # fmt: skip
    assert "calendar connection makes meetings too" in _in_effect(client)  # only `second`
    provider.standin.user = StandinUser(email="third@example.com")
    link_calendar(client, host, provider)
    effect = _in_effect(client)
    assert effect.startswith("In effect: Jitsi Meet") and "more than one calendar" in effect
    put_event(client, host, event_id="several", conferencing={"profile_id": "default"})
    run_due(app)
    assert events(client, host)["several"]["conferencing"]["provider_name"] == "jitsi"


def test_removing_one_use_keeps_the_other(app, client, host, provider):
    pro = link_calendar(client, host, provider)
    run_due(app)
    login(client)
    assert _also_meetings(client) == [pro]
    put_event(client, host, event_id="made", conferencing={"profile_id": "default"})
    run_due(app)
    (made,) = provider.meeting_events()
    # Conferencing removed: the calendar connection, its calendars and sync stay.
    assert client.delete(f"/v1/conferencing_profiles/{pro}",
                         headers=host.headers).status_code == 202  # fmt: skip
    assert pro not in _conferencing_profiles(client, host)
    profile = _calendar_profiles(client, host)[pro]
    assert profile["profile_connected"] and profile["profile_calendars"]
    assert _also_meetings(client) == []
    # The meeting it made still follows its event: deleting the event deletes it.
    client.delete(f"/v1/calendars/{calendar_id(client, host)}/events",
                  json={"event_id": "made"}, headers=host.headers)  # fmt: skip
    run_due(app)
    assert provider.meeting_events() == [] and made["id"]
    put_event(client, host, conferencing={"profile_id": "default"})
    run_due(app)
    assert events(client, host)["ev-1"]["conferencing"]["provider_name"] == "jitsi"
    assert put_event(client, host, event_id="ev-2",
                     conferencing={"profile_id": pro}).status_code == 422  # fmt: skip
    # A fresh calendar connection of another account: revoking its calendars keeps it for
    # meetings, and its meetings are still made.
    provider.standin.user = StandinUser(email="other@example.com")
    other = link_calendar(client, host, provider)
    assert client.post(f"/v1/profiles/{other}/revoke", headers=host.headers).status_code in (
        200, 202, 204,
    )  # fmt: skip
    assert other not in _calendar_profiles(client, host)
    assert _conferencing_profiles(client, host)[other]["profile_connected"] is True
    put_event(client, host, event_id="ev-3", conferencing={"profile_id": other})
    run_due(app)
    made = events(client, host)["ev-3"]["conferencing"]
    assert made["provider_name"] == provider.name
    assert re.fullmatch(JOIN[provider.name], made["join_url"])


def test_revoking_a_calendar_that_makes_meetings_says_so_and_can_remove_everywhere(
    app, client, host, provider
):
    revoked = len(provider.standin.revoked)  # the stand-in serves the whole module
    pro = link_calendar(client, host, provider)
    kept = client.post(f"/v1/profiles/{pro}/revoke", headers=host.headers)
    assert kept.status_code == 202
    assert kept.get_json() == {"profile_id": pro, "still_serves": ["conferencing"]}
    assert pro in _conferencing_profiles(client, host)
    run_due(app)
    assert len(provider.standin.revoked) == revoked  # its grant stays: it makes meetings
    # Another connection removed everywhere: gone from both lists, its grant given back.
    provider.standin.user = StandinUser(email="other@example.com")
    other = link_calendar(client, host, provider)
    bad = client.post(f"/v1/profiles/{other}/revoke", json={"everywhere": "yes"},
                      headers=host.headers)  # fmt: skip
    assert bad.status_code == 422 and "everywhere" in bad.get_json()["errors"]
    gone = client.post(f"/v1/profiles/{other}/revoke", json={"everywhere": True},
                       headers=host.headers)  # fmt: skip
    assert gone.status_code == 202
    assert gone.get_json() == {"profile_id": other, "still_serves": []}
    assert other not in _calendar_profiles(client, host)
    assert other not in _conferencing_profiles(client, host)
    run_due(app)
    # Google documents a revocation call; Microsoft none (the job ends with nothing to call).
    assert len(provider.standin.revoked) == revoked + (provider.name == "google")


def test_the_calendar_page_says_it_makes_meetings_and_offers_remove_everywhere(
    app, client, host, provider
):
    revoked = len(provider.standin.revoked)
    pro = link_calendar(client, host, provider)
    provider.standin.user = StandinUser(email="other@example.com")
    other = link_calendar(client, host, provider)
    login(client)
    page = client.get("/calendar_services").get_data(as_text=True)
    row = re.search(rf'<tr data-profile="{pro}">(.*?)</tr>', page, re.S).group(1)
    assert "Also makes your meetings" in row and "Remove everywhere" in row
    assert re.search(r'name="everywhere" value="1"', row)
    # Remove alone: the page says the connection goes on making meetings.
    web_post(client, "/calendar_services", f"/calendar_services/{other}/remove")
    page = client.get("/calendar_services").get_data(as_text=True)
    assert "still makes your meetings" in page
    assert other in _conferencing_profiles(client, host)
    # Remove everywhere: gone for meetings too, and the grant is given back.
    answer = web_post(client, "/calendar_services", f"/calendar_services/{pro}/remove",
                      {"everywhere": "1"})  # fmt: skip
    assert answer.status_code == 303
    page = client.get("/calendar_services").get_data(as_text=True)
    assert "no longer makes your meetings" in page
    assert pro not in _calendar_profiles(client, host)
    assert pro not in _conferencing_profiles(client, host)
    run_due(app)
    assert len(provider.standin.revoked) == revoked + (provider.name == "google")
