"""Properties that hold for any input (Hypothesis), through the public function."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.markup.contacts import (
    KNOWN_SOURCES,
    MAX_CONTACTS,
    MarkupError,
    MarkupTooLarge,
    ParseResult,
    is_valid_email,
    normalize_email,
    parse_contacts,
)
from backend.markup.values import canonical_tzid

KEYS = [
    "name", "email", "organization", "title", "phone",
    "tzid", "reference", "summary", "duration_minutes", "source",
]  # fmt: skip
LIMITS = {"name": 200, "organization": 200, "title": 200, "summary": 300, "reference": 200}

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Markup built from the pieces the formats care about, so examples reach the readers.
values = st.one_of(
    st.sampled_from(
        [
            "ada@example.com", "ADA@Example.com", "mailto:bob@example.org", "x@y", "",
            "Europe/London", "45", "0", "<script>alert(1)</script>", "&amp;lt;", "a,b@c.io",
            "Ada Lovelace", "Person", "https://schema.org/Person", "\u202eevil", "\x00",
        ]
    ),
    st.text(max_size=30),
)  # fmt: skip
attr_names = st.sampled_from(
    [
        "data-schedlink-contact", "data-name", "data-email", "data-tzid", "data-duration",
        "data-phone", "data-summary", "data-reference", "data-organization", "data-title",
        "hidden", "class", "itemscope", "itemtype", "itemprop", "href", "type", "style",
        "aria-hidden",
    ]
)  # fmt: skip
classes = st.sampled_from(
    [
        "h-card", "vcard", "p-name", "u-email", "p-org", "p-job-title", "p-tel", "fn",
        "email", "org", "title", "tel", "value", "h-entry", "p-author h-card", "h-full",
        "organization-name", "p-name p-org", "fn org",
    ]
)  # fmt: skip


@st.composite
def attribute(draw) -> str:
    name = draw(attr_names)
    if name == "class":
        value = draw(classes)
    elif name == "href":
        value = "mailto:" + draw(values)
    elif name == "itemtype":
        value = draw(st.sampled_from(["https://schema.org/Person", "http://schema.org/Thing"]))
    elif name == "itemprop":
        value = draw(st.sampled_from(["name", "email", "worksFor", "jobTitle", "telephone"]))
    elif name == "type":
        value = "application/ld+json"
    else:
        value = draw(values)
    return f'{name}="{value.replace(chr(34), "&quot;")}"'


@st.composite
def markup(draw) -> str:
    parts = []

    def v() -> str:
        return draw(values).replace('"', "&quot;").replace("<", "&lt;")

    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            parts.append(draw(values).replace("<", "&lt;"))
        elif kind == 1:
            tag = draw(st.sampled_from(["div", "span", "a", "p", "b", "script", "template"]))
            attrs = " ".join(draw(st.lists(attribute(), max_size=5)))
            parts.append(f"<{tag} {attrs}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["</div>", "</span>", "</a>", "</script>"])))
        elif kind == 3:
            name = draw(values).replace('"', "").replace("\\", "")
            email = draw(values).replace('"', "").replace("\\", "")
            parts.append(
                '<script type="application/ld+json">{"@type": "Person", '
                f'"name": "{name}", "email": "{email}"}}</script>'
            )
        elif kind == 4:
            parts.append("<div>" * draw(st.integers(0, 300)))
        elif kind == 5:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&", "<"])))
        elif kind == 6:
            parts.append(
                f'<div data-schedlink-contact data-email="{v()}" data-name="{v()}"'
                f' data-tzid="{v()}" data-duration="{v()}" data-summary="{v()}">'
            )
        elif kind == 7:
            root = draw(st.sampled_from(["h-card", "vcard", "h-card vcard"]))
            parts.append(
                f'<div class="{root}"><span class="p-name fn">{v()}</span>'
                f'<a class="u-email email" href="mailto:{v()}">{v()}</a>'
                f'<span class="{draw(classes)}">{v()}</span>'
            )
        elif kind == 8:
            parts.append(f'<a href="mailto:{v()}">{v()}</a>')
        else:
            parts.append(
                '<div itemscope itemtype="https://schema.org/Person">'
                f'<span itemprop="name">{v()}</span><a itemprop="email" href="mailto:{v()}">x</a>'
            )
    return "".join(parts)


def check(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert len(result.contacts) <= MAX_CONTACTS
    assert all(isinstance(w, str) and w for w in result.warnings)
    seen = set()
    for contact in result.contacts:
        data = contact.to_dict()
        assert list(data) == KEYS
        assert data["source"] in KNOWN_SOURCES
        assert data["email"] or data["name"]
        if data["email"] is not None:
            assert is_valid_email(data["email"])
            assert normalize_email(data["email"]) == data["email"]
            assert data["email"] not in seen  # one contact per address
            seen.add(data["email"])
        for key, limit in LIMITS.items():
            value = data[key]
            if value is not None:
                assert isinstance(value, str) and 0 < len(value) <= limit
                assert value == " ".join(value.split())  # collapsed, trimmed
                assert all(unicodedata.category(ch) not in ("Cc", "Cs") for ch in value)
                value.encode("utf-8")  # always JSON/UTF-8 safe
        if data["tzid"] is not None:
            assert canonical_tzid(data["tzid"]) == data["tzid"]
        if data["duration_minutes"] is not None:
            assert 1 <= data["duration_minutes"] <= 1440


def parse_or_error(html, **kwargs) -> ParseResult | None:
    try:
        return parse_contacts(html, **kwargs)
    except MarkupError:
        return None


@SETTINGS
@given(st.text(max_size=2000))
def test_any_text(html):
    result = parse_or_error(html)
    if result is not None:
        check(result)


@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes(html):
    result = parse_or_error(html)
    if result is not None:
        check(result)


@SETTINGS
@given(markup())
def test_generated_markup(html):
    result = parse_or_error(html)
    if result is not None:
        check(result)


@SETTINGS
@given(markup())
def test_text_and_its_utf8_bytes_agree(html):
    if "\ufeff" in html[:1] or any(0xD800 <= ord(ch) <= 0xDFFF for ch in html):
        return  # a BOM or a lone surrogate makes the bytes a different document
    assert parse_or_error(html) == parse_or_error(html.encode())


@SETTINGS
@given(markup(), st.integers(0, 5000))
def test_max_bytes_only_decides_what_is_too_large(html, max_bytes):
    if len(html.encode()) > max_bytes:
        with pytest.raises(MarkupTooLarge):
            parse_contacts(html, max_bytes=max_bytes)
    else:
        assert parse_or_error(html, max_bytes=max_bytes) == parse_or_error(html)


@SETTINGS
@given(st.text(max_size=300))
def test_normalize_email_is_idempotent_and_valid(raw):
    normalized = normalize_email(raw)
    if normalized is not None:
        assert is_valid_email(normalized)
        assert normalize_email(normalized) == normalized
