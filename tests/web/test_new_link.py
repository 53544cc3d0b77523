"""The dashboard's New link (issue 25): the popup's form as a page that works without
JavaScript — a link with place, questions and team hosts; field errors next to their fields
with everything typed kept and nothing stored; the result with Copy, Copy as message and QR;
only the owner sees a link's result page and QR code."""

from __future__ import annotations

import re
from html import unescape

import pytest
from helpers import _csrf, login, make_host, path_of
from sqlalchemy import func, select

from backend import db
from backend.accounts import organization_named
from backend.models import Account, SchedulingLink
from backend.scheduling.link_form import greeting_name, message
from backend.scheduling.questions import PHONE_HELP


def _count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(SchedulingLink))


def _post(client, data: dict):
    token = _csrf(client.get("/links/new").get_data(as_text=True))
    form = {"csrf_token": token, "rows": "1", "place_type": "video", "hosts_mode": "me"}
    return client.post("/links/new", data=form | data)


def _value(html: str, field: str) -> str:
    match = re.search(rf'<input id="{re.escape(field)}"[^>]* value="([^"]*)"', html)
    return unescape(match.group(1)) if match else ""


@pytest.fixture
def colleague(app, host):
    alan = make_host(app, email="alan@example.com", name="Alan Turing", tzid="Europe/Paris")
    with app.app_context(), db.write() as s:
        org = organization_named(s, "Acme")
        for h in (host, alan):
            s.get(Account, h.account_id).organization_id = org.id
    return alan


def test_new_link_with_place_questions_and_a_collective_team(app, client, host, colleague):
    login(client)
    dashboard = client.get("/").get_data(as_text=True)
    assert 'id="new-link"' in dashboard
    page = client.get("/links/new").get_data(as_text=True)
    assert 'name="hosts_mode"' in page and "Alan Turing" in page
    response = _post(client, {
        "name": "Dr. Ada Lovelace", "email": "Ada@Example.com", "summary": "Panel <interview>",
        "duration": "45", "expires_days": "7", "max_uses": "1",
        "place_type": "in_person", "place_detail": "1 Main St",
        "hosts_mode": "all", "host": [host.sub, colleague.sub],
        "q-0-label": "Seniority", "q-0-type": "choice", "q-0-choices": "Junior, Senior",
        "q-0-required": "on",
    })  # fmt: skip
    assert response.status_code == 303
    made = client.get(response.headers["Location"])
    html = made.get_data(as_text=True)
    url = _value(html, "link-url")
    assert url.startswith("http") and "/b/" in url
    assert "Panel &lt;interview&gt;" in html and "<interview>" not in html
    msg = unescape(re.search(r'<textarea id="link-message"[^>]*>([^<]*)</textarea>', html).group(1))
    assert msg == f"Hi Ada, please pick a time for Panel <interview> (45 min) here: {url}"
    assert 'data-copy="link-url"' in html and 'data-copy="link-message"' in html
    qr_path = re.search(r'<img id="qr" src="([^"]+)"', html).group(1)
    qr = client.get(qr_path)
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data

    link_id = response.headers["Location"].split("/")[2]
    api = client.get(f"/v1/scheduling_links/{link_id}", headers=host.headers).get_json()
    link = api["scheduling_link"]
    assert link["contact"]["email"] == "ada@example.com" and link["duration_minutes"] == 45
    assert link["place"] == {"type": "in_person", "address": "1 Main St"}
    assert link["hosts"]["required"] == "all"
    assert [m["sub"] for m in link["hosts"]["members"]] == [host.sub, colleague.sub]
    assert link["questions"][0]["choices"] == ["Junior", "Senior"]
    booking_page = client.get(path_of(url)).get_data(as_text=True)
    assert "1 Main St" in booking_page and "Seniority" in booking_page


