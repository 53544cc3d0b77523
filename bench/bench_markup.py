"""Markup parser speed against a baseline measured in the same run (issue #3's targets).

    python bench/bench_markup.py [--quick]

Prints, e.g.:
    parse_1mb / lxml_fromstring_1mb = 1.4x (target <= 2.0x)
    fragment_4kb median = 0.3 ms (target < 1 ms)
plus informational lines (other formats on the 1 MB page, the slow paths for hostile input).
Inputs are generated here; nothing is asserted (a loaded CI machine must not fail the build),
the exit status is 0 unless the parser raises.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.markup import parse_contacts

NATIVE = (
    '<div hidden data-schedlink-contact data-name="Ada Lovelace" data-email="ada@example.com"'
    ' data-organization="Analytical Engines Ltd" data-title="Engineer"'
    ' data-tzid="Europe/London" data-reference="candidate-4711"'
    ' data-summary="Interview: Senior Engineer" data-duration="45"></div>'
)
JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Article",'
    ' "author": {"@type": "Person", "name": "Ada Lovelace", "email": "ada@example.com"}}'
    "</script>"
)
H_CARD = (
    '<div class="h-card"><span class="p-name">Ada Lovelace</span>'
    ' <a class="u-email" href="mailto:ada@example.com">e-mail</a>'
    ' <span class="p-org">Analytical Engines Ltd</span></div>'
)


def host_page(contact: str, size: int = 1_000_000) -> bytes:
    """An ATS-like page: app chrome, a long activity table, one contact in the middle."""
    head = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Candidate 4711</title>'
        "<style>.row{display:flex}.h-full{height:100%}</style>"
        "<script>window.__STATE__ = {user: 1, flags: ['a', 'b']};</script></head><body>"
        '<nav class="flex h-full"><a href="/jobs">Jobs</a> <a href="/candidates">Candidates</a>'
        ' <a href="/reports?range=30d&amp;team=all">Reports</a></nav><main id="app">'
    )
    rows = []
    total = len(head)
    i = 0
    while total < size:
        i += 1
        row = (
            f'<div class="row activity item-{i} h-full" data-id="{i}">'
            f'<span class="label">Note {i}</span>'
            f'<a href="/candidates/4711/notes/{i}?tab=activity" class="link">Open &amp; edit</a>'
            f"<p>Phone screen went well; <b>strong</b> on systems design, follow up {i}.</p>"
            f"<!-- row {i} --><table><tr><td>{i}</td><td>stage 2</td></tr></table></div>\n"
        )
        if i == 200:
            row += contact
        rows.append(row)
        total += len(row)
    return (head + "".join(rows) + "</main></body></html>").encode()


def fragment(size: int = 4096) -> bytes:
    """What the extension sends: candidate elements' outerHTML joined by newlines."""
    parts = [NATIVE, JSON_LD, H_CARD, '<a href="mailto:recruiting@example.com">Recruiting</a>']
    body = "\n".join(parts)
    filler = '<p class="note">Background: ten years of compilers &amp; runtimes.</p>\n'
    while len(body) + len(filler) < size:
        body += filler
    return body.encode()


def median_seconds(fn, data: bytes, runs: int) -> float:
    fn(data)  # warm caches (time zone list, compiled XPath)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ratio(fn, base, data: bytes, runs: int) -> tuple[float, float]:
    """Median of fn over median of base, runs interleaved so machine load hits both alike."""
    fn(data), base(data)
    ours, theirs = [], []
    for _ in range(runs):
        for f, times in ((fn, ours), (base, theirs)):
            start = time.perf_counter()
            f(data)
            times.append(time.perf_counter() - start)
    return statistics.median(ours) / statistics.median(theirs), statistics.median(theirs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    args = ap.parse_args()
    runs = 7 if args.quick else 31

    page = host_page(NATIVE)
    found = parse_contacts(page).contacts
    assert [c.email for c in found] == ["ada@example.com"], found
    factor, base = ratio(parse_contacts, lxml.html.fromstring, page, runs)
    print(f"page size = {len(page)} bytes; lxml_fromstring_1mb median = {base * 1e3:.1f} ms")
    print(f"parse_1mb / lxml_fromstring_1mb = {factor:.2f}x (target <= 2.0x)")

    frag = fragment()
    frag_median = median_seconds(parse_contacts, frag, runs * 10)
    print(f"fragment_4kb median = {frag_median * 1e3:.2f} ms (target < 1 ms), {len(frag)} bytes")

    print("-- informational --")
    for label, contact in (("json-ld", JSON_LD), ("h-card", H_CARD)):
        factor, _ = ratio(parse_contacts, lxml.html.fromstring, host_page(contact), runs)
        print(f"parse_1mb_{label} / lxml_fromstring_1mb = {factor:.2f}x")
    everything = host_page(NATIVE + JSON_LD + H_CARD + '<a href="mailto:x@example.com">x</a>')
    factor, _ = ratio(parse_contacts, lxml.html.fromstring, everything, runs)
    print(f"parse_1mb_all_formats / lxml_fromstring_1mb = {factor:.2f}x")
    deep = b"<div>" * 100_000 + NATIVE.encode() + b"</div>" * 100_000
    print(
        f"deep_100k_nesting ({len(deep)} bytes) median = "
        f"{median_seconds(parse_contacts, deep, 3) * 1e3:.0f} ms (slow path, rebuilt tree)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
