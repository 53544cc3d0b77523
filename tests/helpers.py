"""Small helpers shared by integration tests."""

from __future__ import annotations

import re
from html import unescape

NATIVE = (
    '<div hidden data-schedlink-contact data-name="Ada Lovelace" data-email="ada@example.com"'
    ' data-tzid="Europe/London" data-reference="candidate-4711"'
    ' data-summary="Interview: Senior Engineer" data-duration="45"></div>'
)


def create_link(client, host, **body):
    body.setdefault("contact", {"name": "Ada Lovelace", "email": "ada@example.com"})
    response = client.post("/v1/scheduling_links", json=body, headers=host.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["scheduling_link"]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def form_fields(html: str) -> dict:
    """The hidden inputs and the offered slot values of a booking page."""
    hidden = dict(
        (unescape(n), unescape(v))
        for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    )
    hidden["starts"] = [unescape(v) for v in re.findall(r'name="start" value="([^"]+)"', html)]
    return hidden


def book(client, url, start=None, name="Ada Lovelace", email="ada@example.com"):
    page = client.get(path_of(url))
    fields = form_fields(page.get_data(as_text=True))
    data = {
        "form_token": fields["form_token"],
        "tz": fields.get("tz", "Europe/London"),
        "start": start or fields["starts"][0],
        "name": name,
        "email": email,
    }
    return client.post(path_of(url), data=data), fields
