"""TOTP (RFC 6238) with pyotp: enrolment confirmed by a first code, ±1 step of drift, and each
code accepted once — the last accepted time step is stored and an equal or older one refused
(RFC 6238 §5.2). Callers verify inside a write transaction holding the account row."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

from ..models import Account

ISSUER = "schedlink"
DRIFT_STEPS = 1


class TotpError(Exception):
    pass


def begin_enrolment(account: Account, keys) -> str:
    """A fresh 160-bit secret awaiting its first code; returns it (shown to the user once)."""
    secret = pyotp.random_base32()
    account.totp_pending_secret = keys.seal(secret)
    return secret


def pending_secret(account: Account, keys) -> str | None:
    return keys.unseal(account.totp_pending_secret) if account.totp_pending_secret else None


def provisioning_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_step is not None and step <= last_step:
                return None  # replayed, or older than one already used
            return step
    return None


def confirm_enrolment(account: Account, keys, code: str, now: datetime) -> bool:
    secret = pending_secret(account, keys)
    if secret is None:
        raise TotpError("no enrolment in progress")
    step = _matching_step(secret, code, now, None)
    if step is None:
        return False
    account.totp_secret = account.totp_pending_secret
    account.totp_pending_secret = None
    account.totp_last_step = step
    return True


def verify_totp(account: Account, keys, code: str, now: datetime) -> bool:
    """True once per valid code; records the step so the same code is refused next time."""
    if not account.totp_secret:
        return False
    step = _matching_step(keys.unseal(account.totp_secret), code, now, account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


def remove_totp(account: Account) -> None:
    account.totp_secret = account.totp_pending_secret = None
    account.totp_last_step = None
