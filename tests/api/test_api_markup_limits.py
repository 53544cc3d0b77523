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


def _chunked(client, method: str, path: str, body: bytes, headers: dict):
    """A body sent with Transfer-Encoding: chunked and no Content-Length, as gunicorn hands it
    on (it decodes the chunks and sets wsgi.input_terminated)."""
    import io

    return client.open(
        path,
        method=method,
        input_stream=io.BytesIO(body),
        headers={**headers, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_size_limit_is_413_like_with_content_length(client, host):
    import json

    big = json.dumps({"html": "<p>" + "x" * 3_500_000 + "</p>"}).encode()
    sized = client.post("/v1/markup/parse", data=big, headers=host.headers)
    assert sized.status_code == 413
    for method, path in (
        ("POST", "/v1/markup/parse"),
        ("POST", "/v1/scheduling_links"),
        ("PATCH", "/v1/account"),
        ("POST", "/v1/channels"),
    ):
        response = _chunked(client, method, path, big, host.headers)
        assert response.status_code == 413, (path, response.get_json())
        assert response.get_json() == sized.get_json(), path


def test_a_chunked_body_up_to_the_limit_is_read_whole(app, client, host):
    import json

    body = json.dumps({"html": NATIVE}).encode()
    app.config["MAX_CONTENT_LENGTH"] = len(body)
    ok = _chunked(client, "POST", "/v1/markup/parse", body, host.headers)
    assert ok.status_code == 200 and ok.get_json()["contacts"][0]["email"] == "ada@example.com"
    over = _chunked(client, "POST", "/v1/markup/parse", body + b" ", host.headers)
    assert over.status_code == 413 and over.get_json()["error"] == "payload_too_large"
