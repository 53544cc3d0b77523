"""Issue 25: reusable booking pages in the browser (no JavaScript): /<host>/<page> offers the
chosen length and books through the same form as a one-time link; daily limit, max_uses and
on/off; old slugs answer 301; the opt-in profile lists active pages; the host's "Booking
pages" page keeps everything typed with each error by its field; untrusted text escaped."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from helpers import form_fields, login

HOSTILE = '<script>alert("x")</script>'


def _page(client, host, status=201, **body):
    body = {"slug": "intro", "summary": "Intro call", "durations": [30]} | body
    response = client.post("/v1/booking_pages", json=body, headers=host.headers)
    assert response.status_code == status, response.get_json()
    return response.get_json()["booking_page"]


def _value(html: str, field: str) -> str | None:
    found = re.search(rf'<input id="{field}" name="{field}"[^>]* value="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _book(client, path, start=None, query=None, **extra):
    html = client.get(path, query_string=query or {}).get_data(as_text=True)
    fields = form_fields(html)
    data = {
        "form_token": fields["form_token"], "tz": "Europe/London",
        "start": start or fields["starts"][0], "name": "Ada Lovelace",
        "email": "ada@example.com", **extra,
    }  # fmt: skip
    if "duration" in fields:
        data.setdefault("duration", fields["duration"])
    return client.post(path, data=data), fields


def test_duration_choice_offers_and_books_the_chosen_length(client, host):
    _page(client, host, durations=[15, 60])
    html = client.get("/grace-hopper/intro").get_data(as_text=True)
    assert 'id="durations"' in html and "15 minutes" in html  # the first is preselected
    assert 'href="/grace-hopper/intro?duration=60"' in html
    long = client.get("/grace-hopper/intro?duration=60").get_data(as_text=True)
    assert "60 minutes" in long and 'name="duration" value="60"' in long
    response, fields = _book(client, "/grace-hopper/intro", query={"duration": "60"})
    assert response.status_code == 303 and "/booked/" in response.headers["Location"]
    # A length the page does not offer is never booked: the page's first is used instead.
    refused, _ = _book(client, "/grace-hopper/intro", duration="45")
    assert refused.status_code == 303
    start = _at(fields["starts"][0])
    query = {"from": start.isoformat(), "to": (start + timedelta(days=30)).isoformat()}
    events = client.get("/v1/events", query_string=query, headers=host.headers).get_json()
    lengths = sorted(
        (_at(e["end"]) - _at(e["start"])).seconds // 60
        for e in events["events"] if e.get("answers") is not None
    )  # fmt: skip
    assert lengths == [15, 60]


def test_daily_limit_closes_a_day_once_reached(client, host):
    _page(client, host, daily_limit=1)
    starts = form_fields(client.get("/grace-hopper/intro").get_data(as_text=True))["starts"]
    london = ZoneInfo("Europe/London")
    days = sorted({_at(s).astimezone(london).date() for s in starts})
    day = days[1]  # a whole day of slots, whatever the time now
    chosen = next(s for s in starts if _at(s).astimezone(london).date() == day)
    assert sum(_at(s).astimezone(london).date() == day for s in starts) > 1
    assert _book(client, "/grace-hopper/intro", start=chosen)[0].status_code == 303
    after = form_fields(client.get("/grace-hopper/intro").get_data(as_text=True))["starts"]
    assert not [s for s in after if _at(s).astimezone(london).date() == day]
    assert [s for s in after if _at(s).astimezone(london).date() == days[0]]


def test_max_uses_and_turning_off_give_a_clear_page(client, host):
    page = _page(client, host, max_uses=1)
    assert _book(client, "/grace-hopper/intro")[0].status_code == 303
    full = client.get("/grace-hopper/intro")
    assert full.status_code == 410 and "fully booked" in full.get_data(as_text=True)
    page_id = page["booking_page_id"]
    client.patch(f"/v1/booking_pages/{page_id}", json={"max_uses": 5}, headers=host.headers)
    assert client.get("/grace-hopper/intro").status_code == 200  # open again
    fields = form_fields(client.get("/grace-hopper/intro").get_data(as_text=True))
    client.patch(f"/v1/booking_pages/{page_id}", json={"active": False}, headers=host.headers)
    off = client.get("/grace-hopper/intro")
    assert off.status_code == 410 and "turned off" in off.get_data(as_text=True)
    post = client.post(
        "/grace-hopper/intro",
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip
    assert post.status_code == 410


def test_old_page_and_host_slugs_redirect(client, host):
    page = _page(client, host)
    client.patch(
        f"/v1/booking_pages/{page['booking_page_id']}", json={"slug": "intro-call"},
        headers=host.headers,
    )  # fmt: skip
    moved = client.get("/grace-hopper/intro?tz=Asia/Tokyo")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/grace-hopper/intro-call?tz=Asia/Tokyo")
    login(client)
    html = client.get("/profile/public-page").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    # A route's prefix is no host's slug; the form keeps what was typed.
    bad = client.post("/profile/public-page", data={"csrf_token": token, "slug": "login"})
    assert bad.status_code == 422 and 'value="login"' in bad.get_data(as_text=True)
    saved = client.post(
        "/profile/public-page",
        data={"csrf_token": token, "slug": "grace", "public_profile": "on"},
    )
    assert saved.status_code == 303
    assert client.get("/grace-hopper/intro").headers["Location"].endswith("/grace/intro-call")
    assert client.get("/grace-hopper/intro-call").headers["Location"].endswith("/grace/intro-call")
    assert client.get("/grace/intro-call").status_code == 200
    assert client.get("/grace-hopper").headers["Location"].endswith("/grace")
    profile = client.get("/grace").get_data(as_text=True)
    assert 'href="/grace/intro-call"' in profile
    assert client.get("/grace/nope").status_code == 404
    assert client.get("/nobody/intro").status_code == 404


def test_profile_is_opt_in_and_lists_only_active_pages(client, host):
    _page(client, host)
    _page(client, host, slug="hostile", summary=HOSTILE)
    off = _page(client, host, slug="secret", summary="Secret")
    assert client.get("/grace-hopper").status_code == 404  # not listed until the host opts in
    login(client)
    html = client.get("/profile/public-page").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post(
        "/profile/public-page",
        data={"csrf_token": token, "slug": "grace-hopper", "public_profile": "on"},
    )
    client.patch(
        f"/v1/booking_pages/{off['booking_page_id']}", json={"active": False},
        headers=host.headers,
    )  # fmt: skip
    listing = client.get("/grace-hopper").get_data(as_text=True)
    assert "Intro call" in listing and "Secret" not in listing
    assert HOSTILE not in listing and "&lt;script&gt;" in listing


def test_host_ui_creates_edits_toggles_and_deletes(client, host):
    login(client)
    html = client.get("/pages").get_data(as_text=True)
    assert 'id="booking-pages-link"' in html and 'id="no-pages"' in html
    form = client.get("/pages/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    typed = {
        "csrf_token": token, "summary": HOSTILE, "slug": "Bad Slug", "durations": "15, x",
        "daily_limit": "-3", "max_uses": "", "place_type": "in_person", "place_detail": "",
        "q0-label": "Size", "q0-type": "choice", "q0-choices": "", "active": "on",
    }  # fmt: skip
    bad = client.post("/pages/new", data=typed)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for field in ("slug", "durations", "daily_limit", "place", "q0"):
        assert f'id="{field}-error"' in page, field
    assert 'value="Bad Slug"' in page and 'value="15, x"' in page and 'value="-3"' in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    typed |= {
        "slug": "intro", "durations": "15 30", "daily_limit": "", "place_type": "custom",
        "place_detail": "Room <b>4</b>", "q0-label": "Company <i>", "q0-type": "text",
    }  # fmt: skip
    assert client.post("/pages/new", data=typed).status_code == 303
    listing = client.get("/pages").get_data(as_text=True)
    assert "http://schedlink.test/grace-hopper/intro" in listing
    assert HOSTILE not in listing and "&lt;script&gt;" in listing
    page_id = re.search(r'data-page="(bp_[a-z0-9]+)"', listing).group(1)
    public = client.get("/grace-hopper/intro").get_data(as_text=True)
    assert HOSTILE not in public and "Company &lt;i&gt;" in public and "Room &lt;b&gt;4" in public
    edit = client.get(f"/pages/{page_id}").get_data(as_text=True)
    assert 'value="15, 30"' in edit and 'value="Company &lt;i&gt;"' in edit
    assert client.post(f"/pages/{page_id}/active", data={"csrf_token": token}).status_code == 303
    assert client.get("/grace-hopper/intro").status_code == 410
    client.post(f"/pages/{page_id}/active", data={"csrf_token": token, "active": "on"})
    assert client.get("/grace-hopper/intro").status_code == 200
    assert client.post(f"/pages/{page_id}/delete", data={"csrf_token": token}).status_code == 303
    assert client.get("/grace-hopper/intro").status_code == 404
    assert unescape("No booking pages yet.") in client.get("/pages").get_data(as_text=True)


def test_manage_links_of_a_page_booking_keep_its_length(app, client, host):
    _page(client, host, durations=[60, 15])
    response, fields = _book(client, "/grace-hopper/intro", query={"duration": "15"})
    assert response.status_code == 303
    confirmed = client.get(response.headers["Location"]).get_data(as_text=True)
    reschedule = re.search(r'href="(http://schedlink.test/booking/reschedule/[^"]+)"', confirmed)
    path = "/" + reschedule.group(1).split("/", 3)[3]
    page = client.get(path).get_data(as_text=True)
    starts = form_fields(page)["starts"]
    # 15-minute starts: the booking's own length, not the page's first (60).
    gaps = {_at(b) - _at(a) for a, b in zip(starts, starts[1:], strict=False)}
    assert timedelta(minutes=15) in gaps


def test_page_bookings_reach_webhooks_like_link_bookings(app, client, host):
    import json

    from sqlalchemy import select

    from backend import db
    from backend.models import WebhookMessage

    made = client.post(
        "/v1/channels", json={"callback_url": "https://hooks.example.com/in"},
        headers=host.headers,
    )  # fmt: skip
    assert made.status_code in (200, 201), made.get_json()
    _page(
        client, host, questions=[{"label": "Company", "type": "text"}],
        place={"type": "in_person", "address": "1 Main St"},
    )  # fmt: skip
    response, _ = _book(client, "/grace-hopper/intro", **{"answer-q1": "Acme <Ltd>"})
    assert response.status_code == 303
    with app.app_context():
        bodies = [
            json.loads(m.body)
            for m in db.session().scalars(
                select(WebhookMessage).where(WebhookMessage.type == "booking_created")
            )
        ]
    (body,) = bodies
    assert body["booking"]["answers"] == [{"label": "Company", "value": "Acme <Ltd>"}]
    assert body["scheduling_link"]["booking_page"]["slug"] == "intro"
    assert body["scheduling_link"]["max_uses"] is None
    assert body["event"]["location"] == {"description": "1 Main St"}


def test_host_ui_they_call_you_on_your_number_with_one_guest(client, host):
    login(client)
    form = client.get("/pages/new").get_data(as_text=True)
    assert 'value="phone_host"' in form and _value(form, "place_number") == ""
    assert _value(form, "max_guests") == "3"  # the API's default, shown
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    typed = {
        "csrf_token": token, "summary": "Intro call", "slug": "intro", "durations": "30",
        "place_type": "phone_invitee", "place_number": "12 <3>", "max_guests": "1",
        "active": "on",
    }  # fmt: skip
    for number in ("12 <3>", " "):
        bad = client.post("/pages/new", data=typed | {"place_number": number})
        page = bad.get_data(as_text=True)
        assert bad.status_code == 422 and 'id="place_number-error"' in page
        assert "with its country code" in page  # the API's words
        assert _value(page, "place_number") == number and _value(page, "max_guests") == "1"
    assert "No booking pages yet." in client.get("/pages").get_data(as_text=True)
    made = client.post("/pages/new", data=typed | {"place_number": "+44 20 7946 0958"})
    assert made.status_code == 303
    (api,) = client.get("/v1/booking_pages", headers=host.headers).get_json()["booking_pages"]
    assert api["place"] == {"type": "phone", "calls": "invitee", "number": "+442079460958"}
    assert api["max_guests"] == 1
    public = client.get("/grace-hopper/intro").get_data(as_text=True)
    assert "Call +442079460958" in public and "up to 1;" in public
    edit = client.get(f"/pages/{api['booking_page_id']}").get_data(as_text=True)
    assert _value(edit, "place_number") == "+442079460958" and _value(edit, "max_guests") == "1"
