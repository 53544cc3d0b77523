"""Server-side sessions: the browser holds a random token, the database its hash, so ending a
session is final and a copied cookie stops working the moment it ends."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..core.ids import looks_like_id, new_id
from ..models import Account, UserSession

LIFETIME = timedelta(days=14)
SUDO_WINDOW = timedelta(minutes=15)
KEEP_ENDED = timedelta(days=30)  # ended sessions stay listed in the database this long
# last_seen_at is refreshed at most this often: one small write per minute, not per request.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    s: Session, account: Account, user_agent: str, ip: str, now: datetime
) -> tuple[UserSession, str]:
    """A new session (just authenticated, so it starts in sudo mode); returns the token
    for the cookie, which is never stored."""
    # Housekeeping on the way in: this account's long-ended sessions are dropped.
    s.execute(
        delete(UserSession).where(
            UserSession.account_id == account.id,
            or_(
                UserSession.revoked_at < now - KEEP_ENDED,
                UserSession.expires_at < now - KEEP_ENDED,
            ),
        )
    )
    token = secrets.token_urlsafe(32)
    row = UserSession(
        public_id=new_id("ses"),
        account_id=account.id,
        token_hash=_hash(token),
        user_agent=(user_agent or "")[:300],
        ip=(ip or "")[:64],
        created_at=now,
        last_seen_at=now,
        reauth_at=now,
        expires_at=now + LIFETIME,
    )
    s.add(row)
    s.flush()
    return row, token


def session_for_token(s: Session, token: str | None, now: datetime) -> UserSession | None:
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = s.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return row


def needs_touch(row: UserSession, ip: str, now: datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_EVERY or (ip or "")[:64] != row.ip


def touch(s: Session, session_id: int, ip: str, now: datetime) -> None:
    s.execute(
        update(UserSession)
        .where(UserSession.id == session_id)
        .values(last_seen_at=now, ip=(ip or "")[:64])
    )


def in_sudo(row: UserSession, now: datetime) -> bool:
    return now - row.reauth_at < SUDO_WINDOW


def mark_reauthenticated(s: Session, session_id: int, now: datetime) -> None:
    s.execute(update(UserSession).where(UserSession.id == session_id).values(reauth_at=now))


def end_session(s: Session, session_id: int, now: datetime) -> None:
    s.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def end_session_by_public_id(s: Session, account: Account, public_id: str, now: datetime) -> bool:
    if not looks_like_id(public_id, "ses"):  # a NUL would reach PostgreSQL as an error
        return False
    result = s.execute(
        update(UserSession)
        .where(
            UserSession.public_id == public_id,
            UserSession.account_id == account.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def end_all_sessions(
    s: Session, account: Account, now: datetime, keep_session_id: int | None = None
) -> int:
    """Ends every session of the account, except `keep_session_id` when given; a pending
    e-mail change dies with them (it may be what a thief in one of them started)."""
    s.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(pending_email=None, session_version=Account.session_version + 1)
    )
    query = update(UserSession).where(
        UserSession.account_id == account.id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    return s.execute(query.values(revoked_at=now)).rowcount


def active_sessions(s: Session, account: Account, now: datetime) -> list[UserSession]:
    return list(
        s.scalars(
            select(UserSession)
            .where(
                UserSession.account_id == account.id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def describe_device(user_agent: str) -> str:
    """A short human label ("Firefox on Linux") from a User-Agent; good enough to recognise
    one's own devices, never used for a decision."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for needle, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chromium/", "Chromium"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
                ("curl/", "curl"),
                ("python-requests", "Python requests"),
            )  # fmt: skip
            if needle in ua
        ),
        None,
    )
    system = next(
        (
            name
            for needle, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS X", "macOS"),
                ("CrOS", "ChromeOS"),
                ("Linux", "Linux"),
            )  # fmt: skip
            if needle in ua
        ),
        None,
    )
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
