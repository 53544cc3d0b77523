"""The profile area: its sections, editing name/time zone/hour format, and the e-mail change
by a link mailed (through a real SMTP server) to the new address, with a notice to the old."""

from __future__ import annotations

import re

from helpers import login, web_post

from backend.outbox import worker as jobs


def test_profile_sections_and_no_store(client, host):
    login(client)
    page = client.get("/profile")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    nav = html[html.index('aria-label="Profile sections"') :]
    labels = re.findall(r'<a href="[^"]+"(?: aria-current="page")?>([^<]+)</a>', nav)
    assert labels[:1] == ["Profile"] and "API keys" in labels and labels[-1] == "Security"
    assert 'aria-current="page">Profile<' in html


def test_edit_name_zone_and_hour_format_with_escaped_errors(client, host):
    login(client)
    bad = web_post(
        client,
        "/profile",
        "/profile",
        {"name": "Grace", "tzid": "<script>x</script>", "hour_format": "25"},
    )
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "<script>x</script>" not in body and "&lt;script&gt;" in body
    assert 'Use "12" or "24".' in body.replace("&#34;", '"')
    ok = web_post(
        client,
        "/profile",
        "/profile",
        {"name": "Grace B. Hopper", "tzid": "America/New_York", "hour_format": "12"},
    )
    assert ok.status_code == 303
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="Grace B. Hopper"' in page
    assert re.search(r'<input id="tzid" name="tzid" list="zones" value="America/New_York"', page)
    assert 'value="12" checked' in page
    # Without script, the field takes a city (accents optional) or an old zone name too; what
    # is stored is today's zone id.
    for typed, stored in (("São Paulo", "America/Sao_Paulo"), ("Asia/Calcutta", "Asia/Kolkata"),
                          ("tokyo", "Asia/Tokyo")):  # fmt: skip
        saved = web_post(client, "/profile", "/profile", {"name": "Grace", "tzid": typed})
        assert saved.status_code == 303, typed
        page = client.get("/profile").get_data(as_text=True)
        assert f'name="tzid" list="zones" value="{stored}"' in page, typed


def test_email_change_by_link_to_the_new_address(app, client, host, smtp):
    login(client)
    taken_by = app.test_client()
    from helpers import make_host

    make_host(app, email="taken@example.com")
    taken = web_post(client, "/profile", "/profile/email", {"email": "taken@example.com"})
    assert taken.status_code == 422
    asked = web_post(client, "/profile", "/profile/email", {"email": "Grace@New.Example"})
    assert asked.status_code == 303
    assert "host@example.com" in client.get("/profile").get_data(as_text=True), "not yet"

    jobs.run_once(app)
    mails = {rcpt[0]: message for rcpt, message in smtp.messages}
    assert set(mails) == {"grace@new.example", "host@example.com"}
    notice = mails["host@example.com"].get_body(("plain",)).get_content()
    assert "grace@new.example" in notice and "/profile/email/confirm/" not in notice
    text = mails["grace@new.example"].get_body(("plain",)).get_content()
    link = re.search(r"http://schedlink\.test(/profile/email/confirm/\S+)", text).group(1)

    # Opening the link (as a mail scanner would) changes nothing; the button does.
    assert "Confirm grace@new.example" in taken_by.get(link).get_data(as_text=True)
    assert login(app.test_client(), email="grace@new.example").status_code == 401
    done = web_post(taken_by, link, link)
    assert done.status_code == 200 and "You now sign in as" in done.get_data(as_text=True)
    assert login(app.test_client(), email="grace@new.example").status_code == 303
    assert login(app.test_client(), email="host@example.com").status_code == 401
    assert taken_by.get(link).status_code == 410, "used once"
    assert taken_by.get(link + "x").status_code == 404

    smtp.messages.clear()
    jobs.run_once(app)
    assert [rcpt[0] for rcpt, _ in smtp.messages] == ["host@example.com"]  # changed: to the old


