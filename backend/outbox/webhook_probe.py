"""Testing a channel from the webhooks page: a real, signed `verification` POSTed to it now,
through the same SSRF guard as every delivery, with a short timeout; the receiver's answer
(status, time taken, the first bytes of its body) is shown to the host. Nothing is written to
the outbox: a test is not a delivery, is not retried, and does not move the failing clock."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from .. import notifications
from ..core import database
from ..core.ids import new_id
from ..core.outbound import Outbound, OutboundError, OutboundRefused
from ..core.sealing import Sealer
from ..core.text import clean_multiline
from .webhooks import USER_AGENT

PROBE_TIMEOUT = 5.0  # seconds: the host waits for the page meanwhile
EXCERPT = 500  # characters of the answer shown


@dataclass(frozen=True)
class ProbeResult:
    url: str
    webhook_id: str
    status: int | None  # None: no answer (refused, timeout, connection error)
    error: str | None
    elapsed_ms: int
    excerpt: str  # the start of the answer's body, as text (the page escapes it)
    truncated: bool

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def probe_channel(
    sessions: sessionmaker, outbound: Outbound, sealer: Sealer, account_id: int,
    channel_id: str, now: datetime, timeout: float = PROBE_TIMEOUT,
) -> ProbeResult:  # fmt: skip
    """Raises notifications.ChannelNotFound for another account's or a removed channel."""
    with database.write(sessions) as s:  # the secret is made here on an account's first use
        channel = notifications.get_channel(s, account_id, channel_id)
        url = channel.callback_url
        body = notifications.encode(
            {"notification": {"type": notifications.types.VERIFICATION},
             "channel": notifications.channel_to_dict(channel, with_status=False)}
        ).encode()  # fmt: skip
        secrets = notifications.signing_secrets(s, account_id, now, sealer)
    webhook_id = new_id("msg")
    if not secrets:
        return ProbeResult(url, webhook_id, None, "the signing secret cannot be opened; rotate it",
                           0, "", False)  # fmt: skip
    headers = notifications.signature_headers(list(secrets), webhook_id, int(time.time()), body)
    headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
    started = time.monotonic()
    try:  # no transaction is open while the receiver takes its time
        answer = outbound.request(
            "POST", url, headers=headers, body=body, max_body=64 * 1024, timeout=timeout
        )
    except (OutboundRefused, OutboundError) as exc:
        elapsed = round((time.monotonic() - started) * 1000)
        error = (str(exc) or type(exc).__name__)[:500]
        return ProbeResult(url, webhook_id, None, error, elapsed, "", False)
    elapsed = round((time.monotonic() - started) * 1000)
    # Control and bidi characters out (the answer is untrusted); the page escapes the rest.
    text = clean_multiline(answer.text())
    error = None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    return ProbeResult(
        url, webhook_id, answer.status, error, elapsed, text[:EXCERPT], len(text) > EXCERPT
    )
