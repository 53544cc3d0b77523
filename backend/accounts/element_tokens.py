"""Element tokens: what a host page's embedded UI Element (Slot Picker, Availability Viewer,
Availability Rules …) uses instead of an API key, in Cronofy's shape.

A token is made with an API key for one page origin, a set of permissions and the subs the
element may show; it lasts 18 hours and is stored as SHA-256 (256-bit random, like API keys),
so it can be revoked. It never does more than the key that made it: the subs are the caller
and its organization's members, and the permissions that change or show one account's own
settings (`managed_availability`, `account_management`) are for the caller's own sub only.
Flask-free: the API face checks the origin and the endpoint's permission."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..core.ids import looks_like_id, new_id
from ..core.validation import format_utc, redirect_origin
from ..models import Account, ElementToken, utcnow

ELEMENT_TOKEN_PREFIX = "set_"  # noqa: S105 - a prefix, not a secret
ELEMENT_TOKEN_LIFETIME = timedelta(hours=18)
PERMISSIONS = ("availability", "managed_availability", "agenda", "account_management")
# Permissions about the caller's own account: a token for them names the caller alone.
OWN_ACCOUNT_ONLY = frozenset({"managed_availability", "account_management"})
MAX_SUBS = 50


class ElementTokenError(Exception):
    """Invalid request; `errors` is the Cronofy-shaped field → [{key, description}] map."""

    def __init__(self, errors: dict):
        super().__init__("invalid element token request")
        self.errors = errors


@dataclass(frozen=True)
class IssuedToken:
    element_token_id: str
    token: str
    origin: str
    permissions: list[str]
    expires_in: int

    def as_dict(self) -> dict:
        return {
            "permissions": self.permissions,
            "origin": self.origin,
            "token": self.token,
            "expires_in": self.expires_in,
            # schedlink's own: what GET/DELETE /v1/element_tokens name this token by
            "element_token_id": self.element_token_id,
        }


def hash_element_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _error(errors: dict, field: str, key: str, description: str) -> None:
    errors.setdefault(field, []).append({"key": f"errors.{key}", "description": description})


def exact_origin(value: object) -> str | None:
    """`https://app.example.com` (scheme, host, port): an origin and nothing more."""
    if not isinstance(value, str):
        return None
    origin = redirect_origin(value)
    if origin is None or value.rstrip("/").lower() != origin.lower():
        return None
    return origin


def _parse(session: Session, caller: Account, body: dict) -> tuple[str, list, list, str]:
    errors: dict = {}
    version = body.get("version", "1")
    if version not in ("1", 1):
        _error(errors, "version", "invalid", 'Only version "1" is supported.')
    permissions = body.get("permissions")
    if not isinstance(permissions, list) or not permissions:
        _error(errors, "permissions", "required", f"A list of: {', '.join(PERMISSIONS)}.")
        permissions = []
    elif not all(isinstance(p, str) and p in PERMISSIONS for p in permissions):
        _error(errors, "permissions", "invalid", f"Each one of: {', '.join(PERMISSIONS)}.")
    subs = body.get("subs")
    if not isinstance(subs, list) or not subs:
        _error(errors, "subs", "required", "A list of the subs the element may show.")
        subs = []
    elif len(subs) > MAX_SUBS or not all(isinstance(s, str) and len(s) <= 100 for s in subs):
        _error(errors, "subs", "invalid", f"At most {MAX_SUBS} subs, each a string.")
    origin = exact_origin(body.get("origin"))
    if origin is None:
        _error(errors, "origin", "invalid", "The page's origin, e.g. https://app.example.com.")
    if not errors:
        subs = list(dict.fromkeys(subs))
        visible = _visible_subs(session, caller, subs)
        for i, sub in enumerate(subs):
            if sub not in visible:
                _error(errors, f"subs.{i}", "unknown_sub",
                       "No account with this sub that you may show.")  # fmt: skip
        if set(permissions) & OWN_ACCOUNT_ONLY and subs != [caller.sub]:
            own = "managed_availability and account_management are for your own sub alone."
            _error(errors, "subs", "invalid", own)
    if errors:
        raise ElementTokenError(errors)
    return origin, list(dict.fromkeys(permissions)), subs, str(version)


def _visible_subs(session: Session, caller: Account, subs: list[str]) -> set[str]:
    rows = session.scalars(select(Account).where(Account.sub.in_(subs))).all()
    return {
        a.sub
        for a in rows
        if a.id == caller.id
        or (caller.organization_id is not None and a.organization_id == caller.organization_id)
    }


def create_element_token(
    session: Session, caller: Account, body: dict, now: datetime | None = None
) -> IssuedToken:
    """Validate a `POST /v1/element_tokens` body and store the new token's hash."""
    origin, permissions, subs, version = _parse(session, caller, body)
    now = now or utcnow()
    plaintext = ELEMENT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ElementToken(
        public_id=new_id("etk"),
        account_id=caller.id,
        token_hash=hash_element_token(plaintext),
        origin=origin,
        permissions=permissions,
        subs=subs,
        version=version,
        created_at=now,
        expires_at=now + ELEMENT_TOKEN_LIFETIME,
    )
    session.add(row)
    session.flush()
    lifetime = int(ELEMENT_TOKEN_LIFETIME.total_seconds())
    return IssuedToken(row.public_id, plaintext, origin, permissions, lifetime)


