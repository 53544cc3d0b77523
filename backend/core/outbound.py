"""Outbound HTTP that cannot be pointed at our own network (SSRF): calendar feeds, CalDAV,
OAuth providers and webhook receivers are all URLs that users choose.

Every request is checked twice: the URL when it is stored (`check_url`: https only, no literal
private address in any spelling a resolver accepts, no localhost name — whatever is certain
to be refused later) and the resolved addresses when it is sent. An IPv6 address that
carries an IPv4 one (mapped, NAT64, 6to4, Teredo) is judged by the IPv4 inside as well, and
deprecated or special-purpose IPv6 ranges are refused outright. The connection goes to the address
that was checked (no second DNS lookup to rebind), TLS is 1.2 or newer with the host name
verified, redirects are answered, never followed, and answers are read up to a cap. Hosts and
networks in the allow list (`SCHEDLINK_OUTBOUND_ALLOW`: local test servers, an intranet CalDAV)
skip the address rule and may use plain http. Flask-free.
"""

from __future__ import annotations

import ipaddress
import json as jsonlib
import socket
import ssl
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import httpcore

USER_AGENT = "schedlink (+https://github.com/schedlink)"
MAX_URL = 2048


class OutboundError(Exception):
    """The request failed (network, timeout, TLS, too large an answer): worth retrying later."""


class OutboundRefused(OutboundError):
    """The URL or the address it resolves to is not allowed; retrying will not help."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return jsonlib.loads(self.body)
        except ValueError as exc:
            raise OutboundError(f"the answer (HTTP {self.status}) is not JSON") from exc


# Names that always mean this machine (RFC 6761 reserves localhost and every *.localhost; the
# others are the loopback entries of Debian's and Red Hat's /etc/hosts).
LOCAL_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6"}
)
# Full stops IDNA reads as "." (ideographic, fullwidth, halfwidth).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# IPv6 ranges refused whatever follows the prefix: deprecated ways of writing an IPv4 address
# and special-purpose blocks (IANA's IPv6 special-purpose registry) where no public server
# lives. Python's `is_global` misses several of them on the versions we run (3.11 says
# ::127.0.0.1 and fec0::1 are global), so they are listed here rather than trusted to it.
SPECIAL_V6 = tuple(
    ipaddress.IPv6Network(net)
    for net in (
        "::/96",  # IPv4-compatible (deprecated, RFC 4291 2.5.5.1), with :: and ::1
        "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765), reaches the IPv4 inside
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): translated to whatever the site says
        "100::/64",  # discard-only (RFC 6666)
        "2001::/23",  # IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
        "2001:db8::/32",  # documentation (RFC 3849)
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs (RFC 9602)
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated, RFC 3879): routed inside the site
        "ff00::/8",  # multicast
    )
)
# The well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 host it reaches.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and routes to: NAT64's last 32 bits, 6to4's
    gateway, Teredo's server and (de-obfuscated) client. Each must be allowed on its own."""
    found = []
    if ip in NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _address(value: str) -> Address | None:
    """An IP literal in any form a resolver accepts (127.1, 2130706433, ::ffff:127.0.0.1)."""
    value = value.strip("[]")
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        if not value or not all(c in "0123456789abcdefxABCDEFX." for c in value):
            return None
        try:
            ip = ipaddress.ip_address(socket.inet_aton(value))
        except OSError:
            return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def canonical_host(host: str) -> str:
    """The host as a resolver will see it: percent-decoded, NFKC (fullwidth digits), IDNA
    dots, lower case, without the trailing dot of a fully qualified name."""
    host = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).lower()
    return host.rstrip(".") if host.strip(".") else host


def _shown(host: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in host)[:200]


def is_local_name(host: str) -> bool:
    return host in LOCAL_NAMES or host.endswith(".localhost")


# Why a private address is refused, and the operator's way out, in every such refusal.
PRIVATE_REFUSED = (
    "schedlink does not connect to private, loopback or link-local addresses "
    "(an operator can allow hosts with SCHEDLINK_OUTBOUND_ALLOW)."
)


