"""The working-hours editor: ranges per day as time inputs, copy to weekdays, plain-word
problems next to their fields (never API paths), nothing lost on a mistake."""

from __future__ import annotations

from bs4 import BeautifulSoup
from helpers import _csrf, create_link, login, path_of
from werkzeug.datastructures import MultiDict

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _form(page: str, **days) -> list[tuple[str, str]]:
    """A full form post: days given as [(start, end), ...], every other day empty."""
    data = [("csrf_token", _csrf(page)), ("tzid", "Europe/London")]
    for day in DAYS:
        for start, end in days.get(day, []):
            data += [(f"{day}-start", start), (f"{day}-end", end)]
        data += [(f"{day}-start", ""), (f"{day}-end", "")]  # the blank row every day has
    return data


def _override(day: str, kind: str, start: str = "", end: str = "") -> list[tuple[str, str]]:
    return [
        ("override-date", day),
        ("override-kind", kind),
        ("override-start", start),
        ("override-end", end),
    ]


def _override_rows(page: str) -> list[tuple[str, str, str, str]]:
    """The date-override rows as the page shows them: (date, kind, from, until)."""
    soup = BeautifulSoup(page, "html.parser")
    return [
        (
            row.select_one('[name="override-date"]')["value"],
            row.select_one('[name="override-kind"] option[selected]')["value"],
            row.select_one('[name="override-start"]')["value"],
            row.select_one('[name="override-end"]')["value"],
        )
        for row in soup.select(".override")
    ]


def _rule(client, host) -> dict:
    return client.get("/v1/availability_rules", headers=host.headers).get_json()[
        "availability_rules"
    ][0]


