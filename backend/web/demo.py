"""`schedlink demo`: a demo host account and pretend host-application pages under /demo/."""

from __future__ import annotations

import secrets

from flask import Blueprint, Flask, abort, render_template
from sqlalchemy.orm import Session

from ..accounts import create_account, create_api_key, find_by_email, set_password

bp = Blueprint("demo", __name__, url_prefix="/demo")

DEMO_EMAIL = "host@demo.schedlink.test"
DEMO_NAME = "Grace Hopper"
DEMO_TZID = "Europe/London"

# Pretend records of the pretend host apps. Values are rendered by templates with
# autoescaping, as a real host app would (one name carries markup on purpose).
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
    "4713": {
        "name": '<img src=x onerror="alert(1)">Mallory',
        "email": "mallory@example.net",
        "organization": "<script>alert(2)</script>",
        "title": "Tester",
        "phone": None,
        "tzid": "America/New_York",
        "role": "Security Engineer",
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


def seed(session: Session) -> tuple[str, str]:
    """Create (or reset) the demo host; returns (password, new API key) to print."""
    password = secrets.token_urlsafe(12)
    account = find_by_email(session, DEMO_EMAIL)
    if account is None:
        account = create_account(session, DEMO_EMAIL, DEMO_NAME, DEMO_TZID, password)
    else:
        set_password(account, password)
    _key, plaintext = create_api_key(session, account, "Demo extension key")
    return password, plaintext
