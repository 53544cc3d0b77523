"""POST /v1/markup/parse on whole pages: over 1 MiB is a clear 413, hostile shapes under it
are answered with contacts and warnings (the security review's payloads)."""

from __future__ import annotations

NATIVE = '<div hidden data-schedlink-contact data-name="Ada" data-email="ada@example.com"></div>'
REVIEW = '<div class="h-card"><span class="p-name">' * 120


def test_the_default_markup_limit_is_one_mebibyte(app):
    assert app.config["MARKUP_MAX_BYTES"] == 1_048_576


def test_a_whole_page_over_the_limit_is_a_clear_413(client, host):
    page = REVIEW + "<br>" * 475_000 + "</span></div>" * 120  # the review's 1.9 MB payload
    response = client.post("/v1/markup/parse", json={"html": page}, headers=host.headers)
    assert response.status_code == 413
    body = response.get_json()
    size = len(page.encode())
    assert body == {
        "error": "payload_too_large",
        "message": f"html is {size:,} UTF-8 bytes; this endpoint reads at most 1,048,576. "
        "Send the part of the page around the contact, as the browser extension does.",
    }


def test_the_limit_is_inclusive(app, client, host):
    app.config["MARKUP_MAX_BYTES"] = len(NATIVE)
    ok = client.post("/v1/markup/parse", json={"html": NATIVE}, headers=host.headers)
    assert ok.status_code == 200 and ok.get_json()["contacts"][0]["email"] == "ada@example.com"
    over = client.post("/v1/markup/parse", json={"html": NATIVE + " "}, headers=host.headers)
    assert over.status_code == 413
    assert f"reads at most {len(NATIVE):,}" in over.get_json()["message"]


def test_the_reviews_payload_under_the_limit_is_answered(client, host):
    page = NATIVE + REVIEW + "<br>" * 100_000 + "</span></div>" * 120  # 406 kB
    response = client.post("/v1/markup/parse", json={"html": page}, headers=host.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["contacts"][0]["email"] == "ada@example.com"
    assert any("elements and texts; only those before" in w for w in body["warnings"])