def test_they_call_you_on_your_number_with_one_guest(client, host):
    login(client)
    form = client.get("/links/new").get_data(as_text=True)
    assert 'value="phone_host"' in form and 'value="phone_invitee"' in form
    assert 'id="place_number"' in form and _value(form, "max_guests") == "3"
    response = _post(client, {
        "email": "ada@example.com", "place_type": "phone_invitee",
        "place_number": "+44 20 7946 0958", "max_guests": "1",
    })  # fmt: skip
    assert response.status_code == 303
    link_id = response.headers["Location"].split("/")[2]
    api = client.get(f"/v1/scheduling_links/{link_id}", headers=host.headers).get_json()
    link = api["scheduling_link"]
    assert link["place"] == {"type": "phone", "calls": "invitee", "number": "+442079460958"}
    assert link["max_guests"] == 1
    url = _value(client.get(response.headers["Location"]).get_data(as_text=True), "link-url")
    booking_page = client.get(path_of(url)).get_data(as_text=True)
    assert "Call +442079460958" in booking_page and "up to 1;" in booking_page


BAD = [
    ("no e-mail", {"email": ""}, "email"),
    ("not an e-mail", {"email": "ada at example"}, "email"),
    ("minutes not a number", {"duration": "4.5"}, "duration"),
    ("days out of range", {"expires_days": "400"}, "expires_days"),
    ("an address missing", {"place_type": "in_person", "place_detail": " "}, "place_detail"),
    ("a choice question without choices", {"q-0-label": "Pick", "q-0-type": "choice"},
     "q-0-choices"),
    ("a question without a label", {"q-0-label": "", "q-0-required": "on"}, "q-0-label"),
    ("a round robin with nobody ticked", {"hosts_mode": "one"}, "hosts_mode"),
    ("a host from elsewhere", {"hosts_mode": "all", "host": ["acc_nobodyatall00000000000000"]},
     "hosts_mode"),
    ("they call you without a number", {"place_type": "phone_invitee"}, "place_number"),
    ("they call you on no number", {"place_type": "phone_invitee", "place_number": "12 <3>"},
     "place_number"),
    ("too many guests", {"max_guests": "21"}, "max_guests"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "data", "field"), BAD, ids=[b[0] for b in BAD])
def test_field_errors_next_to_fields_everything_kept_nothing_stored(
    app, client, host, colleague, what, data, field
):
    login(client)
    before = _count(app)
    typed = {"name": "Ada <b>", "email": "ada@example.com", "summary": "Chat & more",
             "duration": "30", "expires_days": "14", "max_uses": "1"}  # fmt: skip
    response = _post(client, typed | data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, what
    assert f'id="{field}-error"' in html, html[html.find("form-problems") - 200 :][:2000]
    assert f'aria-describedby="{field}-error"' in html
    assert _value(html, "name") == "Ada <b>" and "Ada &lt;b&gt;" in html
    assert _value(html, "summary") == "Chat & more"
    for key, value in data.items():
        if key in ("q-0-label", "place_detail", "place_number", "duration", "max_guests"):
            assert _value(html, key) == value
    assert _count(app) == before
    if field == "place_number":
        assert PHONE_HELP in html  # the API's words
    assert "place.address" not in html and " sub" not in html, "people's words, not the API's"


def test_add_a_question_without_javascript_keeps_what_was_typed(client, host):
    login(client)
    response = _post(client, {"email": "ada@example.com", "q-0-label": "Company",
                              "add_question": "1"})  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _value(html, "q-0-label") == "Company" and 'id="q-1-label"' in html
    assert _value(html, "email") == "ada@example.com"
    assert 'name="rows" value="2"' in html


def test_only_the_owner_sees_a_links_result_and_qr(app, client, host):
    login(client)
    link_id = _post(client, {"email": "ada@example.com"}).headers["Location"].split("/")[2]
    make_host(app, email="other@example.com", name="Other")
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    login(client, email="other@example.com")
    assert client.get(f"/links/{link_id}/made").status_code == 404
    assert client.get(f"/links/{link_id}/qr.svg").status_code == 404
    assert client.get("/links/sl_\x00/made").status_code == 404


def test_no_team_picker_without_an_organization(client, host):
    login(client)
    assert 'name="hosts_mode"' not in client.get("/links/new").get_data(as_text=True)


def test_message_text_as_the_popup_writes_it():
    assert greeting_name("Lovelace, Ada") == "Ada"
    assert greeting_name("Dr. Ada Lovelace") == "Ada"
    assert greeting_name("") == ""
    assert message(None, "Chat", 30, "https://x.example/b/t") == (
        "Hi, please pick a time for Chat (30 min) here: https://x.example/b/t"
    )
