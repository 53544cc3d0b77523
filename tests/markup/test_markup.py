"""The markup parser's public interface: the native format, value rules and the merge rules.

Everything goes through parse_contacts (or the exported e-mail helpers), as the API does.
"""

from __future__ import annotations

import pytest

from backend.markup.contacts import (
    DEFAULT_MAX_BYTES,
    KNOWN_SOURCES,
    MAX_CONTACTS,
    Contact,
    MarkupError,
    MarkupTooLarge,
    MarkupUnreadable,
    ParseResult,
    is_valid_email,
    normalize_email,
    parse_contacts,
)

KEYS = [
    "name", "email", "organization", "title", "phone",
    "tzid", "reference", "summary", "duration_minutes", "source",
]  # fmt: skip

ADA = (
    '<div hidden data-schedlink-contact data-name="Ada Lovelace" data-email="ada@example.com"'
    ' data-organization="Analytical Engines Ltd" data-title="Engineer"'
    ' data-phone="+44 20 7946 0000" data-tzid="Europe/London" data-reference="candidate-4711"'
    ' data-summary="Interview: Senior Engineer" data-duration="45"></div>'
)


def native(hidden: bool = True, **attrs: str) -> str:
    parts = " ".join(f'data-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f"<div {'hidden ' if hidden else ''}data-schedlink-contact {parts}></div>"


def only(html: str | bytes) -> dict:
    result = parse_contacts(html)
    assert len(result.contacts) == 1, result
    return result.contacts[0].to_dict()


def warnings_of(html: str | bytes) -> list[str]:
    return parse_contacts(html).warnings


# --- the public interface ------------------------------------------------------------------


def test_design_example_reads_every_field():
    result = parse_contacts(ADA)
    assert isinstance(result, ParseResult)
    assert result.warnings == []
    assert [c.to_dict() for c in result.contacts] == [
        {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "organization": "Analytical Engines Ltd",
            "title": "Engineer",
            "phone": "+44 20 7946 0000",
            "tzid": "Europe/London",
            "reference": "candidate-4711",
            "summary": "Interview: Senior Engineer",
            "duration_minutes": 45,
            "source": "schedlink",
        }
    ]


def test_to_dict_has_exactly_the_ten_keys_in_order_with_absent_values_null():
    contact = only(native(email="x@example.com"))
    assert list(contact) == KEYS
    assert contact == dict.fromkeys(KEYS) | {"email": "x@example.com", "source": "schedlink"}


def test_contact_is_frozen_and_the_exceptions_form_one_family():
    contact = parse_contacts(ADA).contacts[0]
    assert isinstance(contact, Contact)
    with pytest.raises(AttributeError):
        contact.name = "Mallory"  # type: ignore[misc]
    assert issubclass(MarkupTooLarge, MarkupError)
    assert issubclass(MarkupUnreadable, MarkupError)
    assert KNOWN_SOURCES == ("schedlink", "json-ld", "microdata", "h-card", "hcard", "mailto")
    assert DEFAULT_MAX_BYTES == 1_048_576  # 1 MiB: whole pages over it are 413


def test_str_and_bytes_give_the_same_answer():
    assert parse_contacts(ADA) == parse_contacts(ADA.encode())


@pytest.mark.parametrize("html", ["", "   ", "<p>Nobody here</p>", b"", "<!-- just a comment -->"])
def test_no_contacts_is_an_empty_result_not_an_error(html):
    assert parse_contacts(html) == ParseResult([], [])


def test_url_is_accepted_and_changes_nothing():
    assert parse_contacts(ADA, "https://ats.example/c/4711") == parse_contacts(ADA)


@pytest.mark.parametrize("html", [None, 42, ["<p>"], {"html": ADA}])
def test_a_non_string_is_unreadable_not_a_type_error(html):
    with pytest.raises(MarkupUnreadable):
        parse_contacts(html)


# --- the native format ---------------------------------------------------------------------


def test_attribute_names_are_case_insensitive_like_html():
    assert only('<div HIDDEN DATA-SCHEDLINK-CONTACT DATA-EMAIL="a@example.com">')["email"] == (
        "a@example.com"
    )


def test_the_marker_value_does_not_matter():
    html = '<div hidden data-schedlink-contact="v1" data-name="Ada"></div>'
    assert only(html)["name"] == "Ada"


@pytest.mark.parametrize(
    "wrapper",
    [
        '<div hidden data-schedlink-contact data-name="A"></div>',
        '<div aria-hidden="true" data-schedlink-contact data-name="A"></div>',
        '<div style="color: red; DISPLAY : none" data-schedlink-contact data-name="A"></div>',
        '<section hidden><p><span data-schedlink-contact data-name="A"></span></p></section>',
        '<input type="hidden" data-schedlink-contact data-name="A">',
        '<html><head><meta data-schedlink-contact data-name="A"></head></html>',
        '<template><div data-schedlink-contact data-name="A"></div></template>',
    ],
)
def test_hidden_native_elements_get_no_visibility_warning(wrapper):
    result = parse_contacts(wrapper)
    assert [c.name for c in result.contacts] == ["A"]
    assert result.warnings == []


@pytest.mark.parametrize(
    "html",
    [
        '<div data-schedlink-contact data-name="A"></div>',
        '<div aria-hidden="false" data-schedlink-contact data-name="A"></div>',
        '<div style="visibility: visible" data-schedlink-contact data-name="A"></div>',
    ],
)
def test_a_visible_native_element_is_still_read_but_flagged(html):
    result = parse_contacts(html)
    assert [c.name for c in result.contacts] == ["A"]
    assert len(result.warnings) == 1
    assert "is visible on the page" in result.warnings[0]
    assert "schedlink contact #1 (line 1)" in result.warnings[0]


def test_warnings_name_the_element_by_number_and_line():
    html = "<p>intro</p>\n" + native(name="A") + "\n\n" + native(name="B", duration="0")
    assert warnings_of(html) == [
        'schedlink contact #2 (line 4): data-duration "0" must be a whole number of minutes'
        " from 1 to 1440; ignored."
    ]


def test_a_native_element_with_neither_email_nor_name_is_dropped_with_a_warning():
    result = parse_contacts(native(organization="Acme", email="nope"))
    assert result.contacts == []
    assert result.warnings == [
        'schedlink contact #1 (line 1): data-email "nope" is not a valid e-mail address; ignored.',
        "schedlink contact #1 (line 1) has neither a valid e-mail address nor a name; ignored.",
    ]


# --- values ---------------------------------------------------------------------------------


def test_whitespace_is_collapsed_and_trimmed():
    html = native(name="  Ada \n\t  Lovelace ", organization="&#10;Analytical&nbsp; Engines ")
    contact = only(html)
    assert contact["name"] == "Ada Lovelace"
    assert contact["organization"] == "Analytical Engines"


def test_control_zero_width_and_bidi_override_characters_are_removed():
    html = native(name="A\u0007d\u200ba\u202e\u2066 L\u00adovelace\u0000")
    # NUL becomes U+FFFD in the parser (as in browsers); the soft hyphen is a visible choice.
    assert only(html)["name"] == "Ada L\u00adovelace\ufffd"


def test_names_with_markup_come_back_as_the_same_plain_text():
    for name in ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "javascript:alert(1)"]:
        escaped = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        assert only(native(name=escaped))["name"] == name


