"""Cronofy's error envelope where a deployment limits the API (issue 21): 429 is JSON with a
`Retry-After` header the SDKs can wait on."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_APPLICATION": "3/minute"}


def test_429_is_json_with_retry_after(client, host):
    answers = [client.get("/v1/account", headers=host.headers) for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    limited = answers[3]
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json()["error"] == "rate_limited"
