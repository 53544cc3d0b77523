"""The SSRF-guarded outbound client against real local servers (HTTP and HTTPS)."""

from __future__ import annotations

import http.server
import ipaddress
import ssl
import threading
import time

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st

from backend.core.outbound import Outbound, OutboundError, OutboundRefused, Policy


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/big":
            body = b"x" * 2_000_000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/slow":
            time.sleep(2)
            self.send_response(200)
            self.end_headers()
        else:
            body = b'{"ok": true, "path": "%s"}' % self.path.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Echo-UA", self.headers.get("User-Agent", ""))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        self.send_response(201)
        self.send_header("Content-Type", self.headers.get("Content-Type", ""))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def local_http():
    server = _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler))
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def tls_ca():
    return trustme.CA()


def _https_server(ca, *, max_version=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    if max_version is not None:
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = max_version
        context.set_ciphers("DEFAULT@SECLEVEL=0")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return _serve(server)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "https://10.1.2.3/",
        "https://192.168.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fe80::1]/",
        "https://2130706433/",
        "https://127.1/",
        "https://0x7f.0.0.1/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://10.0.0.1./hook",
        "https://127.0.0.1../",
        "https://%31%30.0.0.1/",
        "https://\uff11\uff10.0.0.1/",
        "https://10\u30020\u30020\u30021/",
        "https://[fe80::1%25eth0]/",
        "https://localhost/x.ics",
        "https://LocalHost./x",
        "https://feeds.localhost/x",
        "https://localhost.localdomain/",
        "https://ip6-localhost/",
    ],
)
def test_literal_private_and_local_addresses_are_refused_when_stored(url):
    with pytest.raises(OutboundRefused):
        Outbound().check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://example.com/feed.ics",
        "https://user:secret@example.com/",
        "https:///no-host",
        "https://example.com:99999/",
        "//example.com/",
        "https://example.com/" + "a" * 3000,
    ],
)
def test_only_absolute_https_urls_without_credentials(url):
    with pytest.raises(OutboundRefused):
        Outbound().check_url(url)


def test_public_https_names_pass_the_stored_check_without_resolving():
    assert Outbound().check_url("https://calendar.example.com/feed.ics")
    assert Outbound().check_url("https://calendar.example.com./feed.ics")
    assert Outbound().check_url("https://localhost.example.com/feed.ics")
    assert Outbound().check_url("https://8.8.8.8./")


def test_the_allow_list_admits_hosts_and_networks_and_plain_http_for_them():
    outbound = Outbound(["127.0.0.0/8", "caldav.internal", "localhost"])
    assert outbound.check_url("http://127.0.0.1:5232/")
    assert outbound.check_url("http://127.0.0.1.:5232/")
    assert outbound.check_url("http://caldav.internal/dav/")
    assert outbound.check_url("http://caldav.internal./dav/")
    assert outbound.check_url("http://localhost:5232/")
    with pytest.raises(OutboundRefused):
        outbound.check_url("http://other.localhost/")
    with pytest.raises(OutboundRefused):
        outbound.check_url("http://10.0.0.1/")


def test_a_request_reaches_an_allowed_local_server(local_http):
    answer = Outbound(["127.0.0.1"]).request("GET", f"{local_http}/feed")
    assert answer.status == 200
    assert answer.json() == {"ok": True, "path": "/feed"}
    assert answer.headers["x-echo-ua"].startswith("schedlink")


def test_json_and_form_bodies(local_http):
    outbound = Outbound(["127.0.0.1"])
    sent = outbound.request("POST", f"{local_http}/x", json={"a": [1, "é"]})
    assert sent.status == 201 and sent.json() == {"a": [1, "é"]}
    assert sent.headers["content-type"] == "application/json"
    form = outbound.request("POST", f"{local_http}/x", form={"grant_type": "code", "q": "a b&c"})
    assert form.text() == "grant_type=code&q=a+b%26c"


