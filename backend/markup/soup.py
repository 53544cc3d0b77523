"""Untrusted input to one BeautifulSoup tree (Flask-free): the first step of the pipeline.

1. ``to_bytes``: size cap, then the encoding a browser would use (BOM, else ``<meta charset>``
   in the first 1 024 bytes, else UTF-8), transcoded to UTF-8.
2. ``build``: ``BeautifulSoup(data, builder=BoundedLXML())``, the "lxml" builder of
   BeautifulSoup with a work budget. libxml2 tokenizes; lxml hands its events to the builder,
   which builds the soup and nothing else (no second tree).

Why the builder is subclassed rather than used as ``BeautifulSoup(data, "lxml")``:
- Building a soup costs ~50 µs per node in Python, so a page of 250 000 ``<br>`` would cost 5x
  a plain page of the same size; the builder stops after ``node_budget(size)`` elements and
  text runs (warning), so that no input costs much more than a plain page of its size.
- The lxml builder records no line numbers, and warnings name elements by line. The bytes are
  fed to libxml2 one line at a time where a line holds a ``>`` (the only place a tag can end),
  so each tag gets the number of the line its ``>`` is on, exactly what libxml2 itself reports.
- Comments, processing instructions and doctypes are not content: they are not built.
- libxml2 de-duplicates an element's attribute names in quadratic time (250 000 attributes
  take a minute); elements with more than MAX_ATTRIBUTES are refused before parsing.

Nesting depth needs nothing: lxml's event interface has no depth limit and the soup is walked
iteratively everywhere. Invalid UTF-8 and NUL become U+FFFD (libxml2); content after
``</html>`` is kept, as browsers do.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, ParserRejectedMarkup, Tag
from bs4.builder import LXMLTreeBuilder
from lxml import etree

from .errors import MarkupTooLarge, MarkupUnreadable
from .values import Notes

MAX_ATTRIBUTES = 256  # per element; real pages stay far below this
# Elements and text runs built: a plain page has one per ~19 bytes, the costliest shapes (bare
# <br>, tiny classed elements) cost ~1.3x as much per node, so one per 16 bytes keeps every
# shape within ~1.5x a plain page of its size. Small inputs always get NODES_FLOOR.
BYTES_PER_NODE = 16
NODES_FLOOR = 5_000


def node_budget(size: int) -> int:
    return NODES_FLOOR + size // BYTES_PER_NODE


# One start (or end) tag with more than MAX_ATTRIBUTES attributes, tokenized as HTML5 (and
# libxml2 2.14) does: quoted values may hold '<' and '>', attributes may follow a quoted value
# directly. Possessive quantifiers keep the search linear. Two cheaper searches decide first
# whether it is needed: without a quoted value holding '>', a tag ends at its first '>', and
# N attributes take at least 2 * N bytes.
_ATTR = rb"""[\s/]*+(?>[^\s/>][^\s/>=]*+(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))?)"""
_ATTRIBUTE_BOMB = re.compile(rb"</?[A-Za-z][^\s/>]*+(?:" + _ATTR + rb"){%d}" % (MAX_ATTRIBUTES + 1))
_LONG_TAG = re.compile(rb"</?[A-Za-z][^>]{%d}" % (2 * MAX_ATTRIBUTES))
_QUOTED_GT = re.compile(rb"""=[\t\n\f\r ]*+(?:"[^">]*+>|'[^'>]*+>)""")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)
_PIECE = 16_384  # bytes fed to libxml2 at most at once
_NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined", "charmap"}
)


def to_bytes(html: str | bytes, max_bytes: int) -> bytes:
    """The input as UTF-8 bytes, or MarkupTooLarge / MarkupUnreadable before any parsing."""
    if isinstance(html, bytearray | memoryview):
        html = bytes(html)
    if isinstance(html, bytes):
        if len(html) > max_bytes:
            raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
        return _sniffed_to_utf8(html)
    if not isinstance(html, str):
        raise MarkupUnreadable("the markup must be a string")
    if len(html) > max_bytes:  # every character is at least one byte
        raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
    data = html.encode("utf-8", "replace")  # lone surrogates become "?"
    if len(data) > max_bytes:
        raise MarkupTooLarge(f"the markup is over {max_bytes} bytes")
    return data


def _sniffed_to_utf8(data: bytes) -> bytes:
    """Bytes in the document's encoding -> UTF-8 bytes (BOM, then <meta charset>, else UTF-8).

    UTF-8 input is passed through unchanged: libxml2 replaces invalid sequences with U+FFFD.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace").encode("utf-8", "replace")
    match = _META_CHARSET.search(data, 0, 1024)
    if not match:
        return data
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return data
    # HTML: a <meta> cannot switch to UTF-16/32 (the bytes were already read as ASCII), UTF-7
    # is banned, latin-1/ascii mean windows-1252. Python-only codecs are no charset a browser
    # knows, and the escape codecs would turn text such as \u003cdiv into markup.
    if name.startswith(("utf-8", "utf-16", "utf-32", "utf-7")) or name in _NOT_CHARSETS:
        return data
    if name in ("ascii", "latin-1", "iso8859-1"):
        name = "cp1252"
    try:
        return data.decode(name, "replace").encode("utf-8", "replace")
    except (LookupError, UnicodeError):  # bytes-to-bytes codecs (base64, rot13), "undefined"
        return data


