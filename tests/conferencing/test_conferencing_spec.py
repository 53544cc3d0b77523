"""The conferencing request shapes, and Jitsi room names (random, lower-case base32)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.conferencing import jitsi
from backend.conferencing.spec import Spec, parse_spec
from backend.core.validation import FieldErrors


def _parse(value):
    errors = FieldErrors()
    return parse_spec(value, errors), errors.errors


def test_each_profile_id_form():
    assert _parse(None) == (None, {})
    assert _parse({"profile_id": "default"}) == (Spec("default"), {})
    assert _parse({"profile_id": "none"}) == (Spec("none"), {})
    pro = "pro_" + "a" * 26
    assert _parse({"profile_id": pro}) == (Spec("profile", profile_id=pro), {})
    spec, errors = _parse(
        {
            "profile_id": "explicit",
            "provider_description": " Video  tech ",
            "join_url": "https://videotech.example/join/xyz",
        }
    )
    assert errors == {} and spec.kind == "explicit"
    assert spec.provider_description == "Video tech"
    assert spec.to_json()["join_url"] == "https://videotech.example/join/xyz"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("default", "conferencing"),
        ({}, "conferencing.profile_id"),
        ({"profile_id": "zoom"}, "conferencing.profile_id"),
        ({"profile_id": "pro_x"}, "conferencing.profile_id"),
        (
            {"profile_id": "explicit", "join_url": "https://a.example/"},
            "conferencing.provider_description",
        ),
        (
            {
                "profile_id": "explicit",
                "provider_description": "x" * 201,
                "join_url": "https://a.example/",
            },
            "conferencing.provider_description",
        ),
        (
            {
                "profile_id": "explicit",
                "provider_description": "V",
                "join_url": "http://a.example/",
            },
            "conferencing.join_url",
        ),
        (
            {
                "profile_id": "explicit",
                "provider_description": "V",
                "join_url": "javascript:alert(1)",
            },
            "conferencing.join_url",
        ),
        (
            {"profile_id": "explicit", "provider_description": "V", "join_url": "/relative"},
            "conferencing.join_url",
        ),
        (
            {
                "profile_id": "explicit",
                "provider_description": "V",
                "join_url": "https://a.example/\njoin",
            },
            "conferencing.join_url",
        ),
    ],
)
def test_bad_requests_name_the_field(value, field):
    spec, errors = _parse(value)
    assert spec is None and field in errors


def test_jitsi_rooms_are_160_random_bits_in_lower_case_base32():
    rooms = {jitsi.room_name() for _ in range(2000)}
    assert len(rooms) == 2000
    assert all(re.fullmatch(r"[a-z2-7]{32}", room) for room in rooms)
    url = jitsi.meeting_url("https://meet.example.org/acme/")
    assert re.fullmatch(r"https://meet\.example\.org/acme/[a-z2-7]{32}", url)


@given(st.text(max_size=60))
def test_jitsi_base_url_is_https_without_query(url):
    try:
        checked = jitsi.check_base_url(url)
    except ValueError:
        return
    assert checked.startswith(("https://", "http://localhost", "http://127.0.0.1", "http://["))
    assert "?" not in checked and "#" not in checked


@pytest.mark.parametrize(
    "bad",
    [
        "http://meet.example.org",
        "https://meet.example.org/?x=1",
        "ftp://meet.example.org",
        "",
        "https://",
    ],
)
def test_jitsi_base_url_refused(bad):
    with pytest.raises(ValueError):
        jitsi.check_base_url(bad)