def test_entities_are_decoded_exactly_once():
    assert only(native(name="&amp;lt;b&amp;gt;Tom &amp;amp; Jerry"))["name"] == (
        "&lt;b&gt;Tom &amp; Jerry"
    )


@pytest.mark.parametrize(
    ("field", "limit"), [("name", 200), ("organization", 200), ("title", 200), ("summary", 300)]
)
def test_long_text_is_shortened_with_a_warning(field, limit):
    result = parse_contacts(native(email="a@example.com", **{field: "x" * (limit + 50)}))
    assert getattr(result.contacts[0], field) == "x" * limit
    assert result.warnings == [
        f"schedlink contact #1 (line 1): data-{field} is longer than {limit} characters; shortened."
    ]


@pytest.mark.parametrize(("field", "limit"), [("reference", 200), ("phone", 64)])
def test_long_reference_or_phone_is_dropped_not_cut(field, limit):
    result = parse_contacts(native(email="a@example.com", **{field: "1" * (limit + 1)}))
    assert getattr(result.contacts[0], field) is None
    assert result.warnings == [
        f"schedlink contact #1 (line 1): data-{field} is longer than {limit} characters; ignored."
    ]
    assert getattr(only(native(email="a@example.com", **{field: "1" * limit})), "get")(field)


def test_a_phone_without_digits_is_ignored():
    result = parse_contacts(native(name="A", phone="call me"))
    assert result.contacts[0].phone is None
    assert result.warnings == [
        'schedlink contact #1 (line 1): data-phone "call me" has no digits; ignored.'
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("45", 45), (" 30 ", 30), ("1", 1), ("1440", 1440), ("045", 45)],
)
def test_duration_in_whole_minutes(value, expected):
    assert only(native(name="A", duration=value))["duration_minutes"] == expected


