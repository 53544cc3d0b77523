"""Sign-up: who may (SCHEDLINK_SIGNUP), the unverified account and its e-mailed link (24 h,
single use), and removing accounts never verified.

No account enumeration: signing up with an address that already has an account answers
exactly as a new sign-up does (same page, a password hashed either way) and mails the
address's owner instead. An address still unverified takes the newest sign-up's details and
gets a new link; activating asks for the password as well, so an account someone set up with
another person's address can't be activated by that person for them (pre-hijacking)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from ..accounts import (
    EmailTaken,
    InvalidCredentials,
    Keys,
    TokenInvalid,
    create_account,
    find_by_email,
    hash_password,
    verify_password,
)
from ..core import database
from ..core.text import clean_text, normalize_email
from ..core.validation import FieldErrors
from ..models import Account, Job

PURPOSE = "schedlink.signup-verify.v1"
VERIFY_WINDOW = timedelta(hours=24)
KEEP_UNVERIFIED = timedelta(days=7)
VERIFY_KIND = "account.signup_verify"
EXISTING_KIND = "account.signup_existing"


class VerificationUsed(Exception):
    """The link was opened before (the account is active) or its account is gone."""


@dataclass(frozen=True)
class SignupPolicy:
    """`closed` (the default: the CLI and invitations only), `open`, or e-mail domains."""

    mode: str  # "closed", "open" or "domains"
    domains: tuple[str, ...] = ()

    @classmethod
    def parse(cls, setting: str | None) -> SignupPolicy:
        value = (setting or "closed").strip().lower()
        if value in ("", "closed"):
            return cls("closed")
        if value == "open":
            return cls("open")
        domains = tuple(d.strip().lstrip("@") for d in value.split(",") if d.strip())
        return cls("domains", domains) if domains else cls("closed")

    @property
    def is_open(self) -> bool:
        return self.mode != "closed"

    def allows(self, email: str) -> bool:
        if self.mode == "open":
            return True
        domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
        return self.mode == "domains" and domain in self.domains


def sign_up(
    s: Session, policy: SignupPolicy, email, name, tzid, password, now: datetime
) -> Account | None:
    """The new, unverified account (its link is mailed), or None when the address was
    taken (its owner is mailed). Field problems raise ValidationError before anything."""
    address = normalize_email(email) if isinstance(email, str) else None
    if address and not policy.allows(address):
        errors = FieldErrors()
        allowed = ", ".join(policy.domains)
        errors.add("email", "not_allowed", f"Sign-up here is for addresses at {allowed}.")
        errors.raise_if_any()
    try:
        account = create_account(s, email, name, tzid, password)
    except EmailTaken:
        # Either way one password is hashed, as for a new account: timing says nothing.
        existing = find_by_email(s, address)
        if existing.unverified_since is None:
            hash_password(password)
            s.add(Job(kind=EXISTING_KIND, payload={"account": existing.sub}))
            return None
        # Never verified: the newest sign-up's details win and earlier links die (they are
        # bound to the password), so whoever signed up first with someone else's address
        # can't have the owner activate an account whose password they chose.
        existing.name, existing.tzid = clean_text(name), tzid
        existing.password_hash = hash_password(password)
        s.add(Job(kind=VERIFY_KIND, payload={"account": existing.sub}))
        return None
    account.unverified_since = now
    s.add(Job(kind=VERIFY_KIND, payload={"account": account.sub}))
    return account


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:20]


def verification_token(keys: Keys, account: Account) -> str:
    return keys.dumps(PURPOSE, {"a": account.sub, "p": _fingerprint(account)})


def account_to_verify(s: Session, keys: Keys, token: str) -> Account:
    """The unverified account a link is for. TokenInvalid, TokenExpired (after 24 h) or
    VerificationUsed."""
    payload = keys.loads(PURPOSE, token, int(VERIFY_WINDOW.total_seconds()))
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), str):
        raise TokenInvalid()
    account = s.scalar(select(Account).where(Account.sub == payload["a"]))
    if account is None or account.unverified_since is None:
        raise VerificationUsed()
    if payload.get("p") != _fingerprint(account):
        raise VerificationUsed()  # a newer sign-up for this address replaced it
    return account


def verify(s: Session, keys: Keys, token: str, password) -> Account:
    """Activates the account. The password is asked too: the link proves the mailbox, the
    password that the person activating is the one who signed up."""
    account = account_to_verify(s, keys, token)
    s.refresh(account, with_for_update=True)
    if account.unverified_since is None:
        raise VerificationUsed()
    if not verify_password(account, password):
        raise InvalidCredentials()
    account.unverified_since = None
    return account


def purge_unverified(sessions: sessionmaker, now: datetime) -> int:
    """Removes accounts unverified for longer than KEEP_UNVERIFIED (their calendar and
    everything else go with them, by the foreign keys' ON DELETE CASCADE)."""
    cutoff = now - KEEP_UNVERIFIED
    stale = Account.unverified_since.is_not(None) & (Account.unverified_since < cutoff)
    with sessions() as s:
        if s.scalar(select(Account.id).where(stale).limit(1)) is None:
            return 0  # the common case: one cheap read, no write lock
    with database.write(sessions) as s:
        return s.execute(delete(Account).where(stale)).rowcount
