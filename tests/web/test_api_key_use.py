"""API keys remember when and from where they were last used (written at most once a minute),
may expire (then refused like a revoked key), and the API keys page shows both."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from helpers import _csrf, login
from sqlalchemy import select, update

from backend import db
from backend.accounts import create_api_key
from backend.models import Account, ApiKey


def _key_row(app, prefix: str) -> ApiKey:
    with app.app_context():
        return db.session().scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one()


def _set(app, prefix: str, **values) -> None:
    with app.app_context(), db.write() as s:
        s.execute(update(ApiKey).where(ApiKey.prefix == prefix).values(**values))


def test_last_use_is_recorded_at_most_once_a_minute_and_shown(app, client, host):
    prefix = host.api_key[:10]
    assert _key_row(app, prefix).last_used_at is None
    away = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/v1/userinfo", headers=host.headers, environ_base=away).status_code == 200
    first = _key_row(app, prefix)
    assert first.last_used_ip == "203.0.113.9"
    assert datetime.now(UTC) - first.last_used_at < timedelta(seconds=5)

    # Within the minute: no write (the address would have changed otherwise).
    client.get("/v1/userinfo", headers=host.headers, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert _key_row(app, prefix).last_used_ip == "203.0.113.9"
    # A minute later the next request records again.
    _set(app, prefix, last_used_at=datetime.now(UTC) - timedelta(minutes=2))
    client.get("/v1/userinfo", headers=host.headers, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert _key_row(app, prefix).last_used_ip == "198.51.100.7"

    _set(app, prefix, last_used_at=datetime(2026, 7, 1, 13, 5, tzinfo=UTC))
    login(client)
    row = re.search(r'<tr data-key="' + prefix + r'">.*?</tr>',
                    client.get("/profile/api-keys").get_data(as_text=True), re.S)[0]  # fmt: skip
    last_used = re.search(r'class="last-used">(.*?)</td>', row, re.S)[1]
    # The host's zone (Europe/London, summer time), how long ago, and the address.
    assert "1 Jul 2026, 14:05" in last_used and "Europe/London" in last_used
    assert " ago" in last_used and "198.51.100.7" in last_used
    assert "2026-07-01T13:05:00Z" in last_used  # the exact instant stays in the markup


def test_an_expired_key_is_refused_and_listed_as_expired(app, client, host):
    with app.app_context(), db.write() as s:
        account = s.get(Account, host.account_id)
        _row, soon = create_api_key(s, account, "Contractor",
                                    expires_at=datetime.now(UTC) + timedelta(hours=1))  # fmt: skip
    auth = {"Authorization": f"Bearer {soon}"}
    assert client.get("/v1/userinfo", headers=auth).status_code == 200
    _set(app, soon[:10], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    refused = client.get("/v1/userinfo", headers=auth)
    assert refused.status_code == 401
    assert refused.get_json() == {
        "error": "unauthorized",
        "message": "That API key is not valid, has expired or has been revoked.",
    }
    assert client.get("/v1/userinfo", headers=host.headers).status_code == 200  # others work
    login(client)
    page = client.get("/profile/api-keys").get_data(as_text=True)
    row = re.search(r'<tr data-key="' + soon[:10] + r'">.*?</tr>', page, re.S)[0]
    assert "Expired" in row
    never = re.search(r'<tr data-key="' + host.api_key[:10] + r'">.*?</tr>', page, re.S)[0]
    assert re.search(r'class="expires"><span class="muted">never', never)


def test_host_creates_a_key_that_expires(app, client, host):
    login(client)
    page = client.get("/profile/api-keys").get_data(as_text=True)
    assert '<option value="90">In 90 days</option>' in page
    form = {"csrf_token": _csrf(page), "label": "X", "expires_in_days": "7"}
    bad = client.post("/profile/api-keys", data=form)
    assert bad.status_code == 303
    made = client.post("/profile/api-keys", data={**form, "label": "CI", "expires_in_days": "90"})
    assert made.status_code == 201
    key = re.search(r'id="new-api-key">(slk_[^<]+)<', made.get_data(as_text=True))[1]
    expires = _key_row(app, key[:10]).expires_at
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)
    row = re.search(r'<tr data-key="' + key[:10] + r'">.*?</tr>', made.get_data(as_text=True),
                    re.S)[0]  # fmt: skip
    assert "in 89 days" in row or "in 90 days" in row
    with app.app_context():
        labels = db.session().scalars(select(ApiKey.label)).all()
    assert "X" not in labels  # an expiry not offered is refused, nothing made
