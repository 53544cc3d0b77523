"""Pre-filled booking answers (`data-answers-*`, docs/markup.md §1): what the parser keeps
and warns about, how a key finds its question, and the booking page showing them filled in
(a link made from markup and one made with `contact.answers`, both databases)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from helpers import create_link, path_of

from backend.markup import parse_contacts
from backend.scheduling.prefill import prefill, slug


def native(**answers) -> str:
    attrs = "".join(f' data-answers-{k}="{v}"' for k, v in answers.items())
    return f'<div hidden data-schedlink-contact data-email="ada@example.com"{attrs}></div>'


def read(html: str):
    result = parse_contacts(html)
    return result.contacts[0].to_dict().get("answers"), result.warnings


POSITIVE = [
    ("one answer", native(company="Acme Ltd"), {"company": "Acme Ltd"}),
    ("by question id", native(q2="Senior"), {"q2": "Senior"}),
    ("a slug with hyphens and digits", native(**{"linkedin-profile-2": "x"}),
     {"linkedin-profile-2": "x"}),
    ("upper case names are lower-cased by HTML",
     '<div hidden data-schedlink-contact data-email="a@example.com" DATA-ANSWERS-Company="Acme">'
     "</div>", {"company": "Acme"}),
    ("values cleaned: whitespace, entities decoded once",
     native(company="  Acme &amp;\n Co  "), {"company": "Acme & Co"}),
    ("markup in a value is text", native(company="&lt;b&gt;Acme&lt;/b&gt;"),
     {"company": "<b>Acme</b>"}),
    ("2000 characters is the limit", native(note="x" * 2000), {"note": "x" * 2000}),
    ("from the native element when merged with an h-card",
     native(company="Acme") + '<div class="h-card"><span class="p-name">Ada</span>'
     '<a class="u-email" href="mailto:ada@example.com">e</a></div>', {"company": "Acme"}),
]  # fmt: skip


@pytest.mark.parametrize(("what", "html", "expected"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_answers_read(what, html, expected):
    answers, warnings = read(html)
    assert answers == expected
    assert warnings == []


NEGATIVE = [
    ("no key", '<div hidden data-schedlink-contact data-email="a@example.com" data-answers-="x">'
     "</div>", "is not an answer key"),
    ("underscore in the key", native(bad_key="x"), "is not an answer key"),
    ("a trailing hyphen", native(**{"company-": "x"}), "is not an answer key"),
    ("65 characters of key", native(**{"k" * 65: "x"}), "is not an answer key"),
    ("over 2000 characters", native(note="x" * 2001), "longer than 2000 characters"),
    ("21 answers", native(**{f"k{i}": "v" for i in range(21)}), "more than 20 data-answers-*"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "html", "warning"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_answers_refused_with_a_warning(what, html, warning):
    answers, warnings = read(html)
    assert any(warning in w and "schedlink contact #1" in w for w in warnings), warnings
    assert not answers or len(answers) == 20


def test_no_answers_key_without_answers_and_never_from_other_formats():
    assert "answers" not in parse_contacts(native()).contacts[0].to_dict()
    assert "answers" not in parse_contacts(native(empty="")).contacts[0].to_dict()
    card = '<div class="h-card" data-answers-company="Acme"><span class="p-name">Ada</span></div>'
    assert "answers" not in parse_contacts(card).contacts[0].to_dict()


QUESTIONS = [
    {"id": "q1", "label": "Company", "type": "text", "required": True},
    {"id": "q2", "label": "What would you like to discuss?", "type": "textarea", "required": False},
    {"id": "q3", "label": "Seniority", "type": "choice", "choices": ["Junior", "Senior"],
     "required": True},
    {"id": "q4", "label": "Topics", "type": "choices", "choices": ["Pay", "Team, culture",
     "Remote"], "required": False},
    {"id": "q5", "label": "Mobile", "type": "phone", "required": False},
    {"id": "q6", "label": "I agree to be recorded", "type": "checkbox", "required": False},
    {"id": "q7", "label": "Société", "type": "text", "required": False},
]  # fmt: skip

PREFILL = [
    ("by label slug", {"company": "Acme"}, {"q1": "Acme"}),
    ("by id", {"q1": "Acme"}, {"q1": "Acme"}),
    ("the id wins over the label", {"q1": "By id", "company": "By label"}, {"q1": "By id"}),
    ("a long label", {"what-would-you-like-to-discuss": "Pay"}, {"q2": "Pay"}),
    ("accents dropped", {"societe": "SNCF"}, {"q7": "SNCF"}),
    ("a choice, letter case ignored", {"seniority": "senior"}, {"q3": "Senior"}),
    ("several choices by commas", {"topics": "remote, pay"}, {"q4": ["Pay", "Remote"]}),
    ("a choice holding a comma, alone", {"topics": "team, culture"}, {"q4": ["Team, culture"]}),
    ("a phone as text", {"mobile": "+44 20 7946 0958"}, {"q5": "+44 20 7946 0958"}),
    ("a ticked checkbox", {"i-agree-to-be-recorded": "Yes"}, {"q6": True}),
]
UNUSED = [
    ("an unknown key", {"favourite-colour": "blue"}),
    ("a choice not offered", {"seniority": "Principal"}),
    ("no choice offered among several", {"topics": "Travel, Lunch"}),
    ("a checkbox not ticked", {"q6": "no"}),
    ("nothing to fill", {}),
]


@pytest.mark.parametrize(("what", "answers", "expected"), PREFILL, ids=[p[0] for p in PREFILL])
def test_prefill_matches_questions(what, answers, expected):
    assert prefill(QUESTIONS, answers) == expected


@pytest.mark.parametrize(("what", "answers"), UNUSED, ids=[u[0] for u in UNUSED])
def test_prefill_leaves_unmatched_values_out(what, answers):
    assert prefill(QUESTIONS, answers) == {}
    assert prefill(None, {"company": "Acme"}) == {}


def test_slug():
    assert slug("LinkedIn profile") == "linkedin-profile"
    assert slug("  What's up?  ") == "what-s-up"
    assert slug("日本") == ""


PAGE_QUESTIONS = [
    {"label": "Company", "type": "text", "required": True},
    {"label": "Seniority", "type": "choice", "choices": ["Junior", "Senior"]},
    {"label": "Topics", "type": "choices", "choices": ["Pay", "Team", "Remote"]},
    {"label": "I agree to be recorded", "type": "checkbox"},
]


def _filled(html: str) -> dict:
    """What the booking form starts with: text values, checked choices and checkboxes."""
    texts = dict(re.findall(r'<input id="(answer-q\d+)" name="[^"]+" value="([^"]*)"', html))
    checked = re.findall(r'name="(answer-q\d+)" value="([^"]*)" checked', html)
    return {
        "texts": {k: unescape(v) for k, v in texts.items()},
        "checked": sorted((n, unescape(v)) for n, v in checked),
    }


def test_booking_page_shows_markup_answers_filled_in(client, host):
    markup = (
        '<div hidden data-schedlink-contact data-name="Ada" data-email="ada@example.com"'
        ' data-answers-company="Acme &lt;Ltd&gt; &quot;x&quot;" data-answers-seniority="senior"'
        ' data-answers-topics="Pay, Remote" data-answers-i-agree-to-be-recorded="yes"'
        ' data-answers-unused="nothing"></div>'
    )
    response = client.post(
        "/v1/scheduling_links",
        json={"markup": markup, "questions": PAGE_QUESTIONS},
        headers=host.headers,
    )
    link = response.get_json()["scheduling_link"]
    assert link["contact"]["answers"]["company"] == 'Acme <Ltd> "x"'
    html = client.get(path_of(link["url"])).get_data(as_text=True)
    assert "<Ltd>" not in html, "escaped in the page"
    filled = _filled(html)
    assert filled["texts"]["answer-q1"] == 'Acme <Ltd> "x"'
    assert filled["checked"] == [
        ("answer-q2", "Senior"), ("answer-q3", "Pay"), ("answer-q3", "Remote"),
        ("answer-q4", "on"),
    ]  # fmt: skip


def test_contact_answers_through_the_api_and_their_422s(client, host):
    link = create_link(
        client, host, questions=PAGE_QUESTIONS,
        contact={"email": "ada@example.com", "answers": {"q1": "Acme"}},
    )  # fmt: skip
    assert link["contact"]["answers"] == {"q1": "Acme"}
    html = client.get(path_of(link["url"])).get_data(as_text=True)
    assert _filled(html)["texts"]["answer-q1"] == "Acme"
    for bad in ({"Bad": "x"}, {"k": 3}, {"k": ""}, ["x"], {f"k{i}": "v" for i in range(21)}):
        response = client.post(
            "/v1/scheduling_links",
            json={"contact": {"email": "ada@example.com", "answers": bad}},
            headers=host.headers,
        )
        assert response.status_code == 422, bad
        assert "contact.answers" in response.get_json()["errors"]