class Policy:
    """Which hosts and addresses may be contacted."""

    def __init__(self, allow: Iterable[str] = ()):
        self.hosts: set[str] = set()
        self.networks: list[Network] = []
        for item in allow:
            item = item.strip().lower()
            if not item:
                continue
            try:
                self.networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                self.hosts.add(item)

    def host_listed(self, host: str) -> bool:
        names = {host.lower(), canonical_host(host)}
        ip = _address(canonical_host(host))
        return bool(names & self.hosts) or (ip is not None and self._in_networks(ip))

    def _in_networks(self, ip: Address) -> bool:
        return any(ip in net for net in self.networks)

    def address_allowed(self, ip: Address) -> bool:
        if self._in_networks(ip):
            return True
        if ip.version == 4:
            return ip.is_global and not ip.is_multicast
        if any(ip in net for net in SPECIAL_V6):
            return False
        inside = embedded_ipv4(ip)
        if inside and not all(self.address_allowed(v4) for v4 in inside):
            return False
        if ip in NAT64:  # a DNS64 answer for a public IPv4 host: the IPv4 address decides
            return True
        return ip.is_global and not ip.is_multicast and not ip.is_reserved

    def check_url(self, url: str) -> str:
        if not isinstance(url, str) or not url or len(url) > MAX_URL:
            raise OutboundRefused("Enter an absolute https:// URL.")
        try:
            parts = urlsplit(url.strip())
        except ValueError as exc:
            raise OutboundRefused("Enter an absolute https:// URL.") from exc
        host = canonical_host(parts.hostname or "")
        if parts.scheme not in ("https", "http") or not host.strip("."):
            raise OutboundRefused("Enter an absolute https:// URL.")
        if parts.username is not None or parts.password is not None:
            raise OutboundRefused("Put credentials in their own fields, not in the URL.")
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise OutboundRefused("The URL's port is not a number from 1 to 65535.") from exc
        if self.host_listed(parts.hostname or ""):
            return url.strip()
        # The address is judged before the scheme, so a private http:// URL is told why it
        # is refused rather than only to use https.
        if is_local_name(host):
            raise OutboundRefused(f"{_shown(host)} names this machine; {PRIVATE_REFUSED}")
        ip = _address(host)
        if ip is not None and not self.address_allowed(ip):
            raise OutboundRefused(
                f"{_shown(host)} is a private or local address; {PRIVATE_REFUSED}"
            )
        if parts.scheme == "http":
            raise OutboundRefused(
                "Only https:// URLs are allowed (plain http:// only for hosts an operator "
                "lists in SCHEDLINK_OUTBOUND_ALLOW)."
            )
        return url.strip()

    def resolve(self, host: str, port: int) -> str:
        """The address to connect to: every answer for the name must be allowed."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise OutboundError(f"{host} could not be found (DNS).") from exc
        addresses = [_address(info[4][0]) for info in infos]
        if self.host_listed(host):
            return str(addresses[0])
        for ip in addresses:
            if ip is None or not self.address_allowed(ip):
                raise OutboundRefused(
                    f"{host} points to a private or local address ({ip}); {PRIVATE_REFUSED}"
                )
        return str(addresses[0])


class _Coalescing(httpcore.NetworkStream):
    """Holds what httpcore writes until it reads: the request line, headers and a small body
    leave in one send (one TCP segment) instead of one per part, which halves the syscalls
    and the receiver's wake-ups per request. Errors still surface as httpcore's WriteError."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream
        self._pending: list[bytes] = []
        self._timeout: float | None = None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._pending.append(buffer)
            self._timeout = timeout

    def _flush(self) -> None:
        if self._pending:
            data, self._pending = b"".join(self._pending), []
            self._stream.write(data, timeout=self._timeout)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._flush()
        return self._stream.read(max_bytes, timeout=timeout)

    def close(self) -> None:
        self._pending = []
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        self._flush()
        tls = self._stream.start_tls(ssl_context, server_hostname=server_hostname, timeout=timeout)
        return _Coalescing(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the checked address; httpcore still does TLS (SNI, certificate) by name."""

    def __init__(self, policy: Policy):
        self._policy = policy
        self._sync = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = self._policy.resolve(host, port)
        return _Coalescing(self._sync.connect_tcp(
            address, port, timeout=timeout, local_address=local_address,
            socket_options=socket_options,
        ))  # fmt: skip

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise OutboundRefused("Unix sockets are not allowed.")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    if ca_file is None:
        return _system_tls_context()
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@cache
def _system_tls_context() -> ssl.SSLContext:
    # Loading the system's trust store costs ~20 ms; every app (and its pool) shares one, which
    # nothing changes after this.
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class Outbound:
    """A small HTTP client with the rules above; one per app, safe to share between threads."""

    def __init__(
        self, allow: Iterable[str] = (), *, timeout: float = 10.0, ca_file: str | None = None
    ):
        self.policy = Policy(allow)
        self.timeout = timeout
        self._pool = httpcore.ConnectionPool(
            ssl_context=tls_context(ca_file),
            network_backend=_PinnedBackend(self.policy),
            max_connections=20,
            keepalive_expiry=30,
        )

    def check_url(self, url: str) -> str:
        return self.policy.check_url(url)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        max_body: int = 1_048_576,
        timeout: float | None = None,
    ) -> Response:
        url = self.check_url(url)
        sent = {"user-agent": USER_AGENT, "accept-encoding": "identity"}
        sent.update({k.lower(): v for k, v in (headers or {}).items()})
        if form is not None:
            body = urlencode(form).encode()
            sent.setdefault("content-type", "application/x-www-form-urlencoded")
        elif json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            sent.setdefault("content-type", "application/json")
        limit = timeout or self.timeout
        deadline = time.monotonic() + limit
        timeouts = {"connect": limit, "read": limit, "write": limit, "pool": limit}
        try:
            with self._pool.stream(
                method.upper(), url, headers=list(sent.items()), content=body,
                extensions={"timeout": timeouts},
            ) as answer:  # fmt: skip
                chunks, size = [], 0
                for chunk in answer.iter_stream():
                    size += len(chunk)
                    if size > max_body:
                        raise OutboundError(f"the answer is larger than {max_body} bytes")
                    if time.monotonic() > deadline:
                        raise OutboundError(f"no complete answer within {limit:g} s")
                    chunks.append(chunk)
                names = {
                    k.decode("latin-1").lower(): v.decode("latin-1") for k, v in answer.headers
                }
                return Response(answer.status, names, b"".join(chunks))
        except OutboundError:
            raise
        except httpcore.TimeoutException as exc:
            raise OutboundError(f"no answer within {limit:g} s") from exc
        except (httpcore.ConnectError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            if isinstance(exc.__cause__ or exc, ssl.SSLError) or "SSL" in reason:
                raise OutboundError(f"secure connection failed: {reason}") from exc
            raise OutboundError(f"could not connect: {reason}") from exc
        except httpcore.UnsupportedProtocol as exc:
            raise OutboundRefused("Enter an absolute https:// URL.") from exc
        except httpcore.ProtocolError as exc:
            raise OutboundError(f"the server broke the HTTP protocol: {exc}") from exc
        except httpcore.NetworkError as exc:
            raise OutboundError(f"the connection failed: {exc}") from exc

    def close(self) -> None:
        self._pool.close()
