"""Untrusted bytes to one lxml tree (Flask-free).

Why lxml directly and not BeautifulSoup: the page is parsed once by libxml2 and candidates are
found with XPath in C, which keeps a 1 MB page within 2x of a bare ``lxml.html.fromstring``;
building a BeautifulSoup tree costs several times that and no format here needs its API.

libxml2 (2.14) behaviours this module exists for, each pinned by a test:
- Nesting deeper than 255 elements stops the tree builder with a FATAL "Excessive depth"
  error and everything after that point is silently missing. ``huge_tree`` only moves the limit
  (and must stay off for untrusted input), so such documents are parsed again through lxml's
  event interface, which has no depth limit, into a tree whose depth is capped (_Flattener).
- Distinct attribute names on one element are de-duplicated in quadratic time: 250 000 of them
  (2 MB) take over a minute. Elements with more than MAX_ATTRIBUTES are refused up front.
- Invalid UTF-8 and NUL become U+FFFD; comments and ``<![CDATA[`` sections are not elements.
"""

from __future__ import annotations

import codecs
import re
import threading

from lxml import etree

MAX_ATTRIBUTES = 256  # per element; real pages stay far below this
LIBXML2_DEPTH = 255  # deeper elements stop libxml2's tree builder
DEPTH_CAP = 200  # depth of the rebuilt tree for documents deeper than libxml2's limit
SKIP_BARE_FROM = 100  # in the rebuilt tree, attribute-less wrappers deeper than this are dropped

_local = threading.local()  # lxml parsers must not be shared between threads

# One start (or end) tag with more than MAX_ATTRIBUTES attributes, tokenized as HTML5 (and
# libxml2 2.14) does: quoted values may hold '<' and '>', attributes may follow a quoted value
# directly. Possessive quantifiers keep the search linear. It costs ~40% of a parse, so two cheaper
# searches decide first whether it is needed: without a quoted value holding '>', a tag ends
# at its first '>', and N attributes take at least 2 * N bytes.
_ATTR = rb"""[\s/]*+(?>[^\s/>][^\s/>=]*+(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))?)"""
_ATTRIBUTE_BOMB = re.compile(rb"</?[A-Za-z][^\s/>]*+(?:" + _ATTR + rb"){%d}" % (MAX_ATTRIBUTES + 1))
_LONG_TAG = re.compile(rb"</?[A-Za-z][^>]{%d}" % (2 * MAX_ATTRIBUTES))
_QUOTED_GT = re.compile(rb"""=[\t\n\f\r ]*+(?:"[^">]*+>|'[^'>]*+>)""")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)
_SAFE_NAME = re.compile(r"[A-Za-z_][-A-Za-z0-9_.]*")
# Characters lxml's API refuses in text and attribute values (libxml2's own builder keeps them;
# clean_text drops them later anyway): form feed and vertical tab are whitespace, rest goes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    if _NOT_XML.search(text) is None:
        return text
    return _NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)


_NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined", "charmap"}
)
# Bare, yet they matter: their text is not content, or they hide what they hold.
_KEEP_BARE = frozenset({"script", "style", "template", "head", "noscript"})


class Unreadable(ValueError):
    """The input cannot be turned into a tree (the public module maps this to MarkupUnreadable)."""


def to_utf8(data: bytes) -> bytes:
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


def _parser() -> etree.HTMLParser:
    parser = getattr(_local, "parser", None)
    if parser is None:
        # huge_tree stays off (libxml2 size limits apply); comments/PIs are dropped so that
        # text extraction never sees them; no_network is the default, stated for the reader.
        parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
        )
        _local.parser = parser
    return parser


_BODY_OR_HTML_END = re.compile(rb"</(?:body|html)\s*>", re.I)


def _content_after_end(data: bytes) -> bytes:
    """libxml2 drops whatever follows </body> or </html>; browsers put it in the body (two
    pages pasted together, markup a script appended). Removing those end tags does the same."""
    match = _BODY_OR_HTML_END.search(data)
    if match is None or not data[match.end() :].strip(b" \t\r\n</>bodyhtmlBODYHTML"):
        return data
    return _BODY_OR_HTML_END.sub(b"", data)


