"""The public markup checker: a host-app developer pastes HTML and sees what the extension
would detect (the same parser as ``POST /v1/markup/parse``), with the parser's warnings.

Thin on purpose: read the form, call :func:`backend.markup.parse_contacts`, render. The form
changes nothing and keeps nothing; it is rate-limited and carries a CSRF token all the same.
Everything pasted is untrusted and reaches the page only through Jinja's autoescaping.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request

from ...limits import limit
from ...markup import MarkupTooLarge, MarkupUnreadable, ParseResult, parse_contacts
from ..security import check_csrf

bp = Blueprint("checker", __name__, url_prefix="/tools")

# (Contact field, column heading), in the order of the Contact shape (design.md §4).
COLUMNS = (
    ("name", "Name"),
    ("email", "E-mail"),
    ("organization", "Organization"),
    ("title", "Title"),
    ("phone", "Phone"),
    ("tzid", "Time zone"),
    ("reference", "Reference"),
    ("summary", "Summary"),
    ("duration_minutes", "Duration (min)"),
    ("source", "Source"),
)

NATIVE_EXAMPLE = """\
<div hidden data-schedlink-contact
     data-name="Ada Lovelace" data-email="ada@example.com"
     data-organization="Analytical Engines Ltd" data-title="Engineer"
     data-phone="+44 20 7946 0000" data-tzid="Europe/London"
     data-reference="candidate-4711" data-summary="Interview: Senior Engineer"
     data-duration="45"></div>
"""

# Room for the multipart envelope and the CSRF field around the markup itself.
_FORM_SLACK = 64 * 1024


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _page(status: int = 200, **context):
    context.setdefault("html", "")
    context.setdefault("result", None)
    context.setdefault("error", None)
    html = render_template(
        "checker/checker.html",
        columns=COLUMNS,
        example=NATIVE_EXAMPLE,
        max_bytes=current_app.config["MARKUP_MAX_BYTES"],
        **context,
    )
    return html, status


@bp.get("/markup-checker")
def form():
    example = request.args.get("example") == "native"
    return _page(html=NATIVE_EXAMPLE if example else "")


@bp.post("/markup-checker")
def check():
    with limit("RATELIMIT_MARKUP_CHECKER", "markup-checker"):
        pass
    max_bytes = current_app.config["MARKUP_MAX_BYTES"]
    # The form is multipart (no percent-encoding); let one text part be as large as the
    # markup cap, so the parser's cap, not Werkzeug's 500 kB default, is the one that speaks.
    request.max_form_memory_size = max_bytes + _FORM_SLACK
    check_csrf()
    html = request.form.get("html", "")
    try:
        result = parse_contacts(html, max_bytes=max_bytes)
    except MarkupTooLarge:
        size = len(html.encode("utf-8", "replace"))
        return _page(
            413,
            error=(
                f"The markup is {size:,} bytes; the checker reads at most {max_bytes:,} bytes "
                "(whole pages over that are refused). Paste only the part of the page around "
                "the contact."
            ),
        )
    except MarkupUnreadable as exc:
        return _page(422, html=html, error=f"The markup could not be read: {exc}.")
    return _page(html=html, result=_with_link_warnings(result))


def _with_link_warnings(result: ParseResult) -> ParseResult:
    """The parse, plus a warning for each contact no link can be made for: a scheduling link
    is made for an e-mail address (`POST /v1/markup/parse` keeps the parser's own warnings)."""
    missing = [
        f"Contact {number} ({contact.name or 'no name'}) has no e-mail address, so no"
        " scheduling link can be made for it: add data-email (or email, u-email, a mailto:"
        " link) to its markup."
        for number, contact in enumerate(result.contacts, 1)
        if not contact.email
    ]
    return ParseResult(result.contacts, [*result.warnings, *missing])
