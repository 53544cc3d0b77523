"""`schedlink serve --certfile/--keyfile` serves HTTPS itself with TLS 1.2 as the floor: a
client offering only TLS 1.1 (with ciphers that TLS 1.1 can use, so the refusal is about the
version — providers.md §5.2) gets a protocol-version alert; TLS 1.2 and 1.3 clients succeed
and get HSTS. Against the real server process."""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
import threading
import time
import warnings

import pytest
import trustme
from live_server import ROOT, SCHEDLINK, SECRET_KEY, free_port


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = tmp / "cert.pem", tmp / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "SCHEDLINK_DATABASE_URL": f"sqlite:///{tmp / 'schedlink.db'}",
        "SCHEDLINK_INSTANCE_PATH": str(tmp / "instance"),
        "SCHEDLINK_SECRET_KEY": SECRET_KEY,
        "SCHEDLINK_BASE_URL": f"https://127.0.0.1:{port}",
    }
    log = open(tmp / "server.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [*SCHEDLINK, "serve", "--port", str(port), "--workers", "1", "--no-job-worker",
         "--certfile", str(certfile), "--keyfile", str(keyfile)],
        env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError((tmp / "server.log").read_text()) from None
            time.sleep(0.2)
    yield port, ca
    process.terminate()
    process.wait(timeout=20)
    log.close()


def _handshake(port: int, version: ssl.TLSVersion, ca=None) -> str:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("DEFAULT@SECLEVEL=0")  # else our own client refuses first
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return tls.version()


def test_tls_1_1_only_client_is_refused_with_a_protocol_version_alert(tls_server):
    port, _ca = tls_server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1_1 is deprecated
        with pytest.raises(ssl.SSLError) as refused:
            _handshake(port, ssl.TLSVersion.TLSv1_1)
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refused.value


def test_the_tls_1_1_probe_does_connect_to_a_server_that_allows_it(tmp_path):
    """The control: the same probe gets through to a deliberately weak server, so the refusal
    above is the server's minimum version at work, not the client failing on its own."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    pem = tmp_path / "weak.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    weak = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        weak.minimum_version = ssl.TLSVersion.TLSv1
        weak.set_ciphers("DEFAULT@SECLEVEL=0")
        weak.load_cert_chain(str(pem))
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]

        def serve_one():
            conn, _ = listener.accept()
            try:
                with weak.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=serve_one, daemon=True)
        thread.start()
        try:
            assert _handshake(port, ssl.TLSVersion.TLSv1_1) == "TLSv1.1"
        finally:
            thread.join(timeout=10)
            listener.close()


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls_1_2_and_1_3_clients_succeed(tls_server, version):
    port, _ca = tls_server
    assert _handshake(port, version) == {"TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3"}[version.name]


def test_https_pages_send_hsts(tls_server):
    port, ca = tls_server
    context = ssl.create_default_context()
    ca.configure_trust(context)
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"


def test_outbound_client_context_refuses_below_tls_1_2():
    from backend.core.tls import client_context

    context = client_context()
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
