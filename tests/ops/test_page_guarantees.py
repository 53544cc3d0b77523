"""The booking page kept its guarantees while its per-request cost went down (issue 27):
limits still checked and announced on posts, CSP and no-store on the page."""

from __future__ import annotations

import pytest
from helpers import book, create_link, path_of


@pytest.fixture
def app_config():
    return {"RATELIMIT_BOOKING_PER_LINK": "2/minute"}


def test_posts_are_limited_and_say_so_pages_keep_their_headers(app, client, host):
    link = create_link(client, host, max_uses=5)
    page = client.get(path_of(link["url"]))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "nonce-" in page.headers["Content-Security-Policy"]
    assert "X-RateLimit-Limit" not in page.headers  # no limit is checked on a GET
    first, _ = book(client, link["url"])
    assert first.status_code == 303
    assert first.headers["X-RateLimit-Limit"]
    second, fields = book(client, link["url"], start=None)
    third = client.post(
        path_of(link["url"]),
        data={"form_token": fields["form_token"], "start": fields["starts"][-1], "tz": "UTC",
              "name": "Ada", "email": "ada@example.com"},
    )  # fmt: skip
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
