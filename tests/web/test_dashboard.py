"""The host's dashboard and working-hours editor."""

from __future__ import annotations

import re

from helpers import _csrf, book, create_link, login, path_of

from backend.outbox import worker as jobs


def test_dashboard_lists_links_and_upcoming_bookings(client, host):
    booked = create_link(client, host, contact={"name": "Ada <i>L</i>", "email": "a@example.com"})
    book(client, booked["url"], name="Ada <i>L</i>")
    create_link(client, host, summary="Still open")
    login(client)
    html = client.get("/").get_data(as_text=True)
    assert "Upcoming bookings" in html and "Ada &lt;i&gt;L&lt;/i&gt;" in html
    assert "Still open" in html and ">completed<" in html and ">open<" in html


def test_host_turns_a_link_off(client, host):
    link = create_link(client, host)
    login(client)
    page = client.get("/").get_data(as_text=True)
    response = client.post(f"/links/{link['id']}/disable", data={"csrf_token": _csrf(page)})
    assert response.status_code == 303
    assert client.get(path_of(link["url"])).status_code == 410
    api = client.get(f"/v1/scheduling_links/{link['id']}", headers=host.headers).get_json()
    assert api["scheduling_link"]["status"] == "disabled"


def test_host_cancels_a_booking_and_the_invitee_is_told(app, client, host, smtp):  # noqa: F811
    link = create_link(client, host)
    book(client, link["url"])
    jobs.run_once(app)
    smtp.messages.clear()
    login(client)
    page = client.get("/").get_data(as_text=True)
    booking_id = re.search(r'data-booking="(bk_[a-z0-9]+)"', page).group(1)
    done = client.post(
        f"/bookings/{booking_id}/cancel", data={"csrf_token": _csrf(page), "reason": "Role filled"}
    )
    assert done.status_code == 303
    assert booking_id not in client.get("/").get_data(as_text=True)
    jobs.run_once(app)
    to_invitee = next(m for r, m in smtp.messages if r == ["ada@example.com"])
    assert to_invitee["Subject"].startswith("Cancelled:")
    assert "Role filled" in to_invitee.get_body(("plain",)).get_content()


def test_other_hosts_cannot_touch_my_things(app, client, host):
    from helpers import make_host

    link = create_link(client, host)
    book(client, link["url"])
    make_host(app, email="other@example.com")
    login(client, email="other@example.com")
    page = client.get("/").get_data(as_text=True)
    client.post(f"/links/{link['id']}/disable", data={"csrf_token": _csrf(page)})
    api = client.get(f"/v1/scheduling_links/{link['id']}", headers=host.headers).get_json()
    assert api["scheduling_link"]["status"] == "completed"


def test_working_hours_editor_round_trip(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    assert 'value="09:00-17:00"' in page and 'value="Europe/London"' in page
    form = {
        "csrf_token": _csrf(page),
        "tzid": "America/New_York",
        "day-monday": "08:00-12:00, 13:00-16:30",
        "day-tuesday": "",
        "day-wednesday": "",
        "day-thursday": "",
        "day-friday": "10:00-14:00",
        "day-saturday": "",
        "day-sunday": "",
        "overrides": "2026-12-25: off\n2026-12-28: 09:00-11:00",
        "min_notice_minutes": "120",
        "buffer_before": "10",
        "buffer_after": "5",
        "max_days_ahead": "30",
    }
    assert client.post("/settings/hours", data=form).status_code == 303
    rule = client.get("/v1/availability_rules", headers=host.headers).get_json()[
        "availability_rules"
    ][0]
    assert rule["tzid"] == "America/New_York"
    assert {(p["day"], p["start_time"], p["end_time"]) for p in rule["weekly_periods"]} == {
        ("monday", "08:00", "12:00"),
        ("monday", "13:00", "16:30"),
        ("friday", "10:00", "14:00"),
    }
    assert rule["min_notice_minutes"] == 120 and rule["max_days_ahead"] == 30
    assert rule["buffer"] == {"before": 10, "after": 5}
    assert {o["date"] for o in rule["date_overrides"]} == {"2026-12-25", "2026-12-28"}
    shown = client.get("/settings/hours").get_data(as_text=True)
    assert 'value="08:00-12:00, 13:00-16:30"' in shown and "2026-12-25: off" in shown


def test_working_hours_editor_explains_mistakes(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    response = client.post(
        "/settings/hours",
        data={
            "csrf_token": _csrf(page),
            "tzid": "Mars/Olympus",
            "day-monday": "nine to five",
            "min_notice_minutes": "soon",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Monday" in html
    assert 'value="nine to five"' in html
    rule = client.get("/v1/availability_rules", headers=host.headers).get_json()
    assert rule["availability_rules"][0]["tzid"] == "Europe/London"
