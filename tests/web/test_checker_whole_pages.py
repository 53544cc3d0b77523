"""The markup checker on whole pages: over 1 MiB is a 413 page that says so."""

from __future__ import annotations

from test_checker import check, contacts, textarea


def test_a_page_over_one_mebibyte_is_refused_with_a_clear_message(client):
    page = "<p>" + "x" * 1_048_576 + "</p>"
    response = check(client, page)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "1,048,583 bytes" in text and "at most 1,048,576 bytes" in text
    assert "whole pages over that are refused" in text
    assert textarea(text) == ""


def test_the_form_states_the_limit(client):
    text = client.get("/tools/markup-checker").get_data(as_text=True)
    assert "At most 1,048,576 bytes (UTF-8); a whole" in text


def test_the_reviews_payload_under_the_limit_is_answered(client):
    native = '<div hidden data-schedlink-contact data-name="Ada" data-email="ada@example.com">'
    page = native + "</div>" + '<div class="h-card"><span class="p-name">' * 120
    page += "<br>" * 100_000 + "</span></div>" * 120
    response = check(client, page)
    assert response.status_code == 200
    assert contacts(response.get_data(as_text=True))[0]["Name"] == "Ada"
