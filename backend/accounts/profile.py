"""The editable profile: name, time zone, 12/24-hour default, and the e-mail address, which
changes only when a link sent to the new address is opened. The pending address is stored on
the account; its link is bound to the current address, password and session generation, so a
password change, "sign out everywhere" or a cancel kills it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.text import clean_text, is_valid_email, normalize_email
from ..core.validation import FieldErrors, is_tzid
from ..models import Account
from .directory import EmailTaken
from .notices import notify

HOUR_FORMATS = ("12", "24")
EMAIL_CHANGE_PURPOSE = "schedlink.email-change.v1"
EMAIL_CHANGE_MAX_AGE = 24 * 3600


def profile_fields(account: Account) -> dict:
    return {
        "sub": account.sub,
        "email": account.email,
        "name": account.name,
        "tzid": account.tzid,
        "hour_format": account.hour_format,
    }


def update_profile(account: Account, changes: dict) -> list[str]:
    """Validates every given field first (all problems at once), then applies; returns the
    names of fields that changed. `email` is not handled here (see request_email_change)."""
    errors = FieldErrors()
    values = {}
    if "name" in changes:
        name = clean_text(changes["name"]) if isinstance(changes["name"], str) else ""
        if not name or len(name) > 200:
            errors.add("name", "invalid", "A name of 1 to 200 characters is required.")
        values["name"] = name
    if "tzid" in changes:
        if not is_tzid(changes["tzid"]):
            errors.add("tzid", "invalid", f"Unknown time zone {changes['tzid']!r}; use an IANA id.")
        values["tzid"] = changes["tzid"]
    if "hour_format" in changes:
        if changes["hour_format"] not in HOUR_FORMATS:
            errors.add("hour_format", "invalid", 'Use "12" or "24".')
        values["hour_format"] = changes["hour_format"]
    errors.raise_if_any()
    changed = [k for k, v in values.items() if getattr(account, k) != v]
    for key in changed:
        setattr(account, key, values[key])
    return changed


def _change_fingerprint(account: Account) -> str:
    # Changes with the address, the password and every session revocation of the account.
    state = f"{account.email}\0{account.password_hash}\0{account.session_version}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def request_email_change(s: Session, account: Account, new_email) -> str:
    """Queues a confirmation link to the new address and a notice to the old one; the
    address itself changes only when the link is opened. Returns the normalized address."""
    normalized = normalize_email(new_email) if isinstance(new_email, str) else None
    if not normalized or not is_valid_email(normalized):
        errors = FieldErrors()
        errors.add("email", "invalid", "Enter a valid e-mail address.")
        errors.raise_if_any()
    if normalized == account.email:
        errors = FieldErrors()
        errors.add("email", "invalid", "That is already your e-mail address.")
        errors.raise_if_any()
    if s.scalar(select(Account.id).where(Account.email == normalized)) is not None:
        raise EmailTaken(normalized)
    account.pending_email = normalized
    notify(s, account, "account.email_change_requested", new_email=normalized)
    notify(s, account, "account.email_change_notice", new_email=normalized)
    return normalized


def email_change_token(keys, account: Account, new_email: str) -> str:
    return keys.dumps(
        EMAIL_CHANGE_PURPOSE,
        {"a": account.sub, "e": new_email, "o": _change_fingerprint(account)},
    )


def cancel_email_change(account: Account) -> str | None:
    """Forgets the pending change (its link stops working); returns the address it was for."""
    pending, account.pending_email = account.pending_email, None
    return pending


def email_change_target(s: Session, keys, token: str) -> tuple[Account, str] | None:
    """(account, new address) for a valid, unused link; None when it was already used, was
    cancelled or superseded, the password or sessions changed since, or the account is gone.
    Bad or expired tokens raise from keys."""
    payload = keys.loads(EMAIL_CHANGE_PURPOSE, token, EMAIL_CHANGE_MAX_AGE)
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        return None
    account = s.scalar(select(Account).where(Account.sub == str(payload.get("a"))))
    if account is None or payload.get("o") != _change_fingerprint(account):
        return None
    if account.pending_email != payload["e"]:
        return None
    return account, payload["e"]


def apply_email_change(s: Session, account: Account, new_email: str) -> str:
    """Returns the old address (told of the change)."""
    if s.scalar(select(Account.id).where(Account.email == new_email)) is not None:
        raise EmailTaken(new_email)
    old = account.email
    account.email = new_email
    account.pending_email = None
    notify(s, account, "account.email_changed", old_email=old)
    return old
