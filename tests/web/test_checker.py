"""The public markup checker (/tools/markup-checker) through the Flask test client."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from backend.web.public import checker

URL = "/tools/markup-checker"

FORMATS = {
    "schedlink": (
        '<div hidden data-schedlink-contact data-name="Ada Lovelace" data-email="ada@example.com"'
        ' data-organization="Analytical Engines Ltd" data-title="Engineer"'
        ' data-phone="+44 20 7946 0000" data-tzid="Europe/London" data-reference="candidate-4711"'
        ' data-summary="Interview: Senior Engineer" data-duration="45"></div>',
        [
            "Ada Lovelace",
            "ada@example.com",
            "Analytical Engines Ltd",
            "Engineer",
            "+44 20 7946 0000",
            "Europe/London",
            "candidate-4711",
            "Interview: Senior Engineer",
            "45",
        ],
    ),
    "json-ld": (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "BlogPosting", "headline": "Engines", "author": {"@type": "Person",'
        ' "name": "Charles Babbage", "email": "charles@engines.example",'
        ' "jobTitle": "Inventor"}}]}</script>',
        ["Charles Babbage", "charles@engines.example", "Inventor"],
    ),
    "microdata": (
        '<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Grace Hopper'
        '</span><span itemprop="jobTitle">Computer scientist</span>'
        '<a itemprop="email" href="mailto:grace@navy.example">mail</a></div>',
        ["Grace Hopper", "grace@navy.example", "Computer scientist"],
    ),
    "h-card": (
        '<div class="h-card"><span class="p-name">Tim Berners-Lee</span>'
        '<span class="p-org">W3C</span><a class="u-email" href="mailto:timbl@w3.example">e</a>'
        "</div>",
        ["Tim Berners-Lee", "timbl@w3.example", "W3C"],
    ),
    "hcard": (
        '<div class="vcard"><span class="fn">Linus Torvalds</span>'
        '<span class="title">Maintainer</span>'
        '<a class="email" href="mailto:linus@kernel.example">mail</a></div>',
        ["Linus Torvalds", "linus@kernel.example", "Maintainer"],
    ),
    "mailto": (
        '<p>Write to <a href="mailto:press@shop.example">Press Office</a>.</p>',
        ["Press Office", "press@shop.example"],
    ),
}


@pytest.fixture
def app(app):
    if "checker" not in app.blueprints:
        checker.init_app(app)
    return app


def token(client) -> str:
    page = client.get(URL).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def check(client, html: str, *, multipart: bool = True, csrf: str | None = None):
    data = {"html": html, "csrf_token": token(client) if csrf is None else csrf}
    if multipart:
        return client.post(URL, data=data, content_type="multipart/form-data")
    return client.post(URL, data=data)


def contacts(page: str) -> list[dict[str, str]]:
    """Each contact's table as {column heading: cell text}; the template's own tags dropped,
    then unescaped (values themselves hold no raw tags)."""
    found = []
    for table in re.findall(
        r'<table class="contact" id="contact-\d+"[^>]*>(.*?)</table>', page, re.S
    ):
        rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', table, re.S)
        found.append(
            {
                html_lib.unescape(head): html_lib.unescape(re.sub(r"<[^>]*>", "", cell).strip())
                for head, cell in rows
            }
        )
    return found


def values(contact: dict[str, str]) -> list[str]:
    return [contact[heading] for _, heading in checker.COLUMNS]


def warnings(page: str) -> list[str]:
    block = re.search(r'<ul id="warning-list">(.*?)</ul>', page, re.S)
    if not block:
        return []
    return [html_lib.unescape(w) for w in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def textarea(page: str) -> str:
    raw = re.search(r'<textarea id="html"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    return html_lib.unescape(raw.removeprefix("\n"))


def outside_textarea(page: str) -> str:
    return re.sub(r'<textarea id="html"[^>]*>.*?</textarea>', "", page, flags=re.S)


def test_form_page(client):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<label for="html">' in page and '<textarea id="html" name="html"' in page
    assert '<button type="submit" id="check">' in page
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', page)
    assert 'href="#native-format"' in page and 'id="native-format"' in page
    assert "data-schedlink-contact" in page
    assert "<script" not in page  # nothing to run: the CSP forbids inline code anyway
    assert "Content-Security-Policy" in response.headers
    assert textarea(page) == ""


def test_native_example_loads_into_textarea(client):
    page = client.get(URL, query_string={"example": "native"}).get_data(as_text=True)
    assert textarea(page) == checker.NATIVE_EXAMPLE
    response = check(client, textarea(page))
    assert response.status_code == 200
    found = contacts(response.get_data(as_text=True))
    assert len(found) == 1 and values(found[0])[:2] == ["Ada Lovelace", "ada@example.com"]


@pytest.mark.parametrize("source", list(FORMATS))
def test_each_format_detected(client, source):
    markup, expected = FORMATS[source]
    response = check(client, markup)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = contacts(page)
    assert len(found) == 1, page
    cells = values(found[0])
    assert len(found[0]) == len(checker.COLUMNS)
    assert found[0]["Source"] == source
    for value in expected:
        assert value in cells, (value, cells)
    assert "1 contact found" in page
    assert textarea(page) == markup  # echoed back for editing


def test_urlencoded_form_works_too(client):
    markup, _ = FORMATS["schedlink"]
    response = check(client, markup, multipart=False)
    assert response.status_code == 200
    assert contacts(response.get_data(as_text=True))[0]["Name"] == "Ada Lovelace"


def test_several_contacts_in_order_with_all_columns(client):
    markup = (
        '<div hidden data-schedlink-contact data-email="b@example.com" data-name="B"></div>'
        '<div class="vcard"><span class="fn">C</span></div>'
        '<a href="mailto:d@example.com">D</a>'
    )
    page = check(client, markup).get_data(as_text=True)
    found = contacts(page)
    assert [c["Name"] for c in found] == ["B", "C", "D"]
    assert [c["Source"] for c in found] == ["schedlink", "hcard", "mailto"]
    assert found[1]["E-mail"] == "none"  # an absent value is said, not left blank
    for contact in found:  # every field, in the Contact's order, as row headers
        assert list(contact) == [heading for _, heading in checker.COLUMNS]
    assert "3 contacts found" in page
    assert "Contact 2 of 3" in page
    assert 'aria-labelledby="contact-2-title"' in page


def test_warnings_shown(client):
    markup = (
        '<div data-schedlink-contact data-name="Ada" data-email="ada(at)example"'
        ' data-tzid="Mars/Olympus_Mons" data-duration="5000"></div>'
    )
    response = check(client, markup)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = warnings(page)
    assert len(found) == 5, found
    text = "\n".join(found)
    assert 'data-email "ada(at)example" is not a valid e-mail address' in text
    assert 'data-tzid "Mars/Olympus_Mons" is not a known IANA time zone' in text
    assert 'data-duration "5000" must be a whole number of minutes from 1 to 1440' in text
    assert "is visible on the page" in text and "hidden" in text
    assert re.search(r'<div role="status" id="warnings">\s*<p id="result-summary">', page)
    assert "Contact 1 (Ada) has no e-mail address, so no scheduling link" in text
    assert "5 warnings" in page
    # The contact is still shown, without the bad values.
    (contact,) = contacts(page)
    assert contact["Name"] == "Ada" and contact["E-mail"] == "none"
    assert contact["Time zone"] == "none" and contact["Duration (min)"] == "none"


def test_a_contact_without_an_e_mail_address_is_warned_about(client):
    markup = (
        '<div hidden data-schedlink-contact data-name="Ada Lovelace"></div>'
        '<div hidden data-schedlink-contact data-name="Alan &lt;b&gt;" data-email="a@x.example">'
        "</div>"
    )
    page = check(client, markup).get_data(as_text=True)
    assert warnings(page) == [
        "Contact 1 (Ada Lovelace) has no e-mail address, so no scheduling link can be made for"
        " it: add data-email (or email, u-email, a mailto: link) to its markup."
    ]
    assert 'id="contact-1-no-email"' in page and 'id="contact-2-no-email"' not in page
    assert "2 contacts found" in page and "1 warning." in page


def test_no_contact_and_no_warnings(client):
    page = check(client, "<p>Nothing here.</p>").get_data(as_text=True)
    assert "No contact found" in page and "no warnings" in page
    assert contacts(page) == [] and warnings(page) == []


XSS_NAME = "<img src=x onerror=\"document.title='pwned'\">Mallory"
XSS_ORG = '"><svg onload=alert(1)>'


def test_xss_payloads_are_shown_escaped(client):
    attr = html_lib.escape  # as a host app renders values into its own markup
    markup = (
        f'<div hidden data-schedlink-contact data-name="{attr(XSS_NAME)}"'
        f' data-email="mallory@example.net" data-organization="{attr(XSS_ORG)}"'
        f' data-summary="&lt;/textarea&gt;&lt;script&gt;alert(3)&lt;/script&gt;"></div>'
        '<script type="application/ld+json">{"@type": "Person", "name":'
        ' "\\u003cscript>alert(4)\\u003c/script>", "email": "eve@example.net"}</script>'
        "</textarea><script>alert(5)</script><img src=x onerror=alert(6)>"
    )
    response = check(client, markup)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    lowered = page.lower()
    for raw in ("<script", "<img", "<svg"):
        assert raw not in outside_textarea(lowered), raw
    assert "</textarea><script" not in lowered
    assert textarea(page) == markup  # the textarea holds the input, escaped, nothing more
    assert page.count("</textarea>") == 1
    found = contacts(page)
    assert found[0]["Name"] == XSS_NAME and found[0]["Organization"] == XSS_ORG
    assert found[0]["Summary"] == "</textarea><script>alert(3)</script>"
    assert found[1]["Name"] == "<script>alert(4)</script>"
    assert "&lt;img src=x onerror=" in page


def test_over_the_markup_cap_is_413(app, client):
    app.config["MARKUP_MAX_BYTES"] = 1000
    response = check(client, "<p>" + "é" * 600 + "</p>")  # 1207 UTF-8 bytes, 607 characters
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "1,207 bytes" in page and "at most 1,000 bytes" in page
    assert 'role="alert"' in page
    assert textarea(page) == ""  # an oversized paste is not sent back
    assert check(client, "<p>" + "é" * 400 + "</p>").status_code == 200


def test_over_the_request_body_limit_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = check(client, "x" * 20_000)
    assert response.status_code == 413
    assert "larger than this server accepts" in response.get_data(as_text=True)


def test_markup_larger_than_werkzeugs_form_default_is_read(client):
    # Werkzeug refuses multipart text parts over 500 kB by default; the markup cap (2 MB) rules.
    markup, _ = FORMATS["schedlink"]
    big = "<p>" + "filler " * 100_000 + "</p>" + markup
    assert 600_000 < len(big) < 1_000_000
    response = check(client, big)
    assert response.status_code == 200
    assert contacts(response.get_data(as_text=True))[0]["Name"] == "Ada Lovelace"


def test_unreadable_markup_is_a_clear_error(client):
    bomb = "<div " + " ".join(f"a{i}=1" for i in range(300)) + "></div>"
    response = check(client, bomb)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The markup could not be read: an element carries more than 256 attributes." in page
    assert contacts(page) == []


def test_rate_limited_after_the_limit(app, client):
    app.config["RATELIMIT_MARKUP_CHECKER"] = "3/minute"
    csrf = token(client)
    statuses = [check(client, "<p>hi</p>", csrf=csrf).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = check(client, "<p>hi</p>", csrf=csrf)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert client.get(URL).status_code == 200  # the form itself stays available


@pytest.mark.parametrize("csrf", ["", "forged"])
def test_csrf_token_required(client, csrf):
    token(client)  # the session has a token; the form does not send it (or sends another)
    response = check(client, FORMATS["schedlink"][0], csrf=csrf)
    assert response.status_code == 400
    assert "Ada Lovelace" not in response.get_data(as_text=True)


def test_csrf_token_required_without_session(client):
    response = client.post(URL, data={"html": "<p>x</p>"}, content_type="multipart/form-data")
    assert response.status_code == 400
