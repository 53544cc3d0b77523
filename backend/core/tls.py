"""TLS contexts with TLS 1.2 as the floor: for the server (`schedlink serve --certfile`) and
for outbound SMTP (`backend.core.outbound` sets the same floor for HTTPS to providers and feeds).
Python >= 3.10 already defaults to 1.2; saying it here keeps a future default, a cipher
override or a copied snippet from weakening it."""

from __future__ import annotations

import ssl

MINIMUM = ssl.TLSVersion.TLSv1_2


def harden(context: ssl.SSLContext) -> ssl.SSLContext:
    context.minimum_version = MINIMUM
    return context


def client_context(cafile: str | None = None) -> ssl.SSLContext:
    """Verifies certificates and host names, refuses anything older than TLS 1.2."""
    return harden(ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile))


def server_context(certfile: str, keyfile: str | None) -> ssl.SSLContext:
    context = harden(ssl.create_default_context(ssl.Purpose.CLIENT_AUTH))
    context.load_cert_chain(certfile, keyfile)
    return context