def test_a_request_leaves_in_one_piece_and_the_connection_is_reused():
    """Request line, headers and body go out in one send (one segment on loopback), and
    the next request to the same host rides the same kept-alive connection."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    reads, connections = [], []

    def serve():
        conn, _ = listener.accept()
        connections.append(conn)
        conn.settimeout(5)
        for _ in range(2):
            data = conn.recv(65536)  # one read: whatever arrived in the first segment
            reads.append(data)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    time.sleep(0.05)
    outbound = Outbound(["127.0.0.1"])
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    body = b'{"notification":{"type":"verification"}}'
    for _ in range(2):
        assert outbound.request("POST", url, body=body, headers={"X-A": "1"}).body == b"ok"
    thread.join(5)
    listener.close()
    connections[0].close()
    assert len(connections) == 1 and len(reads) == 2
    for data in reads:
        assert data.startswith(b"POST /hook HTTP/1.1\r\n") and data.endswith(b"\r\n\r\n" + body)


def test_loopback_is_refused_at_send_time_unless_allowed(local_http):
    with pytest.raises(OutboundRefused):
        Outbound().request("GET", local_http.replace("http://", "https://"))


def test_a_name_that_resolves_to_a_private_address_is_refused(local_http):
    # "localhost" is refused as stored now; the send-time check on what a name resolves to
    # is the one that catches every other name (resolved here without the stored check).
    port = local_http.rsplit(":", 1)[1]
    outbound = Outbound(["10.0.0.0/8"])
    with pytest.raises(OutboundRefused, match="this machine"):
        outbound.check_url(f"https://localhost:{port}/")
    with pytest.raises(OutboundRefused, match="private or local"):
        outbound.policy.resolve("localhost", int(port))
    # Listing the address (not only the name) admits every name that resolves to it.
    assert Outbound(["127.0.0.1"]).request("GET", f"http://127.0.0.1:{port}/").status == 200


def test_redirects_are_answered_never_followed(local_http):
    answer = Outbound(["127.0.0.1"]).request("GET", f"{local_http}/redirect")
    assert answer.status == 302
    assert answer.headers["location"].startswith("http://169.254.169.254")


def test_answers_are_capped(local_http):
    with pytest.raises(OutboundError, match="larger than"):
        Outbound(["127.0.0.1"]).request("GET", f"{local_http}/big", max_body=1_000_000)


def test_slow_servers_time_out(local_http):
    with pytest.raises(OutboundError, match="within"):
        Outbound(["127.0.0.1"], timeout=0.5).request("GET", f"{local_http}/slow")


def test_connection_refused_is_a_retryable_error():
    outbound = Outbound(["127.0.0.1"])
    with pytest.raises(OutboundError) as caught:
        outbound.request("GET", "http://127.0.0.1:9/")
    assert not isinstance(caught.value, OutboundRefused)


def test_https_verifies_the_certificate(tls_ca, tmp_path):
    server = _https_server(tls_ca)
    try:
        url = f"https://127.0.0.1:{server.server_port}/x"
        with pytest.raises(OutboundError, match="secure connection"):
            Outbound(["127.0.0.1"]).request("GET", url)  # not signed by a trusted CA
        ca_file = tmp_path / "ca.pem"
        tls_ca.cert_pem.write_to_path(str(ca_file))
        answer = Outbound(["127.0.0.1"], ca_file=str(ca_file)).request("GET", url)
        assert answer.status == 200
    finally:
        server.shutdown()


def test_tls_below_1_2_is_refused(tls_ca, tmp_path):
    try:
        server = _https_server(tls_ca, max_version=ssl.TLSVersion.TLSv1_1)
    except ssl.SSLError as exc:  # an OpenSSL built without TLS 1.1 cannot even offer it
        pytest.skip(f"this OpenSSL cannot serve TLS 1.1: {exc}")
    ca_file = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_file))
    try:
        outbound = Outbound(["127.0.0.1"], ca_file=str(ca_file))
        with pytest.raises(OutboundError, match="secure connection"):
            outbound.request("GET", f"https://127.0.0.1:{server.server_port}/x")
    finally:
        server.shutdown()


PRIVATE_NETS = [
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "::ffff:127.0.0.0/104",
]  # fmt: skip


@given(st.sampled_from(PRIVATE_NETS), st.integers(min_value=0))
def test_no_private_local_or_reserved_address_is_ever_allowed(net, offset):
    network = ipaddress.ip_network(net)
    ip = network[offset % network.num_addresses]
    url_host = f"[{ip}]" if ip.version == 6 else str(ip)
    # Policy is what Outbound.check_url applies (without building a TLS context each time).
    with pytest.raises(OutboundRefused):
        Policy().check_url(f"https://{url_host}/")
    # ...and listing the network is what lets it through (a mapped address is its IPv4 one).
    listed = "127.0.0.0/8" if net.startswith("::ffff:") else net
    assert Policy([listed]).check_url(f"https://{url_host}/")


def _spellings(ip: ipaddress.IPv4Address, style: int, dots: int) -> str:
    """One of the ways a resolver or URL parser reads as this IPv4 address."""
    n, octets = int(ip), [int(o) for o in str(ip).split(".")]
    host = [
        str(ip),
        str(n),  # one decimal number
        hex(n),  # one hex number
        ".".join(f"0{o:o}" for o in octets),  # octal parts
        "".join(f"%{ord(c):02x}" for c in str(ip)),  # percent-encoded
        "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in str(ip)),  # fullwidth
        str(ip).replace(".", "\u3002"),  # ideographic full stops
        f"{octets[0]}.{n & 0xFFFFFF}",  # a.b where b holds three octets
    ][style]
    return host + "." * dots


IPV4_PRIVATE = [n for n in PRIVATE_NETS if ":" not in n]


@given(
    st.sampled_from(IPV4_PRIVATE),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=7),
    st.integers(min_value=0, max_value=2),
)
def test_no_spelling_of_a_private_address_passes_when_stored(net, offset, style, dots):
    network = ipaddress.ip_network(net)
    ip = network[offset % network.num_addresses]
    url = f"https://{_spellings(ip, style, dots)}/hook"
    with pytest.raises(OutboundRefused):
        Policy().check_url(url)
    assert Policy([net]).check_url(url), "listing the network lets every spelling through"


@given(
    st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True), max_size=3),
    st.sampled_from(["localhost", "LOCALHOST", "LocalHost"]),
    st.integers(min_value=0, max_value=1),
)
def test_localhost_names_are_refused_when_stored_unless_listed(labels, name, dot):
    host = ".".join([*labels, name]) + "." * dot
    with pytest.raises(OutboundRefused):
        Policy().check_url(f"https://{host}/x.ics")
    assert Policy([host.lower().rstrip(".")]).check_url(f"https://{host}/x.ics")


def _embedded(v4: ipaddress.IPv4Address, form: str, low: int) -> ipaddress.IPv6Address:
    """An IPv6 address that carries (and routes to) `v4`; `low` fills the free bits."""
    n = int(v4)
    value = {
        "mapped": (0xFFFF << 32) | n,  # ::ffff:a.b.c.d
        "compatible": n,  # ::a.b.c.d (deprecated)
        "translated": (0xFFFF << 48) | n,  # ::ffff:0:a.b.c.d (SIIT)
        "nat64": (0x64FF9B << 96) | n,  # 64:ff9b::a.b.c.d
        "nat64-local": (0x64FF9B0001 << 80) | (low & (2**48 - 1)) << 32 | n,  # 64:ff9b:1::/48
        "6to4": (0x2002 << 112) | (n << 80) | (low & (2**80 - 1)),  # 2002:aabb:ccdd::/48
        # Teredo 2001:0:<server>:<flags>:<port>:<client XOR 1s>, the IPv4 in either place.
        "teredo-server": (0x20010000 << 96) | (n << 64) | (low & (2**64 - 1)),
        "teredo-client": (0x20010000 << 96)
        | (int(ipaddress.IPv4Address("65.54.227.120")) << 64)
        | (low & (2**32 - 1)) << 32
        | (~n & 0xFFFFFFFF),
    }[form]
    return ipaddress.IPv6Address(value)


EMBEDDING = [
    "mapped", "compatible", "translated", "nat64", "nat64-local", "6to4", "teredo-server",
    "teredo-client",
]  # fmt: skip


@given(
    st.sampled_from(IPV4_PRIVATE),
    st.integers(min_value=0),
    st.sampled_from(EMBEDDING),
    st.integers(min_value=0),
)
def test_no_ipv6_form_that_embeds_a_private_ipv4_passes_when_stored_or_sent(net, offset, form, low):
    network = ipaddress.ip_network(net)
    v4 = network[offset % network.num_addresses]
    ip = _embedded(v4, form, low)
    with pytest.raises(OutboundRefused):
        Policy().check_url(f"https://[{ip}]/hook")
    # At send time the name's answers are judged: a literal resolves to itself.
    with pytest.raises(OutboundRefused):
        Policy().resolve(str(ip), 443)
    # SCHEDLINK_OUTBOUND_ALLOW still admits what it lists (a mapped address is its IPv4 one).
    listed = str(v4) if form == "mapped" else str(ip)
    assert Policy([listed]).check_url(f"https://[{ip}]/hook")
    assert Policy([listed]).resolve(str(ip), 443)


SPECIAL_V6 = [
    "::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001::/23",
    "2001:db8::/32", "3fff::/20", "fec0::/10", "5f00::/16",
]  # fmt: skip


@given(st.sampled_from(SPECIAL_V6), st.integers(min_value=0))
def test_deprecated_and_special_ipv6_ranges_are_refused_whatever_they_carry(net, offset):
    network = ipaddress.ip_network(net)
    ip = network[offset % network.num_addresses]
    with pytest.raises(OutboundRefused):
        Policy().check_url(f"https://[{ip}]/hook")
    with pytest.raises(OutboundRefused):
        Policy().resolve(str(ip), 443)
    assert Policy([net]).check_url(f"https://[{ip}]/hook")


@pytest.mark.parametrize(
    "host",
    [
        "::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::7f00:1", "64:ff9b::a00:1",
        "64:ff9b:1::808:808", "2002:7f00:1::1", "2002:a9fe:a9fe::", "2001::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2", "fec0::1", "2001:db8::1", "100::1", "::8.8.8.8",
    ],
)  # fmt: skip
def test_ipv6_forms_of_local_addresses_named_in_the_report_are_refused(host):
    with pytest.raises(OutboundRefused):
        Policy().check_url(f"https://[{host}]/")
    with pytest.raises(OutboundRefused):
        Policy().resolve(host, 443)


def test_nat64_and_6to4_of_a_public_ipv4_pass():
    """An IPv6-only server behind DNS64 sees every IPv4 host as 64:ff9b::a.b.c.d: those
    must keep working when the IPv4 inside is public."""
    for host in ("64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111"):
        assert Policy().check_url(f"https://[{host}]/hook")
        assert Policy().resolve(host, 443) == host