def element_token_for(
    session: Session, plaintext: str, now: datetime | None = None
) -> ElementToken | None:
    """The stored token that `plaintext` is, if it still works: not revoked, not expired."""
    if not plaintext.startswith(ELEMENT_TOKEN_PREFIX) or len(plaintext) > 100:
        return None
    token = session.scalar(
        select(ElementToken)
        .options(joinedload(ElementToken.account))  # one query: the request needs both
        .where(
            ElementToken.token_hash == hash_element_token(plaintext),
            ElementToken.revoked_at.is_(None),
        )
    )
    if token is None or token.expires_at <= (now or utcnow()):
        return None
    return token


def live_element_tokens(
    session: Session,
    account: Account,
    now: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ElementToken], int]:
    """The account's tokens that still work, newest first (a page of them), and how many."""
    live = (
        ElementToken.account_id == account.id,
        ElementToken.revoked_at.is_(None),
        ElementToken.expires_at > (now or utcnow()),
    )
    total = session.scalar(select(func.count()).select_from(ElementToken).where(*live)) or 0
    rows = session.scalars(
        select(ElementToken)
        .where(*live)
        .order_by(ElementToken.created_at.desc(), ElementToken.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def element_token_to_dict(token: ElementToken) -> dict:
    """A listed token: what it may do and until when, never the secret (only its hash is kept)."""
    return {
        "element_token_id": token.public_id,
        "origin": token.origin,
        "permissions": list(token.permissions),
        "subs": list(token.subs),
        "created_at": format_utc(token.created_at),
        "expires_at": format_utc(token.expires_at),
    }


def revoke_element_token(session: Session, account: Account, public_id: str) -> bool:
    """Revoke one of the account's live tokens; False when it has no such token."""
    if not looks_like_id(public_id, "etk"):
        return False
    token = session.scalar(
        select(ElementToken).where(
            ElementToken.public_id == public_id,
            ElementToken.account_id == account.id,
            ElementToken.revoked_at.is_(None),
        )
    )
    if token is None or token.expires_at <= utcnow():
        return False
    token.revoked_at = utcnow()
    return True


def revoke_element_tokens(session: Session, account: Account) -> int:
    """Revoke every live token the account made (e.g. when its API keys are rotated)."""
    tokens = session.scalars(
        select(ElementToken).where(
            ElementToken.account_id == account.id, ElementToken.revoked_at.is_(None)
        )
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)
