"""Sign-up through the real pages on both databases, e-mails through the real SMTP server:
closed by default (404), open, or for listed domains; the account works only after its link
is opened (once, 24 hours); a taken address gets the same answer and a mail instead; rate
limits like sign-in."""

from __future__ import annotations

import re

import pytest
from helpers import login, web_post
from sqlalchemy import select

from backend import db
from backend.models import Account
from backend.outbox import worker

PASSWORD = "purple elephant marmalade"
FORM = {"name": "Dana", "email": "dana@example.com", "tzid": "Asia/Tokyo",
        "password": PASSWORD, "password_confirm": PASSWORD}  # fmt: skip


@pytest.fixture
def app_config():
    return {"SIGNUP": "open"}


def _mails(app, smtp, address):
    worker.run_once(app)
    return [m for rcpt, m in smtp.messages if rcpt == [address]]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_closed_by_default(app, client):
    app.config["SIGNUP"] = "closed"
    assert client.get("/signup").status_code == 404
    assert "Create an account" not in client.get("/login").get_data(as_text=True)


def test_sign_up_then_activate_with_the_emailed_link(app, client, smtp):
    assert "Create an account" in client.get("/login").get_data(as_text=True)
    page = client.get("/signup").get_data(as_text=True)
    assert 'list="zones"' in page and "data-guess-zone" in page
    sent = web_post(client, "/signup", "/signup", FORM)
    assert sent.status_code == 200 and "Check your e-mail" in sent.get_data(as_text=True)
    with app.app_context():
        account = db.session().scalar(select(Account).where(Account.email == FORM["email"]))
        assert account.unverified_since is not None and account.tzid == "Asia/Tokyo"
    refused = login(client, FORM["email"], PASSWORD)
    assert refused.status_code == 403 and "Activate your account" in refused.get_data(as_text=True)

    [mail] = _mails(app, smtp, FORM["email"])
    link = re.search(r"http://schedlink\.test(/signup/verify/\S+)", _text(mail)).group(1)
    scanner = app.test_client().get(link)  # a mail scanner's GET changes nothing
    assert scanner.status_code == 200 and 'data-state="ask"' in scanner.get_data(as_text=True)
    assert scanner.headers["Referrer-Policy"] == "no-referrer"
    browser = app.test_client()
    wrong = web_post(browser, link, link, {"password": "not my password"})
    assert wrong.status_code == 401 and 'data-state="ask"' in wrong.get_data(as_text=True)
    done = web_post(browser, link, link, {"password": PASSWORD})
    assert 'data-state="done"' in done.get_data(as_text=True)
    assert browser.get("/profile").status_code == 200, "signed in"
    again = app.test_client().get(link)
    assert again.status_code == 410 and 'data-state="used"' in again.get_data(as_text=True)
    assert login(app.test_client(), FORM["email"], PASSWORD).status_code == 303
    # A changed signature character (not the last: its low bits are padding, so a new last
    # character can decode to the same signature).
    tampered = link[:-5] + ("B" if link[-5] == "A" else "A") + link[-4:]
    assert app.test_client().get(tampered).status_code == 404


def test_taken_address_gets_the_same_answer_and_an_email(app, client, smtp, host):
    first = web_post(client, "/signup", "/signup", FORM)
    taken = web_post(app.test_client(), "/signup", "/signup", {**FORM, "email": host.email})

    def body(response):
        html = response.get_data(as_text=True)
        return re.sub(r"<strong>[^<]*</strong>", "", re.sub(r'nonce="[^"]*"', "", html))

    assert (first.status_code, body(first)) == (taken.status_code, body(taken))
    [mail] = _mails(app, smtp, host.email)
    assert "already has an account" in _text(mail)
    with app.app_context():
        assert db.session().scalar(select(Account.unverified_since).where(
            Account.email == host.email)) is None  # fmt: skip


def test_domains_and_field_problems(app, client):
    app.config["SIGNUP"] = "corp.example, example.org"
    outside = web_post(client, "/signup", "/signup", FORM)
    assert outside.status_code == 422 and "corp.example" in outside.get_data(as_text=True)
    inside = web_post(client, "/signup", "/signup", {**FORM, "email": "dana@corp.example"})
    assert inside.status_code == 200
    weak = {**FORM, "email": "x@example.org", "password": "password1",
            "password_confirm": "password1", "tzid": "Mars/Olympus"}  # fmt: skip
    response = web_post(client, "/signup", "/signup", weak)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "common" in html and "Unknown time zone" in html


def test_rate_limited_like_sign_in(app, client):
    app.config["RATELIMIT_LOGIN"] = "3/minute"
    statuses = [
        web_post(client, "/signup", "/signup", {**FORM, "email": f"u{i}@example.com"}).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
