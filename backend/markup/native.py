"""The native format: elements carrying ``data-schedlink-contact`` (docs/markup.md §1)."""

from __future__ import annotations

from . import answers
from .soup import Page
from .tree import Hidden, attribute, line_of
from .values import Notes, Raw

MAX_NATIVE = 100  # native elements read per page

ATTRIBUTES = {
    "name": "data-name",
    "email": "data-email",
    "organization": "data-organization",
    "title": "data-title",
    "phone": "data-phone",
    "tzid": "data-tzid",
    "reference": "data-reference",
    "summary": "data-summary",
    "duration_minutes": "data-duration",
}


def read(page: Page, notes: Notes) -> list[Raw]:
    """Raw records of the native elements, in document order."""
    found = []
    for element in page.elements:
        if "data-schedlink-contact" in element.attrs:
            if len(found) == MAX_NATIVE:
                notes.add(
                    f"The markup has more than {MAX_NATIVE} native elements;"
                    f" only the first {MAX_NATIVE} were read."
                )
                break
            found.append(element)
    hidden = Hidden()
    raws = []
    for index, element in enumerate(found):
        label = f"schedlink contact #{index + 1}{line_of(element)}"
        visible = (
            ()
            if hidden(element)
            else (
                f"{label} is visible on the page; host apps usually hide it "
                '(hidden, aria-hidden="true" or style="display:none").',
            )
        )
        values = {
            key: (value, name)
            for key, name in ATTRIBUTES.items()
            if (value := attribute(element, name)) is not None
        }
        prefilled, problems = answers.from_attributes(element.attrs)
        if prefilled:
            values["answers"] = (prefilled, "data-answers-*")
        notes_about = (*visible, *(f"{label}: {p}" for p in problems))
        raws.append(Raw("schedlink", (0, index, 0), label, values, element, notes_about))
    return raws