@pytest.mark.parametrize(
    "value", ["0", "1441", "-5", "+5", "4.5", "45m", "PT45M", "4_5", "\u0664\u0665", "99999999"]
)
def test_bad_durations_are_null_with_a_warning(value):
    result = parse_contacts(native(name="A", duration=value))
    assert result.contacts[0].duration_minutes is None
    assert len(result.warnings) == 1
    assert "must be a whole number of minutes from 1 to 1440" in result.warnings[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Europe/London", "Europe/London"),
        ("america/new_york", "America/New_York"),
        ("UTC", "UTC"),
        ("Etc/GMT+5", "Etc/GMT+5"),
    ],
)
def test_tzid_must_be_an_iana_zone_and_comes_back_canonical(value, expected):
    assert only(native(name="A", tzid=value))["tzid"] == expected


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "GMT+2", "+02:00", "Europe/London/x", ".."])
def test_unknown_tzid_is_null_with_a_warning(value):
    result = parse_contacts(native(name="A", tzid=value))
    assert result.contacts[0].tzid is None
    assert result.warnings == [
        f'schedlink contact #1 (line 1): data-tzid "{value}" is not a known IANA time zone;'
        " ignored."
    ]


def test_bad_values_are_named_safely_in_warnings():
    # Shortened, quoted, invisible characters escaped (bidi overrides are already gone).
    bad = "x\u00ad\u202e" + "y" * 100
    result = parse_contacts(native(name="A", email=bad))
    (warning,) = result.warnings
    assert 'data-email "x\\u00ad' + "y" * 58 + '…" is not' in warning
    assert "\u202e" not in warning and "\u00ad" not in warning


# --- e-mail addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"),
        ("mailto:ada@example.com", "ada@example.com"),
        ("MAILTO: ada@example.com", "ada@example.com"),
        ("o'brien+tag@sub.example.co.uk", "o'brien+tag@sub.example.co.uk"),
        ("ada@b\u00fccher.example", "ada@b\u00fccher.example"),
        ("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example"),
        ("a\u200b@example.com", "a@example.com"),
        ("ada@example.com\n", "ada@example.com"),
        ("ada@exam\ud800ple.com", "ada@example.com"),  # a lone surrogate is dropped
    ],
)
def test_normalize_email(raw, normalized):
    assert normalize_email(raw) == normalized
    assert is_valid_email(normalized)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        42,
        "",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
        "a@b@example.com",
        "ada@example.c",
        "ada@example.123",
        "ada@-example.com",
        "ada@example-.com",
        "ada@exa_mple.com",
        "ada@example..com",
        "ada@.example.com",
        "ada@example.com.",
        ".ada@example.com",
        "ada.@example.com",
        "a..da@example.com",
        '"ada"@example.com',
        "ada lovelace@example.com",
        "ada@[127.0.0.1]",
        "ad\u00e4@example.com",
        "ada@example.com,bob@example.com",
        "<ada@example.com>",
        "a" * 65 + "@example.com",
        "a@" + "b" * 64 + ".com",
        "a@" + ("b" * 60 + ".") * 5 + "com",
    ],
)
def test_invalid_addresses(raw):
    assert normalize_email(raw) is None
    assert not is_valid_email(raw)


def test_is_valid_email_checks_the_string_as_given():
    assert is_valid_email("Ada@Example.com")  # case is fine
    for raw in [" ada@example.com", "ada@example.com\n", "mailto:ada@example.com", "a\u200b@x.io"]:
        assert not is_valid_email(raw)  # but nothing is trimmed or cleaned
        assert is_valid_email(normalize_email(raw))


# --- merging ----------------------------------------------------------------------------------


def test_same_email_in_several_formats_is_one_contact_most_trusted_field_wins():
    html = (
        '<a href="mailto:ADA@example.com">Countess of Lovelace</a>'
        '<div class="h-card"><span class="p-name">A. Lovelace</span>'
        '<a class="u-email" href="mailto:ada@example.com">mail</a>'
        '<span class="p-job-title">Mathematician</span><span class="p-tel">+44 1</span></div>'
        '<script type="application/ld+json">{"@type": "Person", "name": "Augusta Ada King",'
        ' "email": "Ada@Example.com", "worksFor": {"name": "Engines Ltd"}}</script>'
        + native(email="ada@example.com", reference="c-1")
    )
    assert parse_contacts(html).contacts == [
        Contact(
            name="Augusta Ada King",  # json-ld beats h-card and mailto
            email="ada@example.com",
            organization="Engines Ltd",
            title="Mathematician",  # only the h-card has it
            phone="+44 1",
            tzid=None,
            reference="c-1",
            summary=None,
            duration_minutes=None,
            source="schedlink",  # the most trusted source that contributed
        )
    ]


