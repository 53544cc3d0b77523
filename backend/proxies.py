"""Client addresses behind a reverse proxy: X-Forwarded-For and X-Forwarded-Proto are read
(with Werkzeug's ProxyFix) only when the peer is one of SCHEDLINK_TRUSTED_PROXIES; anyone
else's forwarding headers are ignored, so a client cannot choose its own rate-limit bucket.
"""

from __future__ import annotations

import ipaddress

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: list[str]) -> list[Network]:
    """'127.0.0.1', '10.0.0.0/8', '::1' → networks; a typo stops start-up with its name."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"SCHEDLINK_TRUSTED_PROXIES: {entry!r} is not an address") from None
    return networks


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests whose peer is trusted, nothing for others.

    Behind a chain of trusted proxies the client is the right-most X-Forwarded-For entry
    that is not itself a trusted proxy (entries to its left are whatever the client sent).
    """

    def __init__(self, wsgi_app, networks: list[Network]):
        self.wsgi_app = wsgi_app
        self.networks = networks
        self._fixers: dict[int, ProxyFix] = {}

    def trusted(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if not self.trusted(environ.get("REMOTE_ADDR")):
            return self.wsgi_app(environ, start_response)
        # What else a proxy says (X-Request-ID) is believed only from these peers too.
        environ["schedlink.trusted_proxy"] = True
        forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        hops = 1
        while hops < len(forwarded) and self.trusted(forwarded[-hops]):
            hops += 1
        fixer = self._fixers.get(hops)
        if fixer is None:
            fixer = self._fixers[hops] = ProxyFix(self.wsgi_app, x_for=hops, x_proto=1)
        return fixer(environ, start_response)


def init_app(app: Flask) -> None:
    networks = parse_networks(app.config.get("TRUSTED_PROXIES") or [])
    if networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)
