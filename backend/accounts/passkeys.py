"""Passkeys (WebAuthn, with the `webauthn` package) as a second factor: registration and
assertion options, and their verification against the relying party's id and origin."""

from __future__ import annotations

import json
import secrets
from datetime import datetime

import webauthn
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from webauthn.helpers import exceptions as webauthn_errors
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..models import Account, Passkey

RP_NAME = "schedlink"
_TRANSPORTS = {t.value: t for t in AuthenticatorTransport}


class PasskeyError(Exception):
    """The browser's answer did not verify (wrong origin, challenge, key or signature)."""


def _descriptor(row: Passkey) -> PublicKeyCredentialDescriptor:
    transports = [_TRANSPORTS[t] for t in row.transports or [] if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=row.credential_id, transports=transports or None)


def account_passkeys(s: Session, account: Account) -> list[Passkey]:
    return list(
        s.scalars(select(Passkey).where(Passkey.account_id == account.id).order_by(Passkey.id))
    )


def registration_options(s: Session, account: Account, rp_id: str) -> tuple[str, bytes]:
    """The JSON for navigator.credentials.create() and the challenge to keep until the
    answer comes back."""
    if account.webauthn_user_id is None:
        account.webauthn_user_id = secrets.token_bytes(32)
    options = webauthn.generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=account.webauthn_user_id,
        user_name=account.email,
        user_display_name=account.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in account_passkeys(s, account)],
    )
    return webauthn.options_to_json(options), options.challenge


def register_passkey(
    s: Session,
    account: Account,
    credential: dict | str,
    challenge: bytes,
    rp_id: str,
    origin: str,
    name: str,
    now: datetime,
) -> Passkey:
    try:
        verified = webauthn.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (webauthn_errors.WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(str(exc)) from exc
    if s.scalar(select(Passkey.id).where(Passkey.credential_id == verified.credential_id)):
        raise PasskeyError("this passkey is already registered")
    raw = json.loads(credential) if isinstance(credential, str) else credential
    transports = (raw.get("response") or {}).get("transports") or []
    row = Passkey(
        account_id=account.id,
        name=" ".join((name or "").split())[:100] or "Passkey",
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in transports if t in _TRANSPORTS],
        created_at=now,
    )
    s.add(row)
    s.flush()
    return row


def authentication_options(s: Session, account: Account, rp_id: str) -> tuple[str, bytes]:
    options = webauthn.generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[_descriptor(p) for p in account_passkeys(s, account)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return webauthn.options_to_json(options), options.challenge


def verify_passkey(
    s: Session,
    account: Account,
    credential: dict | str,
    challenge: bytes,
    rp_id: str,
    origin: str,
    now: datetime,
) -> Passkey:
    """Checks an assertion from one of the account's passkeys and records its use."""
    try:
        raw = json.loads(credential) if isinstance(credential, str) else credential
        credential_id = webauthn.base64url_to_bytes(raw["rawId"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PasskeyError("malformed credential") from exc
    row = s.scalar(
        select(Passkey).where(
            Passkey.credential_id == credential_id, Passkey.account_id == account.id
        )
    )
    if row is None:
        raise PasskeyError("not one of this account's passkeys")
    try:
        verified = webauthn.verify_authentication_response(
            credential=raw,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
        )
    except (webauthn_errors.WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(str(exc)) from exc
    row.sign_count = verified.new_sign_count
    row.last_used_at = now
    return row


def remove_passkey(s: Session, account: Account, passkey_id: int) -> Passkey | None:
    row = s.get(Passkey, passkey_id)
    if row is None or row.account_id != account.id:
        return None
    s.delete(row)
    return row


def remove_all_passkeys(s: Session, account: Account) -> None:
    s.execute(delete(Passkey).where(Passkey.account_id == account.id))