def _has_attribute_bomb(data: bytes) -> bool:
    if not (_LONG_TAG.search(data) or _QUOTED_GT.search(data)):
        return False
    return _ATTRIBUTE_BOMB.search(data) is not None


class BoundedLXML(LXMLTreeBuilder):
    """BeautifulSoup's lxml HTML builder with an element budget and line numbers."""

    def __init__(self, max_nodes: int) -> None:
        super().__init__()
        self.max_nodes = max_nodes
        self.nodes = 0
        self.in_text = False  # the last event was text: more text extends the same run
        self.stopped = False
        self.line = 1

    def feed(self, markup: str | bytes) -> None:
        assert isinstance(markup, bytes)  # to_bytes made it UTF-8
        if not markup:
            return  # libxml2 refuses an empty document; an empty soup is the answer
        self.parser = self.parser_for("utf-8")
        feed, find, count = self.parser.feed, markup.find, markup.count
        pos, line, size = 0, 1, len(markup)
        # One feed per line that holds a '>': every tag ending in this piece ends on `line`.
        while pos < size and not self.stopped:
            gt = find(b">", pos)
            if gt < 0:
                end = size
            else:
                line += count(b"\n", pos, gt)
                newline = find(b"\n", gt)
                end = size if newline < 0 else newline + 1
            # A long line goes in pieces, so that feeding stops soon after the budget does.
            end = min(end, max(gt, pos) + _PIECE)
            self.line = line
            feed(markup[pos:end])
            if end > gt >= 0 and markup[end - 1 : end] == b"\n":
                line += 1
            pos = end
        self.parser.close()

    def start(self, tag, attrib, nsmap=None) -> None:  # noqa: ANN001 (lxml's target API)
        if self.stopped or self._over():
            return
        self.soup.handle_starttag(tag, None, None, dict(attrib), sourceline=self.line)

    def _over(self) -> bool:
        self.in_text = False
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.stopped = True
        return self.stopped

    def end(self, tag) -> None:  # noqa: ANN001
        if not self.stopped:
            self.in_text = False
            self.soup.endData()
            self.soup.handle_endtag(tag)

    def data(self, data) -> None:  # noqa: ANN001
        if self.stopped or (not self.in_text and self._over()):
            return
        self.in_text = True
        self.soup.handle_data(data)

    def comment(self, text) -> None:  # noqa: ANN001
        """Not content (markup inside comments is ignored): not built."""

    def pi(self, target, data) -> None:  # noqa: ANN001
        """Not content: not built."""

    def doctype(self, name, pubid, system) -> None:  # noqa: ANN001
        """Not content: not built."""


@dataclass
class Page:
    """The soup and its elements in document order (the one list every format walks)."""

    soup: BeautifulSoup
    elements: list[Tag]


def build(data: bytes, notes: Notes) -> Page:
    """UTF-8 bytes -> the Page (MarkupUnreadable for input built to exhaust libxml2)."""
    if _has_attribute_bomb(data):
        raise MarkupUnreadable(f"an element carries more than {MAX_ATTRIBUTES} attributes")
    max_nodes = node_budget(len(data))
    builder = BoundedLXML(max_nodes)
    try:
        soup = BeautifulSoup(data, builder=builder, from_encoding="utf-8")
    except (ParserRejectedMarkup, etree.LxmlError, UnicodeError) as exc:
        raise MarkupUnreadable("the HTML could not be parsed") from exc
    if builder.stopped:
        notes.add(
            f"The markup has more than {max_nodes} elements and texts; only those before"
            f" line {builder.line} were read."
        )
    elements = [node for node in soup.descendants if type(node) is Tag]
    return Page(soup, elements)
