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
    assert "<option selected>America/New_York</option>" in page
    assert 'value="12" checked' in page


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
