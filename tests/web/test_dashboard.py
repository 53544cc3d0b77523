"""The host's dashboard and working-hours editor."""

from __future__ import annotations

import re

from helpers import _csrf, book, create_link, form_fields, login, path_of

from backend.outbox import worker as jobs


def test_dashboard_lists_links_and_upcoming_bookings(client, host):
    booked = create_link(client, host, contact={"name": "Ada <i>L</i>", "email": "a@example.com"})
    book(client, booked["url"], name="Ada <i>L</i>")
    create_link(client, host, summary="Still open")
    login(client)
    html = client.get("/").get_data(as_text=True)
    assert "Upcoming bookings" in html and "Ada &lt;i&gt;L&lt;/i&gt;" in html
    assert "Still open" in html and ">completed<" in html and ">open<" in html


def test_host_turns_a_link_off(client, host):
    link = create_link(client, host)
    login(client)
    page = client.get("/").get_data(as_text=True)
    response = client.post(f"/links/{link['id']}/disable", data={"csrf_token": _csrf(page)})
    assert response.status_code == 303
    assert client.get(path_of(link["url"])).status_code == 410
    api = client.get(f"/v1/scheduling_links/{link['id']}", headers=host.headers).get_json()
    assert api["scheduling_link"]["status"] == "disabled"


def test_host_cancels_a_booking_and_the_invitee_is_told(app, client, host, smtp):  # noqa: F811
    link = create_link(client, host)
    book(client, link["url"])
    jobs.run_once(app)
    smtp.messages.clear()
    login(client)
    page = client.get("/").get_data(as_text=True)
    booking_id = re.search(r'data-booking="(bk_[a-z0-9]+)"', page).group(1)
    done = client.post(
        f"/bookings/{booking_id}/cancel", data={"csrf_token": _csrf(page), "reason": "Role filled"}
    )
    assert done.status_code == 303
    assert f'data-booking="{booking_id}"' not in client.get("/").get_data(as_text=True)
    jobs.run_once(app)
    to_invitee = next(m for r, m in smtp.messages if r == ["ada@example.com"])
    assert to_invitee["Subject"].startswith("Cancelled:")
    assert "Role filled" in to_invitee.get_body(("plain",)).get_content()


def test_other_hosts_cannot_touch_my_things(app, client, host):
    from helpers import make_host

    link = create_link(client, host)
    book(client, link["url"])
    make_host(app, email="other@example.com")
    login(client, email="other@example.com")
    page = client.get("/").get_data(as_text=True)
    client.post(f"/links/{link['id']}/disable", data={"csrf_token": _csrf(page)})
    api = client.get(f"/v1/scheduling_links/{link['id']}", headers=host.headers).get_json()
    assert api["scheduling_link"]["status"] == "completed"


NOTE = '<script>alert("x")</script> Call me on\nSignal, please'


def _book_with_note(client, url):
    page = client.get(path_of(url)).get_data(as_text=True)
    fields = form_fields(page)
    return client.post(
        path_of(url),
        data={
            "form_token": fields["form_token"],
            "tz": "Europe/London",
            "start": fields["starts"][0],
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "notes": NOTE,
        },
    )


def test_invitee_notes_reach_the_host_escaped_everywhere(app, client, host, smtp):  # noqa: F811
    link = create_link(client, host)
    confirmed = _book_with_note(client, link["url"])
    assert confirmed.status_code == 303
    page = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Call me on\nSignal" in page
    assert "<script>alert" not in page
    jobs.run_once(app)
    to_host = next(m for r, m in smtp.messages if r == [host.email])
    html = to_host.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html
    assert "Note from Ada Lovelace:" in to_host.get_body(("plain",)).get_content()
    ics = next(p for p in to_host.iter_attachments()).get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert (
        'DESCRIPTION:Note from Ada Lovelace: <script>alert("x")</script> Call me on\\nSignal\\,'
        in ics.replace("\r\n ", "")
    )
    login(client)
    dashboard = client.get("/").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in dashboard
    assert "<script>alert" not in dashboard


def test_invitee_cancellation_shows_on_the_dashboard_and_mails_the_host(app, client, host, smtp):  # noqa: F811
    link = create_link(client, host, contact={"name": "Ada Lovelace", "email": "ada@example.com"})
    confirmed, _ = book(client, link["url"])
    page = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    cancel = path_of(re.search(r'href="([^"]+)" id="cancel"', page).group(1).replace("&amp;", "&"))
    form = client.get(cancel).get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    assert (
        client.post(cancel, data={"form_token": token, "reason": "Took <another> job"}).status_code
        == 200
    )
    jobs.run_once(app)
    to_host = [m for r, m in smtp.messages if r == [host.email]][-1]
    assert to_host["Subject"].startswith("Cancelled:")
    text = to_host.get_body(("plain",)).get_content()
    assert "Ada Lovelace cancelled it." in text and "Reason: Took <another> job" in text
    login(client)
    dashboard = client.get("/").get_data(as_text=True)
    section = dashboard.split('id="cancellations"')[1].split("</section>")[0]
    assert "by Ada Lovelace" in section and "Took &lt;another&gt; job" in section
    row = dashboard.split(f'data-link="{link["id"]}"')[1].split("</tr>")[0]
    assert "cancelled by the invitee" in row and "Took &lt;another&gt; job" in row


def test_links_filter_paginate_and_show_their_url(client, host):
    made = [
        create_link(
            client, host, contact={"name": f"P{i}", "email": f"p{i}@x.org", "reference": f"ref-{i}"}
        )
        for i in range(23)
    ]
    assert (
        client.post(
            f"/v1/scheduling_links/{made[0]['id']}/disable", json={}, headers=host.headers
        ).status_code
        == 200
    )
    login(client)
    first = client.get("/").get_data(as_text=True)
    assert first.count("data-link=") == 20 and "Page 1 of 2 · 23 links" in first
    assert f'value="{made[-1]["url"]}" readonly' in first  # newest first, URL to copy
    assert "ref-22" in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert second.count("data-link=") == 3 and made[0]["id"] in second
    disabled = client.get("/?status=disabled").get_data(as_text=True)
    assert disabled.count("data-link=") == 1 and made[0]["id"] in disabled
    opened = client.get("/?status=open").get_data(as_text=True)
    assert made[0]["id"] not in opened and "Page 1 of 2 · 22 links" in opened
    assert client.get("/?status=nonsense&page=-3").status_code == 200


def test_destructive_actions_ask_first(client, host):
    link = create_link(client, host)
    book(client, link["url"])
    create_link(client, host)
    login(client)
    page = client.get("/").get_data(as_text=True)
    assert page.count("data-confirm=") == 2  # cancel booking, turn off link (keys: profile)
