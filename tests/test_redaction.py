"""Token path segments are redacted from log lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from backend.redaction import redact
from backend.scheduling import Tokens

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
