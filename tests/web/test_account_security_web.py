"""Account security through the real pages: server-side sessions (a cookie copied before
sign-out stops working), password change and reset (mailed through a real SMTP server),
the sessions list, TOTP with real codes (a replayed one refused), recovery codes, sudo mode."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import unquote

import pyotp
from helpers import login, web_post
from sqlalchemy import select, update

from backend import db
from backend.models import Job, RecoveryCode, UserSession
from backend.outbox import worker as jobs

PASSWORD = "correct horse battery"
NEW_PASSWORD = "purple elephant marmalade"


def _cookie(client) -> str:
    return client.get_cookie("session", domain="schedlink.test").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value, domain="schedlink.test")
    return other


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _mails(app, smtp_inbox):
    jobs.run_once(app)
    return [(rcpt[0], message) for rcpt, message in smtp_inbox.messages]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_sign_out_ends_the_session_on_the_server(app, client, host):
    assert login(client).status_code == 303
    copied = _cookie(client)
    assert _signed_in(_with_cookie(app, copied))
    assert web_post(client, "/", "/logout").status_code == 303
    replay = _with_cookie(app, copied)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert replay.get("/profile").status_code == 302
    with app.app_context():
        row = db.session().scalars(select(UserSession)).one()
        assert row.revoked_at is not None


def test_sessions_list_and_ending_one_and_everywhere(app, client, host):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    phone.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36"
    )
    login(phone)
    login(client)
    page = client.get("/profile/security")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Chrome on Android" in html and "(this browser)" in html
    ids = re.findall(r'data-session="(ses_[a-z2-7]+)"', html)
    assert len(ids) == 3
    with app.app_context():
        phone_id = db.session().scalar(
            select(UserSession.public_id).where(UserSession.user_agent.like("%Android%"))
        )
    assert web_post(client, "/profile/security", f"/profile/security/sessions/{phone_id}/end")
    assert not _signed_in(phone) and _signed_in(laptop) and _signed_in(client)

    copied = _cookie(laptop)
    response = web_post(client, "/profile/security", "/profile/security/sessions/end-all")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    assert not _signed_in(client) and not _signed_in(_with_cookie(app, copied))


def test_password_change_signs_out_other_sessions_and_mails_the_owner(app, client, host, smtp):
    other = app.test_client()
    login(other)
    copied_other = _cookie(other)
    login(client)
    form = {"current_password": PASSWORD, "password_confirm": NEW_PASSWORD}

    weak = web_post(
        client,
        "/profile/security",
        "/profile/security/password",
        {**form, "password": "password123", "password_confirm": "password123"},
    )
    assert weak.status_code == 422 and "most common" in weak.get_data(as_text=True)
    short = web_post(
        client,
        "/profile/security",
        "/profile/security/password",
        {**form, "password": "short", "password_confirm": "short"},
    )
    assert short.status_code == 422 and "at least 10" in short.get_data(as_text=True)
    wrong = web_post(
        client,
        "/profile/security",
        "/profile/security/password",
        {**form, "current_password": "not it at all", "password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    assert _signed_in(other)

    done = web_post(
        client,
        "/profile/security",
        "/profile/security/password",
        {**form, "password": NEW_PASSWORD},
    )
    assert done.status_code == 303
    assert _signed_in(client), "the session that changed it stays"
    assert not _signed_in(_with_cookie(app, copied_other))
    mails = _mails(app, smtp)
    assert [(to, m["Subject"]) for to, m in mails] == [
        (host.email, "Your schedlink password was changed")
    ]
    assert login(app.test_client()).status_code == 401
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303


def test_password_reset_by_mailed_one_time_link(app, client, host, smtp):
    signed_in = app.test_client()
    login(signed_in)
    known = web_post(client, "/login/forgot", "/login/forgot", {"email": host.email})
    unknown = web_post(client, "/login/forgot", "/login/forgot", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200

    def strip(response) -> str:
        html = response.get_data(as_text=True)
        return re.sub(r"<strong>[^<]*</strong>|value=\"[^\"]*\"", "", html)

    assert strip(known) == strip(unknown), "never tells whether an account exists"

    mails = _mails(app, smtp)
    assert [to for to, _ in mails] == [host.email]
    link = re.search(r"http://schedlink\.test(/login/reset/\S+)", _text(mails[0][1])).group(1)
    assert client.get(link).status_code == 200
    weak = web_post(
        client, link, link, {"password": "qwertyuiop", "password_confirm": "qwertyuiop"}
    )
    assert weak.status_code == 422
    done = web_post(
        client, link, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert done.status_code == 303 and "/login" in done.headers["Location"]
    assert not _signed_in(signed_in), "a reset ends every session"
    assert client.get(link).status_code == 410, "the link works once"
    assert client.get(link[:-3] + "xyz").status_code == 404
    assert login(app.test_client(), password=NEW_PASSWORD).status_code == 303
    assert [m["Subject"] for _, m in _mails(app, smtp)][-1] == "Your schedlink password was changed"


def test_password_reset_requests_are_rate_limited(app, client, host):
    statuses = [
        web_post(client, "/login/forgot", "/login/forgot", {"email": host.email}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    with app.app_context():
        assert len(db.session().scalars(select(Job)).all()) == 5


def _enrol_totp(client) -> tuple[str, list[str]]:
    assert web_post(client, "/profile/security", "/profile/security/totp").status_code == 303
    page = client.get("/profile/security/totp").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = web_post(
        client,
        "/profile/security/totp",
        "/profile/security/totp/confirm",
        {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"},
    )
    assert wrong.status_code == 422
    shown = web_post(
        client,
        "/profile/security/totp",
        "/profile/security/totp/confirm",
        {"code": pyotp.TOTP(secret).now()},
    )
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    codes = re.findall(
        r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>", shown.get_data(as_text=True)
    )
    assert len(codes) == 10
    # Kept without script: a .txt download of the codes (Copy and Print come with account.js).
    page = shown.get_data(as_text=True)
    download = re.search(r'download="([^"]+)"\s+href="data:text/plain;charset=utf-8,([^"]+)"', page)
    assert download and download.group(1).endswith(".txt")
    text = unquote(unescape(download.group(2)))
    assert text.splitlines()[-10:] == codes
    assert re.search(r'<button[^>]*data-copy="recovery-codes-text"[^>]*hidden>Copy<', page)
    assert re.search(r"<button[^>]*data-print[^>]*hidden>Print<", page)
    return secret, codes


def _second_step(app, password=PASSWORD):
    browser = app.test_client()
    response = login(browser, password=password)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login/verify")
    assert not _signed_in(browser), "the password alone does not sign in"
    return browser


def test_totp_sign_in_with_real_codes_and_replay_refused(app, client, host, smtp):
    login(client)
    secret, codes = _enrol_totp(client)
    with app.app_context():
        stored = db.session().scalars(select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(stored) & set(codes), "hashed, not stored"

    # The enrolment code was already used; the next time step's code is fresh.
    code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
    browser = _second_step(app)
    ok = web_post(browser, "/login/verify", "/login/verify", {"code": code})
    assert ok.status_code == 303 and _signed_in(browser)

    again = _second_step(app)
    replay = web_post(again, "/login/verify", "/login/verify", {"code": code})
    assert replay.status_code == 401 and not _signed_in(again)

    recovered = web_post(again, "/login/verify", "/login/verify", {"code": codes[0].upper()})
    assert recovered.status_code == 303 and _signed_in(again)
    spent = _second_step(app)
    assert web_post(spent, "/login/verify", "/login/verify", {"code": codes[0]}).status_code == 401

    subjects = [m["Subject"] for _, m in _mails(app, smtp)]
    assert "Two-factor authentication is on for your schedlink account" in subjects
    assert "A recovery code was used to sign in to schedlink" in subjects
    page = client.get("/profile/security").get_data(as_text=True)
    assert "9 unused recovery codes left" in page


def test_second_factor_attempts_are_limited_per_account(app, client, host):
    login(client)
    _enrol_totp(client)
    browser = _second_step(app)
    statuses = [
        web_post(browser, "/login/verify", "/login/verify", {"code": "123456"}).status_code
        for _ in range(7)
    ]
    assert statuses[:6] == [401] * 6 and statuses[6] == 429


def _expire_sudo(app):
    with app.app_context(), db.write() as s:
        s.execute(update(UserSession).values(reauth_at=datetime.now(UTC) - timedelta(minutes=16)))


def test_sudo_mode_asks_again_after_15_minutes(app, client, host):
    login(client)
    secret, _codes = _enrol_totp(client)
    _expire_sudo(app)
    asked = web_post(client, "/profile/api-keys", "/profile/api-keys", {"label": "x"})
    assert asked.status_code == 303 and "/profile/confirm" in asked.headers["Location"]
    confirm = unescape(asked.headers["Location"])
    assert "Code from your authenticator app" in client.get(confirm).get_data(as_text=True)
    no_code = web_post(client, confirm, confirm, {"password": PASSWORD, "code": ""})
    assert no_code.status_code == 401
    code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
    yes = web_post(client, confirm, confirm, {"password": PASSWORD, "code": code})
    assert yes.status_code == 303 and yes.headers["Location"].endswith("/profile/api-keys")
    created = web_post(client, "/profile/api-keys", "/profile/api-keys", {"label": "x"})
    assert created.status_code == 201


def test_turning_mfa_off_needs_password_and_a_code(app, client, host, smtp):
    login(client)
    secret, codes = _enrol_totp(client)
    refused = web_post(
        client,
        "/profile/security",
        "/profile/security/mfa/disable",
        {"password": PASSWORD, "code": "nope"},
    )
    assert refused.status_code == 422
    refused = web_post(
        client,
        "/profile/security",
        "/profile/security/mfa/disable",
        {"password": "wrong password!", "code": codes[1]},
    )
    assert refused.status_code == 422
    off = web_post(
        client,
        "/profile/security",
        "/profile/security/mfa/disable",
        {"password": PASSWORD, "code": codes[1]},
    )
    assert off.status_code == 303
    plain = login(app.test_client())
    assert plain.status_code == 303 and "/login/verify" not in plain.headers["Location"]
    with app.app_context():
        assert db.session().scalars(select(RecoveryCode)).all() == []
    subjects = [m["Subject"] for _, m in _mails(app, smtp)]
    assert "Two-factor authentication was turned off for your schedlink account" in subjects


def test_an_expired_session_is_signed_out(app, client, host):
    login(client)
    with app.app_context(), db.write() as s:
        s.execute(update(UserSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert not _signed_in(client)


def test_security_page_offers_passkeys_only_where_browsers_accept_them(app, client, host):
    """WebAuthn refuses an IP address as the relying party ("This is an invalid domain"):
    with such a BASE_URL the page says what to open instead of a button that fails."""
    login(client)
    page = client.get("/profile/security").get_data(as_text=True)
    assert 'id="add-passkey"' in page and "passkeys-unavailable" not in page

    app.config["BASE_URL"] = "http://127.0.0.1:5000"
    page = unescape(client.get("/profile/security").get_data(as_text=True))
    assert 'id="add-passkey"' not in page
    notice = re.search(r'<p class="notice" id="passkeys-unavailable">(.*?)</p>', page, re.S)
    assert notice and "need a host name, not an IP address" in notice.group(1)
    assert "<code>SCHEDLINK_BASE_URL=http://localhost:5000</code>" in notice.group(1)
    assert '<a href="http://localhost:5000/profile/security">' in notice.group(1)
    started = web_post(client, "/profile/security", "/profile/security/passkeys/options")
    assert started.status_code == 409
    assert started.get_json()["error"] == "passkeys_unavailable"
    assert "SCHEDLINK_BASE_URL=http://localhost:5000" in started.get_json()["message"]

    app.config["BASE_URL"] = "https://[2001:db8::5]"
    page = unescape(client.get("/profile/security").get_data(as_text=True))
    assert 'id="add-passkey"' not in page and "<code>SCHEDLINK_BASE_URL</code> to a name" in page


def test_default_base_url_is_a_host_name(monkeypatch, tmp_path):
    from backend.config import from_environment

    monkeypatch.delenv("SCHEDLINK_BASE_URL", raising=False)
    assert from_environment(tmp_path / "instance")["BASE_URL"] == "http://localhost:5000"