def test_hour_format_is_the_default_on_the_dashboard(client, host):
    from helpers import book, create_link

    link = create_link(client, host)
    assert book(client, link["url"])[0].status_code == 303
    login(client)
    assert re.search(
        r"\d\d:\d\d–\d\d:\d\d \(Europe/London\)", client.get("/").get_data(as_text=True)
    )
    changed = client.patch("/v1/account", json={"hour_format": "12"}, headers=host.headers)
    assert changed.status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"\d{1,2}:\d\d\s?(am|pm|AM|PM)", page), "12-hour times after the change"


def _ask_for_email_change(app, client, smtp, address="grace@new.example") -> str:
    """Asks on the profile page, runs the mailer, returns the confirmation link's path."""
    smtp.messages.clear()
    asked = web_post(client, "/profile", "/profile/email", {"email": address})
    assert asked.status_code == 303
    jobs.run_once(app)
    mails = {rcpt[0]: message for rcpt, message in smtp.messages}
    text = mails[address].get_body(("plain",)).get_content()
    return re.search(r"http://schedlink\.test(/profile/email/confirm/\S+)", text).group(1)


def _signs_in_as(app, email, password="correct horse battery") -> bool:
    return login(app.test_client(), email=email, password=password).status_code == 303


def test_a_pending_email_change_is_shown_and_can_be_cancelled(app, client, host, smtp):
    login(client)
    assert 'id="pending-email"' not in client.get("/profile").get_data(as_text=True)
    link = _ask_for_email_change(app, client, smtp)
    page = client.get("/profile").get_data(as_text=True)
    assert 'id="pending-email"' in page and "<strong>grace@new.example</strong>" in page
    account = client.get("/v1/account", headers=host.headers).get_json()["account"]
    assert account["pending_email"] == "grace@new.example"

    cancelled = web_post(client, "/profile", "/profile/email/cancel")
    assert cancelled.status_code == 303
    page = client.get("/profile").get_data(as_text=True)
    assert 'id="pending-email"' not in page and "is cancelled" in page
    assert app.test_client().get(link).status_code == 410, "the link died"
    assert _signs_in_as(app, host.email)

    # A change cancelled before its mail went out sends no link at all.
    smtp.messages.clear()
    asked = web_post(client, "/profile", "/profile/email", {"email": "x@new.example"})
    assert asked.status_code == 303
    assert web_post(client, "/profile", "/profile/email/cancel").status_code == 303
    jobs.run_once(app)
    assert [rcpt[0] for rcpt, _ in smtp.messages] == ["host@example.com"]  # the notice only


def test_a_password_change_kills_a_pending_email_change(app, client, host, smtp):
    login(client)
    link = _ask_for_email_change(app, client, smtp)
    new_password = "a much better passphrase 7"
    changed = web_post(
        client,
        "/profile/security",
        "/profile/security/password",
        {
            "current_password": "correct horse battery",
            "password": new_password,
            "password_confirm": new_password,
        },
    )
    assert changed.status_code == 303
    assert 'id="pending-email"' not in client.get("/profile").get_data(as_text=True)
    assert app.test_client().get(link).status_code == 410
    assert _signs_in_as(app, host.email, new_password)
    assert not _signs_in_as(app, "grace@new.example", new_password)


def test_signing_out_everywhere_kills_a_pending_email_change(app, client, host, smtp):
    login(client)
    link = _ask_for_email_change(app, client, smtp)
    ended = web_post(client, "/profile/security", "/profile/security/sessions/end-all")
    assert ended.status_code == 303
    assert app.test_client().get(link).status_code == 410
    login(client)
    assert 'id="pending-email"' not in client.get("/profile").get_data(as_text=True)
    # A new request after that works as before.
    link = _ask_for_email_change(app, client, smtp, "grace@newer.example")
    assert web_post(app.test_client(), link, link).status_code == 200
    assert _signs_in_as(app, "grace@newer.example")
