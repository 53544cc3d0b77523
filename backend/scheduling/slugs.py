"""Readable addresses of booking pages: `/<host slug>/<page slug>`. The slug rules, a free
slug to suggest, the host's slug (with the opt-in public profile), and the old slugs that
keep redirecting after a change. Flask-free: the faces pass the path prefixes their routes
use (`reserved`), which no host may take."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..core.validation import FieldErrors
from ..models import Account, OldSlug, SchedulingLink

MAX_SLUG = 60
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")
# Beside the routes' own prefixes: names a future route or a confused reader may expect.
ALWAYS_RESERVED = frozenset(
    {"admin", "api", "app", "help", "login", "logout", "pages", "settings", "static", "www"}
)
KIND = "page"


def reserved_prefixes(rules: Iterable[str]) -> frozenset[str]:
    """The first path segments of the app's routes ("/b/<token>" → "b"), plus ALWAYS_RESERVED."""
    firsts = {rule.split("/")[1].lower() for rule in rules if rule.count("/") >= 1}
    return ALWAYS_RESERVED | {f for f in firsts if f and "<" not in f}


def slug_problem(value: object) -> str | None:
    """Why `value` is no slug, or None."""
    if not isinstance(value, str) or not value:
        return "A slug is required."
    if len(value) > MAX_SLUG or not _SLUG.fullmatch(value):
        return (
            "Use 1 to 60 lowercase letters, digits and hyphens, starting and ending with a"
            " letter or digit."
        )
    return None


def slugify(text: str, fallback: str) -> str:
    """ "Ada Lovelace" → "ada-lovelace"; `fallback` when nothing readable is left."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")
    return slug or fallback


def free_slug(base: str, taken) -> str:
    """`base`, else `base-2`, `base-3`…: the first that `taken(slug)` says is free."""
    base = base[: MAX_SLUG - 4].strip("-") or "page"
    if not taken(base):
        return base
    n = 2
    while taken(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def page_slug_taken(session: Session, account_id: int, slug: str, but: int | None = None) -> bool:
    query = select(SchedulingLink.id).where(
        SchedulingLink.account_id == account_id, SchedulingLink.slug == slug
    )
    if but is not None:
        query = query.where(SchedulingLink.id != but)
    return session.scalar(query.limit(1)) is not None


def _host_slug_taken(session: Session, slug: str, reserved: frozenset[str], but: int) -> bool:
    if slug in reserved:
        return True
    return session.scalar(
        select(Account.id).where(Account.slug == slug, Account.id != but).limit(1)
    ) is not None  # fmt: skip


def ensure_host_slug(
    session: Session, account: Account, reserved: frozenset[str], now: datetime
) -> str:
    """The host's slug, made from their name on first use (a page needs an address)."""
    if account.slug is None:
        base = slugify(account.name, "host")
        account.slug = free_slug(base, lambda s: _host_slug_taken(session, s, reserved, account.id))
        session.flush()
    return account.slug


def set_host_slug(
    session: Session,
    account: Account,
    slug: object,
    public_profile: bool,
    reserved: frozenset[str],
    now: datetime,
) -> None:
    """Change the host's address; the old one keeps redirecting (an `old_slugs` row)."""
    errors = FieldErrors()
    problem = slug_problem(slug)
    if problem:
        errors.add("slug", "invalid", problem)
    elif _host_slug_taken(session, slug, reserved, account.id):
        free = free_slug(slug, lambda s: _host_slug_taken(session, s, reserved, account.id))
        errors.add("slug", "taken", f"“{slug}” is taken; “{free}” is free.")
    errors.raise_if_any()
    if account.slug and account.slug != slug:
        session.add(OldSlug(account_id=account.id, link_id=None, slug=account.slug, created_at=now))
    # Taking back a slug of one's own past: it is current again, no longer a redirect.
    session.execute(
        delete(OldSlug).where(
            OldSlug.account_id == account.id, OldSlug.link_id.is_(None), OldSlug.slug == slug
        )
    )
    account.slug = slug
    account.public_profile = bool(public_profile)
    session.flush()


def remember_page_slug(session: Session, link: SchedulingLink, new_slug: str, now: datetime):
    """Before `link`'s slug becomes `new_slug`: its old slug keeps redirecting."""
    if link.slug and link.slug != new_slug:
        session.add(
            OldSlug(account_id=link.account_id, link_id=link.id, slug=link.slug, created_at=now)
        )
    session.execute(
        delete(OldSlug).where(
            OldSlug.account_id == link.account_id,
            OldSlug.link_id.is_not(None),
            OldSlug.slug == new_slug,
        )
    )


def host_by_slug(session: Session, slug: str) -> tuple[Account | None, bool]:
    """(the account at /<slug>, whether `slug` is an old one to redirect from)."""
    if slug_problem(slug):
        return None, False
    account = session.scalar(select(Account).where(Account.slug == slug))
    if account is not None:
        return account, False
    account = session.scalar(
        select(Account)
        .join(OldSlug, OldSlug.account_id == Account.id)
        .where(OldSlug.slug == slug, OldSlug.link_id.is_(None), Account.slug.is_not(None))
        .order_by(OldSlug.id.desc())
        .limit(1)
    )
    return account, account is not None


def page_redirect(session: Session, account: Account, slug: str) -> str | None:
    """The current slug of the account's page that once had `slug`, or None."""
    if slug_problem(slug):
        return None
    return session.scalar(
        select(SchedulingLink.slug)
        .join(OldSlug, OldSlug.link_id == SchedulingLink.id)
        .where(
            OldSlug.account_id == account.id,
            OldSlug.slug == slug,
            SchedulingLink.slug.is_not(None),
        )
        .order_by(OldSlug.id.desc())
        .limit(1)
    )
