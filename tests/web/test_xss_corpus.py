"""Hostile values from page markup and from invitees, through the real ingestion path,
are inert in every sink: booking page, confirmation, cancel page, dashboard, e-mails, .ics."""

from __future__ import annotations

import re
from html import escape

import pytest
from helpers import form_fields, login, path_of

from backend.outbox import worker as jobs

PAYLOADS = [
    '<img src=x onerror="alert(1)">',
    "&lt;script&gt;alert(2)&lt;/script&gt;",
    '"><svg onload=alert(3)>',
    "javascript:alert(4)",
    "' onmouseover='alert(5)",
    "</textarea><script>alert(6)</script>",
]
DANGEROUS = re.compile(r"<(img|svg|script)\b[^>]*(onerror|onload|alert)|<script>alert", re.I)


def _markup(payload: str) -> str:
    value = escape(payload, quote=True)
    return (
        f'<div hidden data-schedlink-contact data-name="{value} Lovelace" '
        f'data-email="ada@example.com" data-organization="{value}" data-title="{value}" '
        f'data-reference="{value}" data-summary="Interview {value}" data-duration="30"></div>'
    )


def _assert_inert(html: str, where: str) -> None:
    assert not DANGEROUS.search(html), f"live markup in {where}"
    assert not re.search(r'href="\s*javascript:', html, re.I), f"javascript: href in {where}"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_everywhere(app, client, host, smtp, payload):  # noqa: F811
    created = client.post(
        "/v1/scheduling_links", json={"markup": _markup(payload)}, headers=host.headers
    )
    assert created.status_code == 201, created.get_json()
    link = created.get_json()["scheduling_link"]
    decoded = payload.replace("&lt;", "<").replace("&gt;", ">")
    assert decoded in link["contact"]["name"] or payload in link["contact"]["name"]

    page = client.get(path_of(link["url"])).get_data(as_text=True)
    _assert_inert(page, "booking page")
    fields = form_fields(page)
    response = client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][0],
              "name": payload, "email": "ada@example.com"},
    )  # fmt: skip
    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    _assert_inert(confirmation, "confirmation page")
    cancel_url = re.search(r'href="([^"]+)" id="cancel"', confirmation).group(1)
    _assert_inert(client.get(path_of(cancel_url.replace("&amp;", "&"))).get_data(as_text=True),
                  "cancel page")  # fmt: skip
    ics = client.get(response.headers["Location"] + "/invite.ics").get_data(as_text=True)
    assert all(line.count(":") >= 1 for line in ics.splitlines() if line and line[0] != " ")

    login(client)
    _assert_inert(client.get("/").get_data(as_text=True), "dashboard")

    jobs.run_once(app)
    assert len(smtp.messages) == 2
    for _rcpt, message in smtp.messages:
        _assert_inert(message.get_body(("html",)).get_content(), "e-mail")
        assert "\n" not in message["Subject"]


def test_markup_with_script_element_is_not_a_value(client, host):
    markup = (
        '<div hidden data-schedlink-contact data-name="Ada" data-email="ada@example.com">'
        "<script>alert(1)</script></div>"
    )
    link = client.post("/v1/scheduling_links", json={"markup": markup}, headers=host.headers)
    page = client.get(path_of(link.get_json()["scheduling_link"]["url"])).get_data(as_text=True)
    _assert_inert(page, "booking page")


def test_booking_page_script_tags_all_carry_the_nonce(client, host):
    link = client.post(
        "/v1/scheduling_links", json={"markup": _markup(PAYLOADS[5])}, headers=host.headers
    ).get_json()["scheduling_link"]
    response = client.get(path_of(link["url"]))
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    tags = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
    assert tags and all(f'nonce="{nonce}"' in tag for tag in tags)