def test_source_is_the_most_trusted_contributor_even_if_it_only_gave_the_address():
    html = '<a href="mailto:b@example.com">Bob Builder</a>' + native(email="b@example.com")
    assert only(html) | {} == dict.fromkeys(KEYS) | {
        "name": "Bob Builder",
        "email": "b@example.com",
        "source": "schedlink",
    }


def test_two_records_of_one_format_merge_in_document_order():
    html = native(email="a@example.com", name="First") + native(email="A@example.com", name="2nd")
    assert only(html)["name"] == "First"


def test_contacts_without_email_stay_distinct_and_need_a_name():
    html = (
        '<div class="h-card"><span class="p-name">Ada</span></div>'
        '<div class="h-card"><span class="p-name">Ada</span></div>'
        '<div itemscope itemtype="https://schema.org/Person"><span itemprop="jobTitle">CEO</span>'
        "</div>"
    )
    result = parse_contacts(html)
    assert [(c.name, c.email, c.source) for c in result.contacts] == [
        ("Ada", None, "h-card"),
        ("Ada", None, "h-card"),
    ]
    assert result.warnings == [
        "microdata Person #1 (line 1) has neither a valid e-mail address nor a name; ignored."
    ]


def test_order_native_first_then_structured_in_document_order_then_mailto_only():
    html = (
        '<a href="mailto:m1@example.com">Mail One</a>'
        '<div class="vcard"><span class="fn">Classic</span></div>'
        '<div itemscope itemtype="http://schema.org/Person"><span itemprop="name">Micro</span>'
        "</div>"
        '<script type="application/ld+json">{"@type": "Person", "name": "Jason"}</script>'
        + native(name="Native")
        + '<a href="mailto:m2@example.com">Mail Two</a>'
    )
    names = [c.name for c in parse_contacts(html).contacts]
    assert names == ["Native", "Classic", "Micro", "Jason", "Mail One", "Mail Two"]


def test_a_mailto_link_already_covered_by_a_contact_is_not_a_separate_contact():
    html = (
        '<div class="vcard"><span class="fn">Roy</span>'
        '<a class="email" href="mailto:roy@example.com">roy@example.com</a></div>'
        '<p>Or write to <a href="mailto:roy@example.com?subject=hi">me</a></p>'
    )
    assert [(c.name, c.email) for c in parse_contacts(html).contacts] == [
        ("Roy", "roy@example.com")
    ]


def test_a_plain_mailto_link_inside_a_card_supplies_its_missing_address():
    html = (
        '<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Moss</span>'
        '<a href="mailto:moss@example.com">write</a></div>'
    )
    assert only(html) | {} == dict.fromkeys(KEYS) | {
        "name": "Moss",
        "email": "moss@example.com",
        "source": "microdata",
    }


def test_a_mailto_link_inside_an_organization_card_is_not_a_person():
    html = (
        '<div class="h-card"><span class="p-name p-org">Acme</span>'
        '<a class="u-email" href="mailto:info@acme.example">info@acme.example</a></div>'
        '<div itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Acme'
        '</span><a href="mailto:sales@acme.example">Sales</a></div>'
    )
    assert parse_contacts(html) == ParseResult([], [])


def test_contact_count_is_capped_with_a_warning():
    html = "".join(native(email=f"p{i}@example.com") for i in range(MAX_CONTACTS + 5))
    result = parse_contacts(html)
    assert [c.email for c in result.contacts] == [f"p{i}@example.com" for i in range(MAX_CONTACTS)]
    assert result.warnings == [
        f"The markup holds {MAX_CONTACTS + 5} contacts; only the first {MAX_CONTACTS} are returned."
    ]


def test_warnings_are_capped_too():
    html = "".join(
        native(name=f"N{i}", tzid="Nowhere/City", duration="0", email=f"bad{i}") for i in range(40)
    )
    warnings = parse_contacts(html).warnings
    assert len(warnings) == 101
    assert warnings[-1] == "20 more warnings were left out."


# --- module hygiene ---------------------------------------------------------------------------


def test_parsing_from_many_threads_at_once_gives_the_sequential_answers():
    from concurrent.futures import ThreadPoolExecutor

    pages = [native(email=f"t{i}@example.com", name=f"T{i}") * (i % 3 + 1) for i in range(40)]
    pages += ["<div>" * 300 + p for p in pages[:10]]  # the slow path too
    expected = [parse_contacts(p) for p in pages]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(parse_contacts, pages * 3)) == expected * 3


def test_the_parser_modules_do_not_import_flask():
    import ast
    from pathlib import Path

    backend = Path(__file__).resolve().parents[2] / "backend"
    modules = sorted(backend.glob("markup/*.py"))
    assert len(modules) >= 2
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("flask", "werkzeug") for n in names), path
