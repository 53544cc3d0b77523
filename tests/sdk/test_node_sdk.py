"""The contract, in Node: the official `cronofy` npm package (pinned in tests/sdk/package.json)
drives the same live server through tests/sdk/node_calls.js, one process for all calls."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture
def answers(live, sdk_host) -> dict:
    if shutil.which("node") is None or not (HERE / "node_modules" / "cronofy").is_dir():
        pytest.skip("node or tests/sdk/node_modules missing: run (cd tests/sdk && npm ci)")
    env = {**os.environ, "SCHEDLINK_URL": live.url, "SCHEDLINK_KEY": sdk_host.api_key,
           "SCHEDLINK_SUB": sdk_host.sub}  # fmt: skip
    done = subprocess.run(["node", "node_calls.js"], cwd=HERE, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    data["host"] = sdk_host
    return data


def test_node_sdk_calls(answers, page_size):
    host = answers["host"]
    account = answers["account"]["ok"]["account"]
    assert account["account_id"] == host.sub and account["default_tzid"] == "Europe/London"
    info = answers["userinfo"]["ok"]
    assert info["cronofy.type"] == "account"
    assert info["cronofy.data"]["profiles"][0]["provider_name"] == "schedlink"
    assert answers["profiles"]["ok"]["profiles"][0]["provider_name"] == "schedlink"

    fb = answers["free_busy"]
    assert fb["pages"] == 2 and len(fb["blocks"]) == 7 > page_size
    assert {b["free_busy_status"] for b in fb["blocks"]} == {"busy"}

    assert answers["rule"]["ok"]["availability_rule"]["availability_rule_id"] == "interviews"
    assert [r["availability_rule_id"] for r in answers["rules"]["ok"]["availability_rules"]] == [
        "default",
        "interviews",
    ]
    assert answers["read_rule"]["ok"]["availability_rule"]["tzid"] == "Etc/UTC"
    assert answers["period"]["ok"]["available_period"]["available_period_id"] == "saturday"
    assert [p["available_period_id"] for p in answers["periods"]["ok"]["available_periods"]] == [
        "saturday"
    ]
    slots = answers["slots"]["ok"]["available_slots"]
    assert [s["start"] for s in slots] == ["2030-01-07T18:00:00Z"]
    # A Saturday: only the available period makes the host free (the default rule is
    # Monday to Friday).
    weekend = answers["weekend"]["ok"]["available_periods"]
    assert [(p["start"], p["end"]) for p in weekend] == [
        ("2030-01-12T10:00:00Z", "2030-01-12T12:00:00Z")
    ]
    assert answers["periods_after"]["ok"]["available_periods"] == []
    assert answers["rules_after"]["ok"]["availability_rules"][0]["availability_rule_id"] == (
        "default"
    )

    assert answers["create_calendar"]["ok"]["calendar"]["calendar_name"] == "Node"
    duplicate = answers["duplicate_calendar"]
    assert duplicate["status"] == 422
    assert duplicate["error"]["errors"]["name"][0]["key"] == "errors.duplicate_calendar_name"

    batch = answers["batch"]["ok"]["batch"]
    assert [e["status"] for e in batch] == [202, 202, 200]
    assert batch[2]["data"]["account"]["account_id"] == host.sub
    assert answers["events_after"]["ok"]["events"] == []
    assert answers["conferencing"]["ok"]["authorization_request"]["url"].startswith("http")
    assert answers["unauthorized"]["status"] == 401
