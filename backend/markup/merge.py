"""Records to contacts: mailto: links join the card around them, then one contact per
e-mail address, field by field from the most trusted source (docs/markup.md §3)."""

from __future__ import annotations

from .mailto import Link
from .tree import Scopes
from .values import FIELDS, RANK, Notes, Raw, Record

MAX_CONTACTS = 50


def unowned_links(links: list[Link], roots: dict[int, Record | None]) -> list[Raw]:
    """The raw records of the links that are contacts of their own.

    A link inside an element that describes someone (a native element, a card, a Person item)
    or an organization belongs to that element: it is not a contact of its own, but it may
    supply the address a person lacks. ``roots`` is values.build_records' second answer.
    """
    nearest = Scopes(lambda element: id(element) in roots)
    out: list[Raw] = []
    for link in links:
        owner = link.anchor if id(link.anchor) in roots else nearest.owner(link.anchor)
        if owner is None:
            out.extend(link.raws)
            continue
        record = roots[id(owner)]
        if record is not None and not record.values.get("email"):
            record.values["email"] = link.raws[0].values["email"][0]
    return out


def by_trust(records: list[Record], notes: Notes) -> list[tuple[dict, str]]:
    """One contact per e-mail address (case-insensitive); without one, one per record.

    Field by field the most trusted source wins, then document order; the source is the most
    trusted one in the group. Order: native contacts, then the structured formats in
    document order, then contacts found only as mailto links. Returns (values, source) pairs.
    """
    groups: list[list[Record]] = []
    by_email: dict[str, list[Record]] = {}
    for record in sorted(records, key=lambda r: r.order):
        email = record.values.get("email")
        if isinstance(email, str) and email:
            key = email.lower()
            if key in by_email:
                by_email[key].append(record)
                continue
            by_email[key] = [record]
            groups.append(by_email[key])
        else:
            groups.append([record])
    if len(groups) > MAX_CONTACTS:
        notes.add(
            f"The markup holds {len(groups)} contacts; only the first {MAX_CONTACTS} are returned."
        )
        groups = groups[:MAX_CONTACTS]
    contacts = []
    for group in groups:
        ranked = sorted(group, key=lambda r: (RANK[r.source], r.order))
        values = {
            key: next((r.values[key] for r in ranked if r.values.get(key) is not None), None)
            for key in FIELDS
            if key != "source"
        }
        # Only the native format pre-fills answers: the first such element's, whole.
        values["answers"] = next(
            (r.values["answers"] for r in ranked if "answers" in r.values), None
        )
        contacts.append((values, ranked[0].source))
    return contacts
