"""The account's webhook signing secret: created on first need, shown on request, rotated
with a 24-hour overlap in which the old secret still signs beside the new one.

Stored sealed (`sealing.Sealer`, like OAuth tokens): a copied database does not let anyone
forge deliveries. Only the API/dashboard (to show it) and the worker (to sign) open it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..core.sealing import SealBroken, Sealer
from ..models import WebhookSecret
from .signing import new_secret

log = logging.getLogger(__name__)
OVERLAP = timedelta(hours=24)


def ensure_secret(session: Session, account_id: int, now: datetime, sealer: Sealer) -> None:
    """Create the secret unless it exists; never conflicts with a concurrent creator (two
    workers signing an account's first messages at once both end up with the winner's)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(WebhookSecret)
        .values(account_id=account_id, secret=sealer.seal(new_secret()), rotated_at=now)
        .on_conflict_do_nothing(index_elements=["account_id"])
    )


def current_secret(session: Session, account_id: int, now: datetime, sealer: Sealer) -> str:
    ensure_secret(session, account_id, now, sealer)
    sealed = session.scalars(
        select(WebhookSecret.secret).where(WebhookSecret.account_id == account_id)
    ).one()
    return sealer.unseal(sealed)


def open_secrets(
    sealer: Sealer, secret: str, previous: str | None, previous_until: datetime | None,
    now: datetime,
) -> tuple[str, ...]:  # fmt: skip
    """The secrets that sign now, newest first, from a row's sealed columns. A current secret
    that no longer opens (the app's secret key changed without keeping the old one as a
    fallback) gives none: the delivery fails and is retried, and a rotation repairs it."""
    try:
        keys = [sealer.unseal(secret)]
    except SealBroken:
        log.error("the webhook signing secret cannot be opened with the configured keys")
        return ()
    if previous and previous_until and previous_until > now:
        try:
            keys.append(sealer.unseal(previous))
        except SealBroken:
            log.warning("the previous webhook signing secret cannot be opened; not signing with it")
    return tuple(keys)


def signing_secrets(
    session: Session, account_id: int, now: datetime, sealer: Sealer
) -> tuple[str, ...]:
    """Newest first: the current secret, and the previous one within its 24 hours."""
    ensure_secret(session, account_id, now, sealer)
    row = session.get(WebhookSecret, account_id, populate_existing=True)
    return open_secrets(sealer, row.secret, row.previous, row.previous_until, now)


def rotate_secret(session: Session, account_id: int, now: datetime, sealer: Sealer) -> str:
    """A new secret (returned in clear, once); the old one, still sealed, signs for a day."""
    ensure_secret(session, account_id, now, sealer)
    row = session.scalar(
        select(WebhookSecret).where(WebhookSecret.account_id == account_id).with_for_update()
    )
    fresh = new_secret()
    row.previous, row.previous_until = row.secret, now + OVERLAP
    row.secret, row.rotated_at = sealer.seal(fresh), now
    session.flush()
    return fresh
