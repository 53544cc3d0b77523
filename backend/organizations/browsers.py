""" "Connect this browser": the extension gets an API key without anyone copying it.

Like OAuth's device flow with PKCE (RFC 8628, RFC 7636): the extension keeps a random
verifier and sends only its SHA-256 (`start`); it opens the approval page, where the signed-in
owner compares a short code with the one the extension shows and approves (`approve`); the
extension then trades the verifier for a new API key labelled with the browser (`exchange`),
once. The key is made at the exchange, so no plaintext key is ever stored, and a request
someone else started and sent as a link is useless to them: the key only goes to whoever
holds the verifier, and the page tells the owner to approve only their own request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..accounts import create_api_key
from ..core.ids import looks_like_id, new_id
from ..core.text import clean_text
from ..core.validation import FieldErrors
from ..models import Account, BrowserConnection

LIFETIME = timedelta(minutes=10)
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url SHA-256, no padding
_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes


class ConnectionGone(Exception):
    """Unknown, expired, already used, or not (yet) approved; `state` says which."""

    def __init__(self, state: str):
        self.state = state  # "unknown", "expired", "used", "pending"
        super().__init__(state)


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def start(s: Session, challenge, browser, now: datetime) -> BrowserConnection:
    errors = FieldErrors()
    if not isinstance(challenge, str) or not _CHALLENGE.fullmatch(challenge):
        errors.add("code_challenge", "invalid", "The SHA-256 of the verifier, base64url.")
    label = clean_text(browser)[:60] if isinstance(browser, str) else ""
    errors.raise_if_any()
    # Anyone may start one (rate-limited per address), so old requests are dropped here.
    s.execute(delete(BrowserConnection).where(BrowserConnection.expires_at < now - LIFETIME))
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    row = BrowserConnection(
        public_id=new_id("bc"), challenge=challenge, user_code=f"{code[:4]}-{code[4:]}",
        browser=label or "Browser", created_at=now, expires_at=now + LIFETIME,
    )  # fmt: skip
    s.add(row)
    s.flush()
    return row


def pending_request(s: Session, public_id, now: datetime) -> BrowserConnection:
    row = (
        s.scalar(select(BrowserConnection).where(BrowserConnection.public_id == public_id))
        if isinstance(public_id, str) and looks_like_id(public_id, "bc")
        else None
    )
    if row is None:
        raise ConnectionGone("unknown")
    if row.used_at is not None or row.approved_at is not None:
        raise ConnectionGone("used")
    if row.expires_at <= now:
        raise ConnectionGone("expired")
    return row


def approve(s: Session, public_id, account: Account, now: datetime) -> BrowserConnection:
    row = pending_request(s, public_id, now)
    done = s.execute(
        update(BrowserConnection)
        .where(BrowserConnection.id == row.id, BrowserConnection.approved_at.is_(None))
        .values(approved_at=now, account_id=account.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ConnectionGone("used")
    return row


def exchange(s: Session, public_id, verifier, now: datetime) -> tuple[Account, str]:
    """(account, the new API key's plaintext) for the approved request this verifier
    started; ConnectionGone("pending") while the owner has not approved yet."""
    row = (
        s.scalar(select(BrowserConnection).where(BrowserConnection.public_id == public_id))
        if isinstance(public_id, str) and looks_like_id(public_id, "bc")
        else None
    )
    valid = isinstance(verifier, str) and 43 <= len(verifier) <= 128
    if row is None or not valid or not hmac.compare_digest(row.challenge, challenge_of(verifier)):
        raise ConnectionGone("unknown")
    if row.used_at is not None:
        raise ConnectionGone("used")
    if row.expires_at <= now:
        raise ConnectionGone("expired")
    if row.approved_at is None:
        raise ConnectionGone("pending")
    done = s.execute(
        update(BrowserConnection)
        .where(BrowserConnection.id == row.id, BrowserConnection.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise ConnectionGone("used")
    account = s.get(Account, row.account_id)
    _key, plaintext = create_api_key(s, account, f"{row.browser} (connected browser)")
    return account, plaintext
