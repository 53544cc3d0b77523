"""Small helpers shared by integration tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape

from sqlalchemy import select

from backend import db
from backend.accounts import create_account, create_api_key
from backend.models import Channel, WebhookMessage

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


@dataclass
class Host:
    sub: str
    email: str
    api_key: str
    account_id: int

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"}


def make_host(app, email="host@example.com", name="Grace Hopper", tzid="Europe/London") -> Host:
    with app.app_context(), db.write() as s:
        account = create_account(s, email, name, tzid, "correct horse battery")
        _key, plaintext = create_api_key(s, account, "tests")
        return Host(account.sub, account.email, plaintext, account.id)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, email="host@example.com", password="correct horse battery"):
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login", data={"csrf_token": _csrf(page), "email": email, "password": password}
    )


def web_post(client, page_path: str, action: str, data: dict | None = None):
    """Open `page_path` (for its CSRF token) and post `data` to `action`, with the Referer a
    browser sends (same-origin policy)."""
    token = _csrf(client.get(page_path).get_data(as_text=True))
    return client.post(
        action,
        data={"csrf_token": token, **(data or {})},
        headers={"Referer": f"http://schedlink.test{page_path}"},
    )


def webhook_bodies(app, h: Host, type_: str) -> list[dict]:
    """The bodies of the notifications of `type_` queued for `h`'s channels, oldest first."""
    with app.app_context():
        return [
            json.loads(body)
            for body in db.session().scalars(
                select(WebhookMessage.body)
                .join(Channel, Channel.id == WebhookMessage.channel_id)
                .where(Channel.account_id == h.account_id, WebhookMessage.type == type_)
                .order_by(WebhookMessage.id)
            )
        ]
