"""UI Elements speed (issue 22's targets), against baselines measured in the same run.

    python bench/bench_elements.py [--quick]

Prints, e.g.:
    availability: element token / API key ratio = 1.02 (target <= 1.1)
    bundle: 10,396 bytes gzipped (target <= 30,720)

The workload: one host with working hours and 300 events over five weeks, a 14-day
`POST /v1/availability` (slots) through the app in-process (Flask test client, SQLite),
once with the API key and once with an element token from the token's origin, in turn so
both see the same machine load. Nothing is asserted; the exit status is 0 unless a request
fails. (First slots on screen after the API answers is measured in the browser by the
elements' own performance marks, `schedlink:availability-answered` and
`schedlink:slots-rendered`; not part of this script.)
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend import create_app, db  # noqa: E402
from backend.accounts import create_account, create_api_key  # noqa: E402

ORIGIN = "https://app.example.com"
BUNDLE = ROOT / "backend" / "static" / "elements" / "schedlink-elements.js"


def setup(tmp: Path):
    url = f"sqlite:///{tmp / 'bench.db'}"
    db.migrate(url)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp / "instance"),
                      "DATABASE_URL": url,
                      "SECRET_KEY": "bench", "BASE_URL": "http://schedlink.test",
                      "SERVER_NAME": "schedlink.test"})  # fmt: skip
    with app.app_context(), db.write() as s:
        account = create_account(s, "host@example.com", "Grace", "Europe/London", "long password 1")
        _key, key = create_api_key(s, account, "bench")
        sub = account.sub
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    calendar = client.get("/v1/calendars", headers=auth).get_json()["calendars"][0]["calendar_id"]
    rng = random.Random(22)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    for i in range(300):
        at = start + timedelta(minutes=15 * rng.randrange(35 * 96))
        body = {"event_id": f"e{i}", "summary": "Busy", "start": at.isoformat(),
                "end": (at + timedelta(minutes=rng.choice([30, 60, 90]))).isoformat()}  # fmt: skip
        made = client.post(f"/v1/calendars/{calendar}/events", json=body, headers=auth)
        assert made.status_code == 202
    token = client.post("/v1/element_tokens", headers=auth, json={
        "version": "1", "permissions": ["availability"], "subs": [sub], "origin": ORIGIN,
    }).get_json()["element_token"]["token"]  # fmt: skip
    end = start + timedelta(days=14)
    query = {
        "participants": [{"members": [{"sub": sub}], "required": "all"}],
        "required_duration": {"minutes": 30},
        "query_periods": [{"start": start.isoformat(), "end": end.isoformat()}],
        "response_format": "overlapping_slots",
    }  # fmt: skip
    return app, client, auth, token, query


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    runs = 30 if parser.parse_args().quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        app, client, auth, token, query = setup(Path(tmp))
        element = {"Origin": ORIGIN, "Cronofy-Element": "v1.0.0, SlotPicker"}

        def with_key():
            response = client.post("/v1/availability", json=query, headers=auth)
            assert response.status_code == 200

        def with_token():
            response = client.post(f"/v1/availability?et={token}", json=query, headers=element)
            assert response.status_code == 200

        for fn in (with_key, with_token):  # warm-up: caches, first connections
            for _ in range(5):
                fn()
        samples: dict = {with_key: [], with_token: []}
        for i in range(runs):
            order = (with_key, with_token) if i % 2 else (with_token, with_key)
            for fn in order:
                t0 = time.perf_counter()
                fn()
                samples[fn].append((time.perf_counter() - t0) * 1000)
        key_ms = statistics.median(samples[with_key])
        token_ms = statistics.median(samples[with_token])
        ratio = token_ms / key_ms
        print(f"availability: element token / API key ratio = {ratio:.2f} (target <= 1.1)")
        print(f"  [{token_ms:.2f} ms vs {key_ms:.2f} ms, median of {runs}]")
        app.extensions["schedlink.engine"].dispose()
    size = len(gzip.compress(BUNDLE.read_bytes(), 9))
    print(f"bundle: {size:,} bytes gzipped (target <= {30 * 1024:,})")


if __name__ == "__main__":
    main()
