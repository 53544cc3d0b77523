"""Each format, positive and negative, plus realistic host-app pages (tests/markup/fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.markup import parse_contacts

FIXTURES = Path(__file__).parent / "fixtures"


def contacts(html: str | bytes) -> list[dict]:
    """The contacts, each without its null fields (tables below stay readable)."""
    return [
        {k: v for k, v in c.to_dict().items() if v is not None}
        for c in parse_contacts(html).contacts
    ]


def person(source: str, **fields) -> dict:
    return {**fields, "source": source}


# --- realistic pages -------------------------------------------------------------------------

PAGES = {
    "ats_candidate.html": (
        [
            person(
                "schedlink",
                name="Ada Lovelace",
                email="ada.lovelace@example.com",
                organization="Analytical Engines Ltd",
                title="Engineer",
                phone="+44 20 7946 0000",
                tzid="Europe/London",
                reference="candidate-4711",
                summary="Interview: Senior Engineer",
                duration_minutes=45,
            ),
            # The footer link is a contact too, but only as a last resort: it comes last.
            person("mailto", name="Hireflow support", email="support@hireflow.example"),
        ],
        [],
    ),
    "crm_contact.html": (
        [
            # JSON-LD and microdata describe the same address: JSON-LD wins field by field,
            # the phone only microdata has fills in. The Organization item's info@ link and
            # the Product item are not people.
            person(
                "json-ld",
                name="Rear Admiral Grace M. Hopper",
                email="grace.hopper@navy.example",
                organization="US Navy",
                title="Director, Programming Languages",
                phone="+1-202-555-0147",
            ),
        ],
        [],
    ),
    "support_ticket.html": (
        [
            person(
                "schedlink",
                name="Linus Torvalds",  # from the h-card: the native element has no name
                email="linus@kernel.example",
                organization="Linux Foundation",
                tzid="America/Los_Angeles",
                reference="ticket-8812",
                summary="Call about ticket #8812",
                duration_minutes=30,
            ),
            person(
                "hcard",
                name="Roy Trenneman",
                email="roy@reynholm.example",
                organization="Reynholm Industries",
                title="Support Engineer",
            ),
        ],
        [
            "schedlink contact #1 (line 14) is visible on the page; host apps usually hide it"
            ' (hidden, aria-hidden="true" or style="display:none").'
        ],
    ),
    "blog_post.html": (
        [
            # Two author nodes share @id "#charles": one person.
            person(
                "json-ld",
                name="Charles Babbage",
                email="charles@engines-weekly.example",
                title="Inventor",
                phone="+44 20 7946 0001",
            ),
            person(
                "json-ld",
                name="Ada Lovelace",
                email="ada@engines-weekly.example",
                organization="Engines Weekly",
            ),
            person("mailto", name="editors", email="editors@engines-weekly.example"),
        ],
        [],
    ),
    "hcard_profile.html": (
        [
            person(
                "h-card",
                name="Tim Berners-Lee",
                email="timbl@w3.example",
                organization="World Wide Web Consortium",
                title="Director",
                phone="+1-617-555-0100",
            ),
            person("h-card", name="Dan Connolly"),  # p-author h-card: implied name, no e-mail
        ],
        [],
    ),
    "classic_hcard.html": (  # served as ISO-8859-1
        [
            person(
                "hcard",
                name="Bj\u00f6rk Gu\u00f0mundsd\u00f3ttir",
                email="bjork@sugarcubes.example",
                organization="Sugarcubes Records",
                title="Head of Sound",
                phone="+354 555 0100",
            ),
            person(
                "hcard", name="Sigur R\u00f3s", email="sigur@sugarcubes.example", title="Producer"
            ),
        ],
        [],
    ),
    "mailto_only.html": (
        [
            person("mailto", name="Jane Doe", email="sales@shop.example"),
            person("mailto", name="Press office", email="press@shop.example"),
            person("mailto", email="ann@shop.example"),  # one text, two addresses: no name
            person("mailto", email="bob@shop.example"),
            person("mailto", name="Carol Example", email="carol@shop.example"),
        ],
        [],
    ),
    "no_contacts.html": (
        [],
        ["hCard #1 (line 16) has neither a valid e-mail address nor a name; ignored."],
    ),
}


def test_every_fixture_has_expectations():
    assert sorted(p.name for p in FIXTURES.glob("*.html")) == sorted(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fixture_pages(name):
    expected_contacts, expected_warnings = PAGES[name]
    result = parse_contacts((FIXTURES / name).read_bytes())
    assert [
        {k: v for k, v in c.to_dict().items() if v is not None} for c in result.contacts
    ] == expected_contacts
    assert result.warnings == expected_warnings


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fixture_pages_as_decoded_text(name):
    # What the API receives: the page as a JSON string. Same answer.
    encoding = "iso-8859-1" if name == "classic_hcard.html" else "utf-8"
    text = (FIXTURES / name).read_bytes().decode(encoding)
    assert contacts(text) == PAGES[name][0]


# --- per-format tables -------------------------------------------------------------------------

JSON_LD = '<script type="application/ld+json">{}</script>'


def ld(body: str) -> str:
    return JSON_LD.format(body)


JSON_LD_POSITIVE = [
    (
        ld(
            '{"@context": "https://schema.org", "@type": "Person", "name": "Ada",'
            ' "email": "mailto:Ada@Example.com", "telephone": "+1 555", "jobTitle": "CTO",'
            ' "worksFor": {"@type": "Organization", "name": "Engines"}}'
        ),
        [
            person(
                "json-ld",
                name="Ada",
                email="ada@example.com",
                phone="+1 555",
                title="CTO",
                organization="Engines",
            )
        ],
    ),
    (  # nested under author / employee / member / attendee, arrays, @graph
        ld('{"@type": "Article", "author": {"@type": "Person", "name": "A"}}')
        + ld('{"@type": "Organization", "employee": [{"@type": "Person", "name": "B"}]}')
        + ld('{"@type": "Organization", "member": {"@type": "Person", "name": "C"}}')
        + ld('{"@type": "Event", "attendee": [{"@type": "Person", "name": "D"}]}')
        + ld('[{"@type": "WebPage"}, {"@graph": [{"@type": "Person", "name": "E"}]}]'),
        [person("json-ld", name=n) for n in "ABCDE"],
    ),
    (  # type spellings, givenName/familyName, affiliation, string org, contactPoint, @value
        ld(
            '{"@type": ["Thing", "schema:Person"], "givenName": "Grace", "familyName": "Hopper",'
            ' "affiliation": "Navy", "contactPoint": {"email": "g@navy.example"}}'
        )
        + ld(
            '{"@type": "http://schema.org/Person", "name": {"@value": "Alan"},'
            ' "jobTitle": ["Mathematician"], "telephone": 4420}'
        ),
        [
            person("json-ld", name="Grace Hopper", email="g@navy.example", organization="Navy"),
            person("json-ld", name="Alan", title="Mathematician", phone="4420"),
        ],
    ),
    (  # CDATA and comment wrappers from old CMSes; uppercase type attribute
        '<script type="Application/LD+JSON">//<![CDATA[\n{"@type": "Person", "name": "F"}\n'
        "//]]></script>"
        '<script type="application/ld+json"><!-- {"@type": "Person", "name": "G"} --></script>',
        [person("json-ld", name="F"), person("json-ld", name="G")],
    ),
    (  # JSON escapes are decoded once; HTML entities in script text are left alone
        ld('{"@type": "Person", "name": "\\u003cb\\u003eTom &amp; Jerry"}'),
        [person("json-ld", name="<b>Tom &amp; Jerry")],
    ),
]

JSON_LD_NEGATIVE = [
    ld('{"@type": "Organization", "name": "Acme", "email": "info@acme.example"}'),
    ld('{"@type": "Product", "name": "Person"}'),
    ld('{"@type": "Person"}'),  # nothing to show: warned about, not a contact
    ld('{"name": "Untyped", "email": "u@example.com"}'),
    ld('{"@type": "PersonX", "name": "No"}'),
    '<script type="application/json">{"@type": "Person", "name": "Not LD"}</script>',
    '<script>var x = {"@type": "Person", "name": "Plain script"};</script>',
    ld('{"@type": "Person", "name": "Broken",}'),
]


@pytest.mark.parametrize(("html", "expected"), JSON_LD_POSITIVE)
def test_json_ld_positive(html, expected):
    assert contacts(html) == expected


@pytest.mark.parametrize("html", JSON_LD_NEGATIVE)
def test_json_ld_negative(html):
    assert contacts(html) == []


def test_invalid_json_ld_is_a_warning():
    result = parse_contacts("\n" + ld('{"@type": "Person", "name": "Broken",}'))
    assert result.warnings == ["JSON-LD block (line 2) is not valid JSON; ignored."]


MICRODATA_POSITIVE = [
    (
        '<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Ada</span>'
        '<a itemprop="email" href="mailto:ada@example.com?subject=x">mail</a>'
        '<span itemprop="jobTitle">CTO</span><a itemprop="telephone" href="tel:+1%20555">call</a>'
        '<div itemprop="worksFor" itemscope itemtype="https://schema.org/Organization">'
        '<span itemprop="name">Engines</span><span itemprop="email">org@example.com</span></div>'
        "</div>",
        [
            person(
                "microdata",
                name="Ada",
                email="ada@example.com",
                title="CTO",
                phone="+1 555",
                organization="Engines",
            )
        ],
    ),
    (  # http, trailing slash, meta content, givenName/familyName, text email, affiliation text
        '<div itemscope itemtype="http://schema.org/Person/"><meta itemprop="givenName"'
        ' content="Grace"><span itemprop="familyName">Hopper</span>'
        '<span itemprop="email"> g@navy.example </span>'
        '<span itemprop="affiliation">US Navy</span></div>',
        [person("microdata", name="Grace Hopper", email="g@navy.example", organization="US Navy")],
    ),
    (  # a nested Person is its own contact; its properties are not the outer one's
        '<div itemscope itemtype="https://schema.org/Person"><span itemprop="name">Outer</span>'
        '<div itemprop="colleague" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">Inner</span><span itemprop="email">in@example.com</span></div>'
        "</div>",
        [
            person("microdata", name="Outer"),
            person("microdata", name="Inner", email="in@example.com"),
        ],
    ),
    (  # <a itemprop="name" href>: the text, not the URL
        '<div itemscope itemtype="https://schema.org/Person">'
        '<a itemprop="name" href="/people/7">Alan Turing</a></div>',
        [person("microdata", name="Alan Turing")],
    ),
]

MICRODATA_NEGATIVE = [
    '<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Skates</span>'
    "</div>",
    '<div itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Acme'
    '</span><span itemprop="email">info@acme.example</span></div>',
    '<div itemscope><span itemprop="name">Untyped</span></div>',
    '<div itemtype="https://schema.org/Person"><span itemprop="name">No itemscope</span></div>',
    '<div itemscope itemtype="https://schema.org/PersonalProduct"><span itemprop="name">X</span>'
    "</div>",
]


@pytest.mark.parametrize(("html", "expected"), MICRODATA_POSITIVE)
def test_microdata_positive(html, expected):
    assert contacts(html) == expected


@pytest.mark.parametrize("html", MICRODATA_NEGATIVE)
def test_microdata_negative(html):
    assert contacts(html) == []


H_CARD_POSITIVE = [
    (
        '<div class="h-card"><span class="p-name">Ada</span>'
        '<a class="u-email" href="mailto:ada@example.com">mail</a>'
        '<span class="p-job-title">CTO</span><span class="p-tel">+1 555</span>'
        '<span class="p-org">Engines</span></div>',
        [
            person(
                "h-card",
                name="Ada",
                email="ada@example.com",
                title="CTO",
                phone="+1 555",
                organization="Engines",
            )
        ],
    ),
    (  # u-email as text, u-tel link, nested p-org h-card, p-role as a fallback title
        '<div class="h-card"><span class="p-given-name">Grace</span> '
        '<span class="p-family-name">Hopper</span><span class="u-email">g@navy.example</span>'
        '<a class="u-tel" href="tel:+1-555">call</a><span class="p-role">Admiral</span>'
        '<div class="p-org h-card"><span class="p-name">US Navy</span>'
        '<a class="u-email" href="mailto:navy@example.com">navy</a></div></div>',
        [
            person(
                "h-card",
                name="Grace Hopper",
                email="g@navy.example",
                phone="+1-555",
                title="Admiral",
                organization="US Navy",
            )
        ],
    ),
    (  # implied name from a bare link card; its mailto href supplies the address
        '<a class="h-card" href="mailto:tim@example.com">Tim</a>',
        [person("h-card", name="Tim", email="tim@example.com")],
    ),
    (  # Tailwind's h-full does not capture the property; child h-card is another person
        '<div class="h-card flex h-full"><div class="h-full p-4"><span class="p-name">Ann</span>'
        '</div><div class="h-card"><span class="p-name">Child</span></div></div>',
        [person("h-card", name="Ann"), person("h-card", name="Child")],
    ),
    (  # h-card and vcard on one element: read once, as h-card
        '<div class="h-card vcard"><span class="p-name fn">Both</span>'
        '<a class="u-email email" href="mailto:both@example.com">m</a></div>',
        [person("h-card", name="Both", email="both@example.com")],
    ),
]

H_CARD_NEGATIVE = [
    '<div class="h-card"><span class="p-name p-org">Acme</span></div>',  # an organization
    '<div class="h-card"><span class="p-name">Acme</span><span class="p-org">Acme</span></div>',
    '<div class="h-card-like"><span class="p-name">Not a card</span></div>',
    '<div class="p-name">No root</div>',
    '<div class="h-entry"><span class="p-name">A post, not a person</span></div>',
    '<div itemscope itemtype="https://schema.org/Person"><div class="h-card">'
    '<span class="p-name">Card name</span></div></div>',  # the name belongs to the h-card
]


@pytest.mark.parametrize(("html", "expected"), H_CARD_POSITIVE)
def test_h_card_positive(html, expected):
    assert contacts(html) == expected


@pytest.mark.parametrize("html", H_CARD_NEGATIVE)
def test_h_card_negative(html):
    assert all(c["name"] == "Card name" for c in contacts(html))


def test_a_card_that_yields_nothing_leaves_its_mailto_link_to_the_mailto_reader():
    html = '<a class="h-card" href="mailto:x@example.com">x@example.com</a>'
    assert contacts(html) == [person("mailto", email="x@example.com")]
    assert parse_contacts(html).warnings == [
        "h-card #1 (line 1) has neither a valid e-mail address nor a name; ignored."
    ]


HCARD_POSITIVE = [
    (
        '<div class="vcard"><span class="fn">Roy</span><span class="title">Engineer</span>'
        '<span class="org">Reynholm</span><span class="tel">+44 1</span>'
        '<a class="email" href="mailto:roy@example.com">roy</a></div>',
        [
            person(
                "hcard",
                name="Roy",
                title="Engineer",
                organization="Reynholm",
                phone="+44 1",
                email="roy@example.com",
            )
        ],
    ),
    (  # n/given-name/family-name, organization-name, value-class tel, abbr title, text email
        '<div class="vcard"><span class="n"><span class="given-name">Jen</span> '
        '<span class="family-name">Barber</span></span><span class="org">'
        '<span class="organization-name">Reynholm</span> <span class="organization-unit">IT'
        '</span></span><span class="tel"><span class="type">work</span> '
        '<span class="value">+44</span> <span class="value">2</span></span>'
        '<abbr class="title" title="Relationship Manager">RM</abbr>'
        '<span class="email">jen@example.com</span></div>',
        [
            person(
                "hcard",
                name="Jen Barber",
                organization="Reynholm",
                phone="+442",
                title="Relationship Manager",
                email="jen@example.com",
            )
        ],
    ),
]

HCARD_NEGATIVE = [
    '<div class="vcard"><span class="title">Only a title</span></div>',  # no fn, no email
    '<div class="vcard"><span class="fn org">Reynholm Industries</span></div>',
    '<div class="vcardish"><span class="fn">Not a card</span></div>',
    '<span class="fn">No root</span>',
]


@pytest.mark.parametrize(("html", "expected"), HCARD_POSITIVE)
def test_classic_hcard_positive(html, expected):
    assert contacts(html) == expected


@pytest.mark.parametrize("html", HCARD_NEGATIVE)
def test_classic_hcard_negative(html):
    assert contacts(html) == []


MAILTO_POSITIVE = [
    (
        '<a href="mailto:ada@example.com">Ada Lovelace</a>',
        [person("mailto", name="Ada Lovelace", email="ada@example.com")],
    ),
    (
        '<a href="MailTo:ADA@EXAMPLE.COM?subject=Hi&amp;body=x">ada@example.com</a>',
        [person("mailto", email="ada@example.com")],
    ),  # text that is an address is not a name
    (
        '<a href="mailto:a@example.com,%20b@example.com">Team</a>',
        [person("mailto", email="a@example.com"), person("mailto", email="b@example.com")],
    ),
    (
        '<a href="mailto:ada%40example.com">Ada</a>',
        [person("mailto", name="Ada", email="ada@example.com")],
    ),
    (
        '<a href="mailto:%22Ada%20L%22%20%3Cada@example.com%3E">write</a>',
        [person("mailto", name="Ada L", email="ada@example.com")],
    ),
    ('<a href="mailto:ada@example.com">\u2709</a>', [person("mailto", email="ada@example.com")]),
]

MAILTO_NEGATIVE = [
    '<a href="mailto:">Mail</a>',
    '<a href="mailto:?subject=Look">Share</a>',
    '<a href="mailto:not-an-address">Nobody</a>',
    '<a href="mailto:a%2Cb@example.com">Encoded comma</a>',
    '<a href=" mailto:ada@example.com">Leading space</a>',  # the extension's selector skips it
    '<a href="https://example.com/?mailto:ada@example.com">Not mailto</a>',
    '<link href="mailto:ada@example.com">',
    "<p>Write to ada@example.com</p>",  # plain text is never scanned for addresses
]


@pytest.mark.parametrize(("html", "expected"), MAILTO_POSITIVE)
def test_mailto_positive(html, expected):
    assert contacts(html) == expected


@pytest.mark.parametrize("html", MAILTO_NEGATIVE)
def test_mailto_negative(html):
    assert parse_contacts(html).contacts == []


def test_commented_out_and_cdata_markup_is_not_read():
    html = (
        '<!-- <div data-schedlink-contact data-email="c@example.com"></div> -->'
        '<![CDATA[<div data-schedlink-contact data-email="d@example.com">]]>'
        '<!--[if IE]><a href="mailto:ie@example.com">IE</a><![endif]-->'
    )
    assert parse_contacts(html).contacts == []
