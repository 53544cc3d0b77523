"""Real-Time Scheduling: a scheduling link of kind "real_time" made from an availability
query, served by the same booking page and booked by the same `book`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from helpers import form_fields, make_host, path_of
from webhook_receiver import Receiver

from backend.outbox import run_once


@pytest.fixture
def app_config():
    return {"OUTBOUND_ALLOW": ["127.0.0.1"], "WEBHOOK_RETRY_SCHEDULE": [0, 0.2]}


def _day(days=2, hour=9):
    d = datetime.now(UTC) + timedelta(days=days)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d.replace(hour=hour, minute=0, second=0, microsecond=0)


def _z(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def _calendar(client, host):
    return client.get("/v1/calendars", headers=host.headers).get_json()["calendars"][0][
        "calendar_id"
    ]


def rts_body(client, host, receiver_url=None, **extra):
    start = _day()
    body = {
        "oauth": {"redirect_uri": "https://app.example.com/oauth"},
        "event": {
            "event_id": "interview-4711",
            "summary": "Interview: Ada",
            "description": "Second round",
            "tzid": "Europe/London",
        },
        "availability": {
            "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
            "required_duration": {"minutes": 60},
            "query_periods": [{"start": _z(start), "end": _z(start + timedelta(hours=4))}],
            "start_interval": {"minutes": 30},
        },
        "target_calendars": [{"sub": host.sub, "calendar_id": _calendar(client, host)}],
        "tzid": "Europe/London",
    }
    if receiver_url:
        body["callback_urls"] = {
            "completed_url": receiver_url + "?completed",
            "no_times_suitable_url": receiver_url + "?suitable",
            "no_times_displayed_url": receiver_url + "?displayed",
        }
    body.update(extra)
    return body


def create(client, host, body):
    response = client.post("/v1/real_time_scheduling", json=body, headers=host.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["real_time_scheduling"]


def test_create_page_book_completes_and_calls_back(app, client, host):
    with Receiver() as receiver:
        redirect = {"completed_url": "https://app.example.com/done"}
        made = create(client, host, rts_body(client, host, receiver.url, redirect_urls=redirect))
        assert made["real_time_scheduling_id"].startswith("sch_")
        assert made["url"].startswith("http://schedlink.test/b/")
        page = client.get(path_of(made["url"]))
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        fields = form_fields(html)
        start = _day()
        # Only the query's slots, on its start interval: 09:00 .. 12:00 for an hour.
        assert fields["starts"][0] == _z(start)
        assert fields["starts"][-1] == _z(start + timedelta(hours=3))
        assert len(fields["starts"]) == 7
        assert "None of these times suit me" in html
        response = client.post(
            path_of(made["url"]),
            data={"form_token": fields["form_token"], "start": fields["starts"][1],
                  "name": "Ada Lovelace", "email": "ada@example.com", "tz": "Europe/London"},
        )  # fmt: skip
        assert response.status_code == 303
        assert response.headers["Location"] == "https://app.example.com/done"
        status = client.get(
            f"/v1/real_time_scheduling/{made['real_time_scheduling_id']}", headers=host.headers
        ).get_json()["real_time_scheduling"]
        assert status["status"] == "completed"
        assert status["event"]["start"] == fields["starts"][1]
        assert status["event"]["event_id"] == "interview-4711"
        # The event, with its event_id, summary and description, is in the target calendar.
        window = {"from": _z(start - timedelta(days=1)), "to": _z(start + timedelta(days=1))}
        events = client.get("/v1/events", query_string=window, headers=host.headers)
        events = events.get_json()["events"]
        ours = [e for e in events if e["event_id"] == "interview-4711"]
        assert len(ours) == 1
        assert ours[0]["summary"] == "Interview: Ada"
        assert ours[0]["description"] == "Second round"
        # As on Cronofy, a meeting only when the request's event asks for one.
        assert "conferencing" not in ours[0]
        # One-time: the page is gone now, never a 500.
        assert client.get(path_of(made["url"])).status_code == 410
        for _ in range(10):
            run_once(app)
            if receiver.of_type("slot_selected"):
                break
        got = receiver.wait_for(1, timeout=10, type_="slot_selected")
        body = got[0].json
        assert body["notification"]["type"] == "slot_selected"
        assert body["real_time_scheduling"]["event"]["start"] == fields["starts"][1]
        assert body["real_time_scheduling"]["status"] == "completed"
        assert got[0].path.endswith("?completed")
        # Signed like every notification: Cronofy's HMAC of the body with the account's secret.
        secret = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
        digest = hmac.new(secret.encode(), got[0].body, hashlib.sha256).digest()
        assert got[0].headers["cronofy-hmac-sha256"] == base64.b64encode(digest).decode()
        assert got[0].headers["webhook-signature"].startswith("v1,")


def test_read_by_token_and_disable(client, host):
    made = create(client, host, rts_body(client, host))
    token = made["url"].rsplit("/", 1)[-1]
    read = client.get("/v1/real_time_scheduling", query_string={"token": token},
                      headers=host.headers)  # fmt: skip
    assert read.status_code == 200
    data = read.get_json()["real_time_scheduling"]
    assert data["real_time_scheduling_id"] == made["real_time_scheduling_id"]
    assert data["status"] == "open" and data["url"] == made["url"]
    path = f"/v1/real_time_scheduling/{made['real_time_scheduling_id']}/disable"
    too_long = client.post(path, json={"display_message": "x" * 500}, headers=host.headers)
    assert too_long.status_code == 422
    done = client.post(path, json={"display_message": "Filled, thanks"}, headers=host.headers)
    assert done.status_code == 200
    assert done.get_json()["real_time_scheduling"]["status"] == "disabled"
    page = client.get(path_of(made["url"]))
    assert page.status_code == 410
    assert "Filled, thanks" in page.get_data(as_text=True)
    other = make_host(client.application, email="other@example.com")
    assert client.get(f"/v1/real_time_scheduling/{made['real_time_scheduling_id']}",
                      headers=other.headers).status_code == 404  # fmt: skip


def test_no_times_callbacks(app, client, host):
    with Receiver() as receiver:
        body = rts_body(client, host, receiver.url)
        # Busy all morning: the page shows no times and says so once.
        start = _day()
        cal = _calendar(client, host)
        busy = {
            "event_id": "busy",
            "summary": "Busy",
            "tzid": "UTC",
            "start": _z(start - timedelta(hours=1)),
            "end": _z(start + timedelta(hours=5)),
        }
        client.post(f"/v1/calendars/{cal}/events", json=busy, headers=host.headers)
        made = create(client, host, body)
        for _ in range(3):
            page = client.get(path_of(made["url"]))
            assert page.status_code == 200
        html = page.get_data(as_text=True)
        fields = form_fields(html)
        assert fields["starts"] == []
        said = client.post(path_of(made["url"]) + "/none",
                           data={"form_token": fields["form_token"]})  # fmt: skip
        assert said.status_code == 200
        for _ in range(10):
            run_once(app)
            if len(receiver.received) >= 2:
                break
        receiver.wait_for(2, timeout=10)
        run_once(app)  # anything more queued would go now
        kinds = sorted((r.json["notification"]["type"], r.path) for r in receiver.received)
        # three page views, one "displayed"; the control's press, one "suitable"
        assert kinds == [
            ("no_times_displayed", "/hook?displayed"),
            ("no_times_suitable", "/hook?suitable"),
        ]
        # The one page view that reported it was a GET; HEAD and later GETs report nothing.
        client.head(path_of(made["url"]))
        client.get(path_of(made["url"]))
        run_once(app)
        assert len(receiver.received) == 2


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda b: b["event"].pop("tzid"), "event.tzid"),
        (lambda b: b.pop("oauth"), "oauth.redirect_uri"),
        (
            lambda b: b["availability"]["participants"][0]["members"][0].update(sub="acc_nobody"),
            "availability.participants.0.members.0.sub",
        ),
        (
            lambda b: b["target_calendars"][0].update(calendar_id="cal_nothere"),
            "target_calendars.0.calendar_id",
        ),
        (lambda b: b["target_calendars"][0].update(sub="acc_nobody"), "target_calendars.0.sub"),
        (
            lambda b: b["availability"].update(
                query_periods=[{"start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"}]
            ),
            "availability.query_periods.0.end",
        ),
        (
            lambda b: b["availability"].update(
                query_periods=[
                    {
                        "start": _z(_day(days=2, hour=h % 24) + timedelta(days=h // 24)),
                        "end": _z(_day(days=2, hour=h % 24) + timedelta(days=h // 24, minutes=30)),
                    }
                    for h in range(51)
                ]
            ),
            "availability.query_periods",
        ),
        (
            lambda b: b.update(callback_urls={"completed_url": "https://10.0.0.1/hook"}),
            "callback_urls.completed_url",
        ),
        (lambda b: b.update(event_creation="many"), "event_creation"),
        (lambda b: b["availability"].pop("required_duration"), "availability.required_duration"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(client, host, change, field):
    body = rts_body(client, host)
    change(body)
    response = client.post("/v1/real_time_scheduling", json=body, headers=host.headers)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    listed = client.get("/v1/scheduling_links", headers=host.headers).get_json()
    assert listed["scheduling_links"] == []


def test_query_slots_and_minimum_notice(client, host):
    start = _day()
    body = rts_body(client, host)
    body["availability"].pop("query_periods")
    body["availability"]["query_slots"] = [
        {"start": _z(start)},
        {"start": _z(start + timedelta(hours=2))},
    ]
    made = create(client, host, body)
    fields = form_fields(client.get(path_of(made["url"])).get_data(as_text=True))
    assert fields["starts"] == [_z(start), _z(start + timedelta(hours=2))]
    body = rts_body(client, host, minimum_notice={"days": 30})
    made = create(client, host, body)
    fields = form_fields(client.get(path_of(made["url"])).get_data(as_text=True))
    assert fields["starts"] == []


def test_several_hosts_collective(client, host, app):
    from backend import db
    from backend.models import Account

    other = make_host(app, email="alan@example.com", name="Alan Turing")
    with app.app_context(), db.write() as s:  # same organization: may be queried together
        from backend.models import Organization

        org = Organization(public_id="org_test", name="Test")
        s.add(org)
        s.flush()
        for account_id in (host.account_id, other.account_id):
            s.get(Account, account_id).organization_id = org.id
    body = rts_body(client, host)
    body["availability"]["participants"][0]["members"].append({"sub": other.sub})
    body["target_calendars"].append({"sub": other.sub, "calendar_id": _calendar(client, other)})
    made = create(client, host, body)
    fields = form_fields(client.get(path_of(made["url"])).get_data(as_text=True))
    response = client.post(
        path_of(made["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip
    assert response.status_code == 303
    for who in (host, other):
        start = _day()
        events = client.get("/v1/events", query_string={
            "from": _z(start - timedelta(days=1)), "to": _z(start + timedelta(days=1))},
            headers=who.headers).get_json()["events"]  # fmt: skip
        assert [e["event_id"] for e in events] == ["interview-4711"], json.dumps(events)


def test_dashboard_lists_and_disables_it(client, host):
    from helpers import login, web_post

    made = create(client, host, rts_body(client, host))
    login(client)
    page = client.get("/").get_data(as_text=True)
    assert made["real_time_scheduling_id"] in page
    assert "Real-time scheduling for event <code>interview-4711</code>" in page
    rts_id = made["real_time_scheduling_id"]
    web_post(client, "/", f"/links/{rts_id}/disable")
    status = client.get(f"/v1/real_time_scheduling/{rts_id}", headers=host.headers)
    assert status.get_json()["real_time_scheduling"]["status"] == "disabled"


def _sequence_body(client, host, **extra):
    start = _day()
    cal = _calendar(client, host)
    body = {
        "oauth": {"redirect_uri": "https://app.example.com/oauth"},
        "event": {"event_id": "loop-1", "summary": "Interview loop", "tzid": "Europe/London"},
        "availability": {
            "query_periods": [{"start": _z(start), "end": _z(start + timedelta(hours=4))}],
            "sequence": [
                {
                    "sequence_id": "tech",
                    "ordinal": 1,
                    "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
                    "required_duration": {"minutes": 60},
                    "event": {"event_id": "loop-tech", "summary": "Technical interview"},
                    "buffer": {"after": {"minimum": {"minutes": 30}}},
                },
                {
                    "sequence_id": "culture",
                    "ordinal": 2,
                    "participants": [{"members": [{"sub": host.sub}], "required": "all"}],
                    "required_duration": {"minutes": 30},
                    "event": {"event_id": "loop-culture", "summary": "Culture chat"},
                },
            ],
        },
        "target_calendars": [{"sub": host.sub, "calendar_id": cal}],
    }
    body.update(extra)
    return body


def test_real_time_sequencing_writes_every_step(app, client, host):
    response = client.post(
        "/v1/real_time_sequencing", json=_sequence_body(client, host), headers=host.headers
    )
    assert response.status_code == 200, response.get_json()
    made = response.get_json()["real_time_scheduling"]
    fields = form_fields(client.get(path_of(made["url"])).get_data(as_text=True))
    start = _day()
    assert fields["starts"][0] == _z(start)
    booked = client.post(
        path_of(made["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip
    assert booked.status_code == 303
    window = {"from": _z(start - timedelta(days=1)), "to": _z(start + timedelta(days=1))}
    events = client.get("/v1/events", query_string=window, headers=host.headers)
    events = {e["event_id"]: e for e in events.get_json()["events"]}
    assert set(events) == {"loop-tech", "loop-culture"}
    assert events["loop-tech"]["summary"] == "Technical interview"
    assert events["loop-tech"]["start"] == _z(start)
    assert events["loop-culture"]["start"] == _z(start + timedelta(minutes=90))
    status = client.get(
        f"/v1/real_time_scheduling/{made['real_time_scheduling_id']}", headers=host.headers
    ).get_json()["real_time_scheduling"]
    assert status["status"] == "completed"


@pytest.mark.parametrize(
    "change, field",
    [
        (
            lambda b: b["availability"]["sequence"][1].update(ordinal=1),
            "availability.sequence.1.ordinal",
        ),
        (lambda b: b["availability"]["sequence"][1].update(ordinal=3), "availability.sequence"),
    ],
)
def test_real_time_sequencing_bad_ordinals_are_422(client, host, change, field):
    body = _sequence_body(client, host)
    change(body)
    response = client.post("/v1/real_time_sequencing", json=body, headers=host.headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert any(key.startswith(field) for key in errors), errors
    assert (
        client.get("/v1/scheduling_links", headers=host.headers).get_json()["scheduling_links"]
        == []
    )


def test_its_booking_moves_and_cancels_like_any(app, client, host):
    from sqlalchemy import select

    from backend.models import Booking, Event
    from backend.scheduling import cancel, reschedule

    made = create(client, host, rts_body(client, host))
    fields = form_fields(client.get(path_of(made["url"])).get_data(as_text=True))
    booked = client.post(
        path_of(made["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip
    assert booked.status_code == 303
    sessions = app.extensions["schedlink.sessions"]
    with app.app_context():
        with sessions() as s:
            booking_id = s.scalars(select(Booking.public_id)).one()
        new_start = _day() + timedelta(hours=2)
        reschedule(sessions, booking_id, new_start, datetime.now(UTC), 14)
        with sessions() as s:
            event = s.scalars(select(Event).where(Event.event_uid == "interview-4711")).one()
            assert event.start_at == new_start and event.status == "confirmed"
        cancel(sessions, booking_id, "No longer needed", "host", datetime.now(UTC))
        with sessions() as s:
            event = s.scalars(select(Event).where(Event.event_uid == "interview-4711")).one()
            assert event.status == "cancelled"


def test_two_links_with_the_same_periods_offer_their_own_queries(client, host):
    """The booking page's slot cache keys on the query, not only the periods and duration:
    a 60-minute start interval and a 30-minute one over the same morning differ."""
    made = []
    for minutes in (60, 30):
        body = rts_body(client, host)
        body["availability"]["start_interval"] = {"minutes": minutes}
        made.append(create(client, host, body))
    hourly, half_hourly = (
        form_fields(client.get(path_of(m["url"])).get_data(as_text=True))["starts"] for m in made
    )
    assert len(hourly) == 4 and len(half_hourly) == 7