def parse(data: bytes) -> tuple[etree._Element | None, str | None]:
    """UTF-8 bytes -> (root or None for an empty document, how deep nesting was handled).

    The second value is None for an ordinary document, "rebuilt" when it nests deeper than
    libxml2 builds (read again, nothing lost) and "flattened" when elements with attributes
    nest deeper than DEPTH_CAP even without bare wrappers (their structure is lost).
    """
    if _has_attribute_bomb(data):
        raise Unreadable(f"an element carries more than {MAX_ATTRIBUTES} attributes")
    data = _content_after_end(data)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError) as exc:
        raise Unreadable("the HTML could not be parsed") from exc
    if not any(True for _ in parser.error_log.filter_from_fatals()):
        return root, None
    # libxml2 gave up part-way (in practice: nesting deeper than 255): rebuild from events.
    flattener = _Flattener()
    try:
        root = etree.fromstring(data, etree.HTMLParser(target=flattener, encoding="utf-8"))
    except (etree.LxmlError, ValueError) as exc:
        raise Unreadable("the HTML could not be parsed") from exc
    return root, "flattened" if flattener.flattened else "rebuilt"


_BUILT, _FLAT, _SKIPPED = range(3)


class _Flattener:
    """lxml parser target building a tree no deeper than DEPTH_CAP from any document.

    Deeper than SKIP_BARE_FROM, elements without attributes are not built (no format reads
    anything from a bare wrapper; their text stays with the enclosing element, in order), so
    the cards, items and links inside keep their structure. Only elements with attributes
    deeper than DEPTH_CAP lose it: they become children of the element at the cap.
    """

    def __init__(self) -> None:
        self.root: etree._Element | None = None
        # Per open tag: (the element its text goes to, _BUILT | _FLAT | _SKIPPED).
        self.stack: list[tuple[etree._Element, int]] = []
        self.built: list[etree._Element] = []  # open elements that exist in the tree
        self.pending: list[str] = []  # text since the last tag, joined once (not O(n^2))
        self.flattened = False

    def _element(self, parent: etree._Element | None, tag: str, attrib: dict) -> etree._Element:
        # lxml's API refuses names libxml2's own tree builder accepts (e.g. a"b).
        if not _SAFE_NAME.fullmatch(tag):
            tag = "span"
        attrib = {k: _xml_safe(v) for k, v in attrib.items() if _SAFE_NAME.fullmatch(k)}
        if parent is None:
            return etree.Element(tag, attrib)
        return etree.SubElement(parent, tag, attrib)

    def start(self, tag: str, attrib: dict) -> None:
        if self.root is None:
            self.root = self._element(None, tag, attrib)
            self.stack.append((self.root, _BUILT))
            self.built.append(self.root)
        elif not attrib and tag not in _KEEP_BARE and len(self.built) >= SKIP_BARE_FROM:
            # Text keeps going to the same element, so pending text is not flushed: flushing
            # per bare wrapper would re-copy that element's growing text each time.
            self.stack.append((self.stack[-1][0], _SKIPPED))
        elif len(self.built) < DEPTH_CAP:
            self._flush()
            element = self._element(self.built[-1], tag, attrib)
            self.stack.append((element, _BUILT))
            self.built.append(element)
        else:
            self.flattened = True
            self._flush()
            element = self._element(self.built[DEPTH_CAP - 1], tag, attrib)
            self.stack.append((element, _FLAT))

    def end(self, tag: str) -> None:
        if not self.stack:
            return
        if self.stack[-1][1] != _SKIPPED:
            self._flush()
        if self.stack.pop()[1] == _BUILT:
            self.built.pop()

    def data(self, text: str) -> None:
        self.pending.append(text)

    def _flush(self) -> None:
        if not self.pending:
            return
        text, self.pending = _xml_safe("".join(self.pending)), []
        if not self.stack:
            return
        top = self.stack[-1][0]
        try:
            last = top[-1]  # O(1), unlike len() on an element with many children
        except IndexError:
            top.text = (top.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    def close(self) -> etree._Element | None:
        self._flush()
        return self.root
