"""docs/webhooks.md's verification code works: the Python and JavaScript snippets accept what
the worker signs (both secrets during a rotation) and the published test vectors, and reject a
changed body; the documented replay check, run on real deliveries, takes a notification once,
calls a retry a duplicate and refuses a replayed capture that the Cronofy header alone lets
through."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from webhook_receiver import Receiver

from backend.notifications import new_secret, signature_headers
from backend.outbox import run_once

DOC = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, flags=re.S)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]
JAVASCRIPT = [code for lang, code in BLOCKS if lang == "javascript"]
CRONOFY = [
    ("CRN_NggYusqPGLxwjw5FHOJYOqSrTPNXy8WQf14OID", "5DxentQi5YSXODEzTVv06sRwJ3pULIz1KrYv20qxEK0="),
    ("CRN_nGlYDFXwfSXgB9rvGNBJyfE454GGPtWIbNuPwr", "BmQmWVuZ70ILWjr1CAt5oC7YOolgnku4WZtlrKfx/6k="),
]
WELL_KNOWN = b'{"example":"well-known"}'


def _signed(secrets):
    body = json.dumps({"notification": {"type": "verification"}}).encode()
    headers = signature_headers(secrets, "msg_doc", int(time.time()), body)
    return body, {k.lower(): v for k, v in headers.items()}


def test_python_snippets_verify_both_schemes():
    scope: dict = {}
    for code in PYTHON:
        exec(code, scope)  # noqa: S102 - our own documentation
    new, old = new_secret(), new_secret()
    body, headers = _signed([new, old])
    for secret in (new, old):
        assert scope["verify_standard"](body, headers, secret)
        assert scope["verify_cronofy"](body, headers["cronofy-hmac-sha256"], secret)
        assert scope["verify"](body, headers, secret) == json.loads(body)
    assert not scope["verify_standard"](body + b" ", headers, new)
    assert not scope["verify_cronofy"](body + b" ", headers["cronofy-hmac-sha256"], new)
    with pytest.raises(PermissionError):
        scope["verify"](body, headers, new_secret())
    both = ",".join(digest for _secret, digest in CRONOFY)
    for secret, digest in CRONOFY:
        assert digest in DOC and secret in DOC
        assert scope["verify_cronofy"](WELL_KNOWN, both, secret)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_snippet_verifies_both_schemes():
    new, old = new_secret(), new_secret()
    body, headers = _signed([new, old])
    harness = (
        JAVASCRIPT[0]
        + f"""
const body = Buffer.from({json.dumps(body.decode())});
const headers = {json.dumps(headers)};
const out = [];
for (const s of {json.dumps([new, old])}) {{
  out.push(verifyStandard(body, headers, s));
  out.push(verifyCronofy(body, headers["cronofy-hmac-sha256"], s));
}}
out.push(verifyStandard(Buffer.concat([body, Buffer.from(" ")]), headers, {json.dumps(new)}));
const both = {json.dumps(",".join(d for _s, d in CRONOFY))};
const wellKnown = Buffer.from({json.dumps(WELL_KNOWN.decode())});
out.push(verifyCronofy(wellKnown, both, {json.dumps(CRONOFY[1][0])}));
console.log(JSON.stringify(out));
"""
    )
    done = subprocess.run(["node", "-e", harness], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, True, True, True, False, True]


@pytest.fixture
def app_config():
    return {"WEBHOOK_RETRY_SCHEDULE": [0, 0.2]}


def test_the_documented_replay_check_takes_a_real_delivery_once_and_refuses_replays(
    app, client, host
):
    scope: dict = {}
    for code in PYTHON:
        exec(code, scope)  # noqa: S102 - our own documentation
    check, verify_cronofy = scope["check"], scope["verify_cronofy"]
    with Receiver() as receiver:
        receiver.script.statuses.append(500)  # the first attempt fails: a retry follows
        response = client.post(
            "/v1/channels", json={"callback_url": receiver.url}, headers=host.headers
        )
        assert response.status_code == 201
        run_once(app)
        time.sleep(0.3)
        run_once(app)
        first, retry = receiver.wait_for(2)
    secret = client.get("/v1/webhook_secret", headers=host.headers).get_json()["secret"]
    assert first.webhook_id == retry.webhook_id and first.body == retry.body
    sent = int(first.headers["webhook-timestamp"])
    assert check(first.body, first.headers, secret, now=sent + 1) == "process"
    assert check(retry.body, retry.headers, secret, now=sent + 2) == "duplicate"
    assert check(first.body, first.headers, secret, now=sent + 3) == "duplicate"  # replayed
    # The same capture replayed an hour later, to a receiver that has forgotten the id: the
    # Cronofy header still verifies (it signs the body only); the signed timestamp does not.
    scope["processed"].clear()
    later = sent + 3600
    assert verify_cronofy(first.body, first.headers["cronofy-hmac-sha256"], secret)
    assert check(first.body, first.headers, secret, now=later) == "reject"
    fresh = {**first.headers, "webhook-timestamp": str(later)}
    assert check(first.body, fresh, secret, now=later) == "reject", "the time is signed"
    assert check(first.body, first.headers, secret, now=sent - 3600) == "reject"  # future
    assert check(first.body + b" ", first.headers, secret, now=sent) == "reject"
    assert check(first.body, first.headers, new_secret(), now=sent) == "reject"
    unsigned = {k: v for k, v in first.headers.items() if k != "webhook-signature"}
    assert check(first.body, unsigned, secret, now=sent) == "reject"
