"""Token path segments, and OAuth codes and states, are redacted from log lines."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config
from hypothesis import given
from hypothesis import strategies as st

from backend.core.redaction import REDACTED, redact
from backend.scheduling import Tokens
from backend.server import RedactingLogger

tokens = Tokens("a secret key for the redaction tests")


@given(
    purpose=st.sampled_from(["booking", "cancel", "reschedule", "confirmation"]),
    opaque=st.text("abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=30),
    prefix=st.sampled_from(["/b/", "/booked/", "/booking/cancel/", "/booking/reschedule/", "/x/"]),
    tail=st.sampled_from(["", "/invite.ics", "?next=/", " HTTP/1.1"]),
)
def test_no_token_survives(purpose, opaque, prefix, tail):
    token = tokens.dumps(purpose, opaque)
    line = f"GET {prefix}{token}{tail}"
    redacted = redact(line)
    assert token not in redacted and token.rsplit(".", 1)[1] not in redacted
    assert redacted.endswith(tail)


def test_other_paths_stay_readable():
    for path in ("/v1/scheduling_links/sl_abcdefghijklmnop/disable", "/settings/hours",
                 "/static/app.css", "/tools/markup-checker?example=native"):  # fmt: skip
        assert redact(path) == path


def test_the_access_log_shows_oauth_code_and_state_redacted():
    """Through gunicorn's own formatting with schedlink's logger class (as `schedlink serve`
    runs it): a provider's redirect back to /oauth/callback, and the confirmation page after
    it, log neither the authorization code nor the state, in the request line, the path
    and query atoms, or a Referer."""
    code, state = "4/0AeanS0bX-9kqQ_abcdefghijklmnop", "Qm9yZWFsaXN0aWNzdGF0ZXZhbHVlMTIzNDU2Nzg5MA"
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s %(U)s %(q)s "%(f)s"')
    logger = RedactingLogger(config)
    lines: list[str] = []
    capture = logging.Handler()
    capture.emit = lambda record: lines.append(record.getMessage())
    logger.access_log.addHandler(capture)
    query = f"state={state}&code={code}&scope=openid%20email"
    for path, qs, referer in (
        ("/oauth/callback", query, "https://accounts.google.com/"),
        ("/oauth/confirm", f"state={state}", f"http://schedlink.test/oauth/callback?{query}"),
    ):
        environ = {
            "REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{qs}", "PATH_INFO": path,
            "QUERY_STRING": qs, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.9",
            "HTTP_REFERER": referer,
        }  # fmt: skip
        request = SimpleNamespace(headers=[("REFERER", referer)])
        response = SimpleNamespace(status="303 SEE OTHER", headers=[], sent=0)
        logger.access(response, request, environ, timedelta(milliseconds=12))
    assert len(lines) == 2
    written = "\n".join(lines)
    assert code not in written and state not in written and "4/0Aean" not in written
    assert f'"GET /oauth/callback?state={REDACTED}&code={REDACTED}&scope=openid%20email' in written
    assert f"/oauth/confirm state={REDACTED} " in written
