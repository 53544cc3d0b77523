"""`schedlink demo`: a demo host account and pretend host-application pages under /demo/."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import NamedTuple

from flask import Blueprint, Flask, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...accounts import (
    account_for_api_key,
    create_account,
    create_api_key,
    find_by_email,
    revoke_api_key,
    set_password,
    verify_password,
)
from ...models import Account, ApiKey

bp = Blueprint("demo", __name__, url_prefix="/demo")

DEMO_EMAIL = "host@demo.schedlink.test"
DEMO_NAME = "Grace Hopper"
DEMO_TZID = "Europe/London"

# Pretend records of the pretend host apps. Values are rendered by templates with
# autoescaping, as a real host app would. (Hostile markup is tested with the test suite's
# own pages, not shown to people trying the demo.)
CANDIDATES = {
    "4711": {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "organization": "Analytical Engines Ltd",
        "title": "Engineer",
        "phone": "+44 20 7946 0000",
        "tzid": "Europe/London",
        "role": "Senior Engineer",
        "duration": 45,
    },
    "4712": {
        "name": "Alan Turing",
        "email": "alan@example.org",
        "organization": "Bletchley Park",
        "title": "Mathematician",
        "phone": "+44 1908 640404",
        "tzid": "Europe/London",
        "role": "Research Scientist",
        "duration": 30,
    },
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/")
def index():
    return render_template("demo/index.html", candidates=CANDIDATES)


@bp.get("/ats/candidates/<candidate_id>")
def candidate(candidate_id: str):
    person = CANDIDATES.get(candidate_id)
    if person is None:
        abort(404)
    return render_template("demo/candidate.html", person=person, candidate_id=candidate_id)


DEMO_KEY_LABEL = "Demo extension key"


def _kept(path: Path) -> str | None:
    return path.read_text().strip() if path.exists() else None


def _keep(path: Path, value: str) -> None:
    """Written owner-only, like instance/secret_key: these sign in as the demo host."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)


class DemoHost(NamedTuple):
    """What `schedlink demo` prints: the host's current address, password and API key."""

    email: str
    password: str
    key: str


def _find_host(session: Session, sub_file: Path | None, key: str | None) -> Account | None:
    """The demo host by what does not change when they edit their profile: the account id
    kept in the instance folder, else the account of the kept key (instances from before the
    id was kept). The e-mail address is only the last resort (a first run, or no instance
    folder): a host who changed it would otherwise get a new, empty account on each start."""
    sub = _kept(sub_file) if sub_file else None
    if sub:
        account = session.scalar(select(Account).where(Account.sub == sub))
        if account is not None:
            return account
    if key:
        account = account_for_api_key(session, key)
        if account is not None:
            return account
    return find_by_email(session, DEMO_EMAIL)


def seed(session: Session, instance_path: Path | None = None) -> DemoHost:
    """Create the demo host, or reuse it; returns its address, password and API key to print.

    With `instance_path`, the account id, password and key are kept there, so restarts find
    the same host (whatever its address now) and print the same password and key (the
    extension stays set up) without piling up keys; a key that no longer works is replaced
    and the demo's other keys revoked."""
    password_file = instance_path / "demo_password" if instance_path else None
    key_file = instance_path / "demo_api_key" if instance_path else None
    sub_file = instance_path / "demo_account" if instance_path else None
    password = (_kept(password_file) if password_file else None) or secrets.token_urlsafe(12)
    key = _kept(key_file) if key_file else None
    account = _find_host(session, sub_file, key)
    if account is None:
        account = create_account(session, DEMO_EMAIL, DEMO_NAME, DEMO_TZID, password)
    elif not verify_password(account, password):
        set_password(account, password)
    if key is None or account_for_api_key(session, key) is not account:
        for old in session.scalars(
            select(ApiKey).where(
                ApiKey.account_id == account.id,
                ApiKey.label == DEMO_KEY_LABEL,
                ApiKey.revoked_at.is_(None),
            )
        ):
            revoke_api_key(session, account, old.id)
        _row, key = create_api_key(session, account, DEMO_KEY_LABEL)
    if password_file and key_file and sub_file:
        _keep(password_file, password)
        _keep(key_file, key)
        _keep(sub_file, account.sub)
    return DemoHost(account.email, password, key)
