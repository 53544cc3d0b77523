"""Untrusted text: cleaning any user- or page-supplied value, and e-mail address syntax.

Shared by every domain package: markup values, invitee names on the booking page, account
e-mail addresses. Nothing is HTML-escaped here; callers escape at the sink.
"""

from __future__ import annotations

import re
import unicodedata

# Deleted from every value: C0/C1 controls (NUL included), DEL, lone surrogates (they cannot be
# encoded as UTF-8 later, e.g. from a JSON-LD "\ud800"), zero-width characters and bidi
# overrides/isolates (Trojan-Source style spoofing of names). ZWJ/ZWNJ stay: scripts need them.
_DELETE = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000)]
_DELETE += [0x061C, 0x180E, 0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF]
_DELETE += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CLEAN = dict.fromkeys(_DELETE)
_CLEAN.update({c: " " for c in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85)})  # whitespace stays a gap

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


def clean_text(value: str) -> str:
    """NFC, strip invisible/control characters, collapse whitespace, trim."""
    value = unicodedata.normalize("NFC", value.translate(_CLEAN))
    return " ".join(value.split())


def clean_multiline(value: str) -> str:
    """Like clean_text, but line breaks stay (descriptions): CR LF and CR become LF, each
    line is cleaned on its own, and runs of blank lines shrink to one."""
    lines = [
        clean_text(line) for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def _ascii_domain(domain: str) -> str | None:
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    domain = domain.lower()
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not _TLD.fullmatch(labels[-1]):
        return None
    return domain if all(_LABEL.fullmatch(label) for label in labels) else None


def is_valid_email(value: object) -> bool:
    """Strict syntax check of an address exactly as given (no trimming, no ``mailto:``).

    ASCII dot-atom local part (no quoted strings, no comments), a DNS domain with at least two
    labels and an alphabetic (or punycode) top-level label; internationalised domains are
    accepted. No DNS lookup.
    """
    if not isinstance(value, str) or len(value) > 254 or value.count("@") != 1:
        return False
    local, domain = value.split("@")
    return len(local) <= 64 and bool(_LOCAL.fullmatch(local)) and _ascii_domain(domain) is not None


def normalize_email(value: object) -> str | None:
    """The canonical form of an address, or None if it is not a valid one.

    Trims, drops a leading ``mailto:`` and invisible characters, and lower-cases the whole
    address (local parts are case-insensitive in practice; one form keeps lookups and
    de-duplication simple). The result always passes :func:`is_valid_email`.
    """
    if not isinstance(value, str) or len(value) > 1000:
        return None
    value = clean_text(value)
    if value[:7].lower() == "mailto:":
        value = value[7:].strip()
    value = value.lower()
    return value if is_valid_email(value) else None


def with_name(summary: str, name: str | None) -> str:
    """A meeting's title as one side reads it: "Meeting" → "Meeting with Grace Hopper". A
    summary that already names them ("Meeting with Grace Hopper", "Call: Grace Hopper")
    stays as it is, so nothing reads "… with Grace Hopper with Grace Hopper"."""
    who = clean_text(name or "")
    if not who or who.casefold() in clean_text(summary or "").casefold():
        return summary
    return f"{summary} with {who}"
