"""E-mail messages built so that no user-supplied text can become a header or a body part.

Every header line is written here: values are cleaned (no control characters), and anything
that is not plain printable ASCII — or that could be read as an RFC 2047 encoded word — is
sent as base64 encoded words, so a name like ``Eve=?utf-8?q?=0D=0AReply-To:...?=`` reaches
the reader as that literal text. The finished bytes are parsed again and refused unless they
hold exactly the headers and parts this module wrote, with the values it meant.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from email import policy
from email.charset import QP, Charset
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.utils import formatdate, make_msgid, parseaddr, parsedate_to_datetime

from ..core.text import clean_text

# Printable ASCII that needs no encoding, as long as it holds no "=?" (an encoded word start).
_PLAIN = re.compile(r"[\x20-\x7e]*")
_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ .-]*")
_CHUNK_BYTES = 45  # 60 base64 characters: each encoded word stays within RFC 2047's 75
TOP_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted")
PART_HEADERS = {"content-type", "content-transfer-encoding", "mime-version", "content-disposition"}
PART_TYPES = ["multipart/mixed", "multipart/alternative", "text/plain"]


class UnsafeMessage(Exception):
    """The finished message does not hold exactly what the code wrote; it is not sent."""


def _words(text: str) -> list[str]:
    """`text` as base64 UTF-8 encoded words, split on character boundaries."""
    words, chunk = [], b""
    for ch in text:
        data = ch.encode("utf-8")
        if len(chunk) + len(data) > _CHUNK_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words if w]


def _folded(words: list[str]) -> str:
    """Words on lines of at most 76 characters; the line breaks are ours alone (folding
    whitespace between encoded words is ignored when they are decoded)."""
    lines = [words[0]]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) > 76 - len("Subject: ") * (len(lines) == 1):
            lines.append(word)
        else:
            lines[-1] += " " + word
    return "\r\n ".join(lines)


def encoded_words(text: str) -> str:
    return _folded(_words(text))


def header_text(value: str) -> str:
    """An unstructured header value (Subject): cleaned, ASCII-only, folded by us."""
    value = clean_text(value)
    if _PLAIN.fullmatch(value) and "=?" not in value and len(value) <= 60:
        return value
    return encoded_words(value)


def ascii_address(address: str) -> str:
    """local@domain with an internationalised domain in its IDNA (punycode) form."""
    address = clean_text(address)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise UnsafeMessage(f"not an address: {address!r}")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    result = f"{local}@{domain.lower()}"
    if not _PLAIN.fullmatch(result) or any(c in result for c in ' <>",;:\\()[]'):
        raise UnsafeMessage(f"not an address: {address!r}")
    return result


def mailbox(name: str, address: str) -> str:
    """`"Display Name" <local@domain>`, the name quoted or encoded, never parsed as syntax."""
    name, address = clean_text(name or ""), ascii_address(address)
    if not name:
        return address
    if _PHRASE.fullmatch(name) and "=?" not in name:
        return f'"{name}" <{address}>'
    return _folded([*_words(name), f"<{address}>"])


@dataclass(frozen=True)
class Mail:
    """What one recipient gets: the texts are user-influenced, the structure is not."""

    sender: str  # the operator's MAIL_FROM, "Name <address>" or a bare address
    to_name: str
    to_address: str
    subject: str
    text: str
    html: str | None = None  # account notices may be text and HTML without an invitation
    ics: bytes | None = None
    ics_method: str | None = None


def _utf8_qp() -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = QP
    return charset


def build(mail: Mail, domain: str = "schedlink.localhost") -> tuple[str, str, bytes]:
    """(envelope sender, envelope recipient, the message's bytes), checked before returning."""
    sender_name, sender_address = parseaddr(mail.sender)
    sender_address = ascii_address(sender_address)
    recipient = ascii_address(mail.to_address)
    expected = {
        "From": mailbox(sender_name, sender_address),
        "To": mailbox(mail.to_name, recipient),
        "Subject": header_text(mail.subject),
        "Date": formatdate(localtime=False, usegmt=True),
        "Message-ID": make_msgid(domain=domain),
        "Auto-Submitted": "auto-generated",
    }
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(mail.text, "plain", _utf8_qp()))
    if mail.html is not None:
        alternative.attach(MIMEText(mail.html, "html", _utf8_qp()))
    message = MIMEMultipart("mixed")
    message.attach(alternative)
    if mail.ics is not None:
        invite = MIMEBase("text", "calendar", method=mail.ics_method, charset="utf-8")
        invite.set_payload(base64.encodebytes(mail.ics).decode("ascii"))
        invite["Content-Transfer-Encoding"] = "base64"
        invite.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(invite)
    for name in TOP_HEADERS:
        message[name] = expected[name]
    # compat32 writes these strings as they are (folding only at their spaces); the newer
    # policies would parse them first, decoding any encoded words a user typed.
    raw = message.as_bytes(policy=policy.compat32.clone(linesep="\r\n", max_line_length=0))
    check(raw, expected, mail)
    return sender_address, recipient, raw


def _squeezed(text: str) -> str:
    return "".join(text.split())


def check(raw: bytes, expected: dict[str, str], mail: Mail) -> None:
    """Parse the finished bytes as a mail client would and refuse anything unexpected:
    another header, a header twice, a value other than the one meant, another part."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    names = [name.lower() for name in parsed]
    wanted = sorted([n.lower() for n in TOP_HEADERS] + ["content-type", "mime-version"])
    if sorted(names) != wanted:
        raise UnsafeMessage(f"unexpected headers: {names}")
    if parsed.defects:
        raise UnsafeMessage(f"message defects: {parsed.defects}")
    if str(parsed["Subject"]) != clean_text(mail.subject):
        raise UnsafeMessage("the Subject does not read back as written")
    to = parsed["To"].addresses
    if len(to) != 1 or to[0].addr_spec != ascii_address(mail.to_address):
        raise UnsafeMessage("the To header does not read back as written")
    # Python's address parser keeps the (meaningless) folding space between encoded words
    # of a phrase, so compare names without whitespace.
    if _squeezed(to[0].display_name) != _squeezed(clean_text(mail.to_name or "")):
        raise UnsafeMessage("the To name does not read back as written")
    sender = parsed["From"].addresses
    if len(sender) != 1 or sender[0].addr_spec != parseaddr(expected["From"])[1]:
        raise UnsafeMessage("the From header does not read back as written")
    if parsed["Date"].datetime != parsedate_to_datetime(expected["Date"]):
        raise UnsafeMessage("the Date header does not read back as written")
    for name in ("Message-ID", "Auto-Submitted"):
        if str(parsed[name]) != expected[name]:
            raise UnsafeMessage(f"the {name} header does not read back as written")
    parts = list(parsed.walk())
    types = [part.get_content_type() for part in parts]
    wanted_types = PART_TYPES[:3] + ["text/html"] * (mail.html is not None)
    wanted_types += ["text/calendar"] * (mail.ics is not None)
    if types != wanted_types:
        raise UnsafeMessage(f"unexpected parts: {types}")
    for part in parts[1:]:
        extra = {name.lower() for name in part} - PART_HEADERS
        if extra:
            raise UnsafeMessage(f"unexpected part headers: {sorted(extra)}")
