"""Security notices for the account's owner: jobs in the outbox, written in the same
transaction as the change they report. Payloads carry ids only — links with tokens in them
are made when the mail is sent, so no secret sits in the jobs table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Account, Job

KINDS = (
    "account.password_changed",
    "account.password_reset_requested",
    "account.email_change_requested",  # the confirmation link, to the new address
    "account.email_change_notice",  # the heads-up, to the old address
    "account.email_changed",  # done, to the old address
    "account.mfa_enabled",
    "account.mfa_disabled",
    "account.recovery_code_used",
    "account.passkey_added",
)


def notify(s: Session, account: Account, kind: str, **details) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notice {kind!r}")
    s.add(Job(kind=kind, payload={"account": account.sub, **details}))