def test_round_trip(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    assert 'type="time"' in page and 'name="monday-start" value="09:00"' in page
    data = _form(
        page,
        monday=[("08:00", "12:00"), ("13:00", "16:30")],
        friday=[("10:00", "14:00")],
        saturday=[("20:00", "00:00")],
    )
    data = [(k, v if k != "tzid" else "America/New_York") for k, v in data]
    data += [
        *_override("2026-12-25", "off"),
        *_override("2026-12-28", "hours", "09:00", "11:00"),
        *_override("2026-12-28", "hours", "14:00", "00:00"),
        *_override("", "off"),  # the blank row every page has
        ("min_notice_minutes", "120"),
        ("buffer_before", "10"),
        ("buffer_after", "5"),
        ("max_days_ahead", "30"),
        ("show_email", "yes"),
    ]
    assert client.post("/settings/hours", data=MultiDict(data)).status_code == 303
    rule = _rule(client, host)
    assert rule["tzid"] == "America/New_York"
    assert {(p["day"], p["start_time"], p["end_time"]) for p in rule["weekly_periods"]} == {
        ("monday", "08:00", "12:00"),
        ("monday", "13:00", "16:30"),
        ("friday", "10:00", "14:00"),
        ("saturday", "20:00", "24:00"),
    }
    assert rule["min_notice_minutes"] == 120 and rule["max_days_ahead"] == 30
    assert rule["buffer"] == {"before": 10, "after": 5}
    assert rule["date_overrides"] == [
        {"date": "2026-12-25", "periods": []},
        {
            "date": "2026-12-28",
            "periods": [
                {"start_time": "09:00", "end_time": "11:00"},
                {"start_time": "14:00", "end_time": "24:00"},
            ],
        },
    ]
    shown = client.get("/settings/hours").get_data(as_text=True)
    assert 'name="monday-start" value="13:00"' in shown
    assert _override_rows(shown) == [
        ("2026-12-25", "off", "", ""),
        ("2026-12-28", "hours", "09:00", "11:00"),
        ("2026-12-28", "hours", "14:00", "00:00"),
        ("", "off", "", ""),
    ]
    assert 'name="saturday-end" value="00:00"' in shown
    assert 'id="show_email" name="show_email" value="yes" checked' in shown


def test_mistakes_are_plain_words_by_their_fields_and_nothing_is_lost(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    data = _form(page, monday=[("17:00", "09:00")], tuesday=[("09:00", "")])
    data = [(k, v if k != "tzid" else "Mars/Olympus") for k, v in data]
    data += [("min_notice_minutes", "soon"), *_override("2026-02-30", "off")]
    response = client.post("/settings/hours", data=MultiDict(data))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Monday: a range must end after it starts (17:00–09:00)." in html
    assert "Tuesday: give each range a start and an end time." in html
    assert "Minimum notice: a whole number from 0 to" in html
    assert "Date overrides: pick a date for each row, like 2026-12-24." in html
    assert "We don&#39;t know this time zone" in html
    assert 'id="monday-error"' in html and 'aria-describedby="monday-error"' in html
    for api_path in ("weekly_periods", "end_time", "tzid:", "min_notice_minutes:"):
        assert api_path not in html.split('id="problems"')[1].split("</div>")[0]
    # What was typed comes back as typed.
    assert 'value="Mars/Olympus"' in html and 'value="soon"' in html
    assert 'name="monday-start" value="17:00"' in html
    assert ("2026-02-30", "off", "", "") in _override_rows(html)
    assert _rule(client, host)["tzid"] == "Europe/London"


def test_overlapping_ranges_are_refused(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    data = _form(page, wednesday=[("09:00", "12:00"), ("11:00", "13:00")])
    html = client.post("/settings/hours", data=MultiDict(data)).get_data(as_text=True)
    assert "Wednesday: two ranges overlap" in html


def test_copy_to_weekdays_without_script(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    data = _form(page, monday=[("08:00", "12:00"), ("13:00", "15:00")]) + [("copy", "monday")]
    html = client.post("/settings/hours", data=MultiDict(data)).get_data(as_text=True)
    for day in ("tuesday", "wednesday", "thursday", "friday"):
        assert f'name="{day}-start" value="13:00"' in html
    assert 'name="saturday-start" value="13:00"' not in html
    assert "Save to keep them" in html
    # Nothing saved yet.
    assert {p["start_time"] for p in _rule(client, host)["weekly_periods"]} == {"09:00"}


def test_no_times_page_shows_the_hosts_email_only_when_allowed(client, host):
    link = create_link(
        client,
        host,
        query_periods=[{"start": "2020-01-01T09:00:00Z", "end": "2020-01-01T10:00:00Z"}],
    )
    page = client.get(path_of(link["url"])).get_data(as_text=True)
    assert "No free times right now" in page and "mailto:" not in page
    login(client)
    form = client.get("/settings/hours").get_data(as_text=True)
    data = _form(form, monday=[("09:00", "17:00")]) + [("show_email", "yes")]
    assert client.post("/settings/hours", data=MultiDict(data)).status_code == 303
    page = client.get(path_of(link["url"])).get_data(as_text=True)
    assert 'href="mailto:host@example.com?subject=' in page


def test_only_the_wrong_range_is_marked(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    data = _form(page, tuesday=[("09:00", "12:00"), ("14:00", "13:00")])
    html = client.post("/settings/hours", data=MultiDict(data)).get_data(as_text=True)
    assert 'id="tuesday-start-1" name="tuesday-start" value="09:00" step="300">' in html
    assert (
        'id="tuesday-start-2" name="tuesday-start" value="14:00" step="300" aria-invalid="true"'
        in html
    )


def test_date_override_mistakes_mark_their_rows(client, host):
    login(client)
    page = client.get("/settings/hours").get_data(as_text=True)
    cases = [
        (_override("2026-12-24", "hours", "12:00", "10:00"), "2026-12-24: hours must end after"),
        (_override("2026-12-24", "hours", "", "10:00"), "2026-12-24: give the hours a start"),
        (
            _override("2026-12-24", "off") + _override("2026-12-24", "hours", "10:00", "12:00"),
            "2026-12-24 is both a day off and has hours",
        ),
        (
            _override("2026-12-24", "hours", "10:00", "12:00")
            + _override("2026-12-24", "hours", "11:00", "13:00"),
            "2026-12-24: two ranges overlap",
        ),
    ]
    for rows, problem in cases:
        good = _override("2026-12-31", "off")
        response = client.post("/settings/hours", data=MultiDict(_form(page) + good + rows))
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and problem in html, problem
        soup = BeautifulSoup(html, "html.parser")
        marked = [
            row.select_one('[name="override-date"]').get("aria-invalid") == "true"
            for row in soup.select(".override")
        ]
        # The good row is not marked, every row of the mistake is, the blank row is not.
        assert marked == [False] + [True] * (len(rows) // 4) + [False], problem
    assert _rule(client, host)["date_overrides"] == []
