"""One zone check everywhere (validation.is_tzid): real IANA zone names only, never the names
a server's zone directory adds (localtime, Factory, posixrules, posix/…, right/…), and a zone
nobody knows is named on the booking page without its control characters."""

from __future__ import annotations

import pytest
from helpers import create_link, path_of

from backend.core.validation import is_tzid, known_tzids

NOT_ZONES = [
    "localtime", "Factory", "posixrules", "posix/Europe/London", "right/UTC", "SystemV/EST5",
    "../../etc/passwd", "Europe/London\x00", "", "europe/london",
]  # fmt: skip


@pytest.mark.parametrize("value", NOT_ZONES)
def test_only_iana_zone_names_are_zones(value):
    assert not is_tzid(value)
    assert value not in known_tzids()


def test_real_zone_names_are_zones():
    for zone in ("UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Etc/GMT+5"):
        assert is_tzid(zone), zone
    assert len(known_tzids()) > 300


@pytest.mark.parametrize("asked", ["localtime", "Factory", "posixrules"])
def test_the_booking_page_refuses_server_dependent_zones(client, host, asked):
    link = create_link(client, host)
    page = client.get(path_of(link["url"]), query_string={"tz": asked})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"We don't know the time zone “{asked}”" in html
    assert f'value="{asked}"' not in html and f"{asked} ·" not in html  # not "localtime · GMT"
    assert 'id="tz" name="tz" list="zones" value="Europe/London"' in html  # the host's zone


def test_an_unknown_zone_is_named_without_control_characters(client, host):
    link = create_link(client, host)
    for asked, shown in (("\x00", "\ufffd"), ("Mars\x00/\x1bBase", "Mars/Base")):
        html = client.get(path_of(link["url"]), query_string={"tz": asked}).get_data(as_text=True)
        assert "\x00" not in html and "\x1b" not in html
        assert f"We don't know the time zone “{shown}”" in html


@pytest.mark.parametrize("zone", ["localtime", "Factory"])
def test_the_api_and_the_hours_refuse_them_too(client, host, zone):
    account = client.patch("/v1/account", json={"tzid": zone}, headers=host.headers)
    assert account.status_code == 422 and "tzid" in account.get_json()["errors"]
    rules = client.put(
        "/v1/availability_rules", json={"tzid": zone, "weekly_periods": []}, headers=host.headers
    )
    assert rules.status_code == 422
    link = client.post(
        "/v1/scheduling_links",
        json={"contact": {"name": "Ada", "email": "ada@example.com", "tzid": zone}},
        headers=host.headers,
    )
    assert link.status_code == 422 and any("tzid" in f for f in link.get_json()["errors"])
