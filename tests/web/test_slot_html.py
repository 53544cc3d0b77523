"""The booking page keeps the HTML of its free times per slot list, zone and clock: the page
stays the same as rendered afresh, its tokens stay per request, and a change of availability
or a booking shows at once."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from helpers import book, create_link, form_fields, path_of
from sqlalchemy import select

from backend import db
from backend.core import timefmt
from backend.core.validation import format_utc, parse_utc
from backend.models import Calendar


def _slot_html(app):
    return app.extensions["schedlink.slot_html"]


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="form_token" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def _label(html: str, start: str) -> str:
    return re.search(rf'value="{start}" required>\s*<span>([^<]+)</span>', html).group(1)


def test_kept_times_leave_tokens_per_request_and_the_page_as_rendered_afresh(app, client, host):
    path = path_of(create_link(client, host)["url"])
    _slot_html(app).clear()
    first, second = client.get(path), client.get(path)
    assert len(_slot_html(app)) == 1
    pages = [r.get_data(as_text=True) for r in (first, second)]
    tokens = [form_fields(p)["form_token"] for p in pages]
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"])[1]
              for r in (first, second)]  # fmt: skip
    assert all(tokens) and nonces[0] != nonces[1]
    for response, nonce in zip((first, second), nonces, strict=True):
        assert response.headers["Cache-Control"] == "no-store"
        assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    (kept,) = _slot_html(app)._entries.values()
    for secret in (*tokens, *nonces):
        assert secret not in kept.months and secret not in kept.days
    _slot_html(app).clear()
    afresh = client.get(path).get_data(as_text=True)
    assert _without_tokens(pages[0]) == _without_tokens(pages[1]) == _without_tokens(afresh)
    assert form_fields(afresh)["starts"]


def test_each_zone_and_clock_has_its_own_times(app, client, host):
    path = path_of(create_link(client, host)["url"])
    _slot_html(app).clear()
    seen = {}
    for zone, hour_format in [("Asia/Tokyo", "24"), ("America/New_York", "12"),
                              ("Asia/Tokyo", "12"), ("Asia/Tokyo", "24")]:  # fmt: skip
        html = client.get(f"{path}?tz={zone}&h={hour_format}").get_data(as_text=True)
        starts = form_fields(html)["starts"]
        for start in starts[:3] + starts[-2:]:
            local = parse_utc(start).astimezone(ZoneInfo(zone))
            assert _label(html, start) == timefmt.clock(local, hour_format)
            day = local.date().isoformat()
            assert f'<div class="day" data-date="{day}">' in html
        seen[zone, hour_format] = starts
    assert len(_slot_html(app)) == 3  # the fourth page was the first's, kept
    assert len({tuple(s) for s in seen.values()}) == 1  # the same times, shown three ways


def test_a_busy_event_and_a_booking_show_at_once(app, client, host):
    path = path_of(create_link(client, host)["url"])
    starts = form_fields(client.get(path).get_data(as_text=True))["starts"]
    busy_start = parse_utc(starts[0])
    with app.app_context():
        calendar = db.session().scalar(
            select(Calendar.public_id).where(
                Calendar.account_id == host.account_id, Calendar.profile_id.is_(None)
            )
        )
    busy = client.post(
        f"/v1/calendars/{calendar}/events",
        json={"event_id": "busy", "summary": "Busy", "start": starts[0],
              "end": format_utc(busy_start + timedelta(hours=1))}, headers=host.headers,
    )  # fmt: skip
    assert busy.status_code == 202
    after_busy = form_fields(client.get(path).get_data(as_text=True))["starts"]
    assert starts[0] not in after_busy and starts[-1] in after_busy

    other = create_link(client, host, contact={"name": "Alan", "email": "alan@example.com"})
    booked, _ = book(client, other["url"], start=after_busy[-1])
    assert booked.status_code == 303
    after_booking = form_fields(client.get(path).get_data(as_text=True))["starts"]
    assert after_busy[-1] not in after_booking and after_booking == after_busy[:-1]
