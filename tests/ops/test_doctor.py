"""`schedlink doctor` through the command line: what is wrong is named with its fix, and the
exit status says whether anything must be fixed."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from mail_server import free_port

from backend import db
from backend.cli import main

STRONG = "kY3v9Qm2Lx8Zr5Tb7Wn4Hc6Jp1Fs0Dg-AeUoIiEyRtWq_"


@pytest.fixture
def env(database_url, tmp_path, monkeypatch):
    db.migrate(database_url)
    for name, value in {
        "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": STRONG, "BASE_URL": "https://schedule.example.com",
    }.items():  # fmt: skip
        monkeypatch.setenv(f"SCHEDLINK_{name}", value)
    return monkeypatch


@pytest.fixture
def smtp_server():
    class Keep:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port
    controller.stop()


def _doctor(*args):
    return CliRunner().invoke(main, ["doctor", *args])


def test_a_sound_configuration_has_no_problems(env, smtp_server):
    env.setenv("SCHEDLINK_SMTP_HOST", "127.0.0.1")
    env.setenv("SCHEDLINK_SMTP_PORT", str(smtp_server))
    env.setenv("SCHEDLINK_GOOGLE_CLIENT_ID", "id")
    env.setenv("SCHEDLINK_GOOGLE_CLIENT_SECRET", "secret")
    result = _doctor()
    assert result.exit_code == 0, result.output
    assert "[ok] SMTP: 127.0.0.1" in result.output
    assert "[ok] secret key" in result.output
    assert "[ok] migrations: at head" in result.output
    assert "0 problem(s)" in result.output


def test_weak_secret_http_base_url_and_unreachable_smtp_are_problems(env):
    env.setenv("SCHEDLINK_SECRET_KEY", "changeme")
    env.setenv("SCHEDLINK_BASE_URL", "http://schedule.example.com")
    env.setenv("SCHEDLINK_SMTP_HOST", "127.0.0.1")
    env.setenv("SCHEDLINK_SMTP_PORT", str(free_port()))  # nothing listens there
    result = _doctor()
    assert result.exit_code == 1
    out = result.output
    assert "[PROBLEM] secret key: SCHEDLINK_SECRET_KEY is weak: it is 8 characters long" in out
    assert "[PROBLEM] base URL: http://schedule.example.com is plain http" in out
    assert "[PROBLEM] SMTP: 127.0.0.1:" in out and "not reachable" in out
    assert "fix: set it to a new random value" in out
    assert "fix: serve HTTPS" in out
    assert "3 problem(s)" in out


def test_allow_lists_tls_files_and_providers(env, tmp_path):
    env.setenv("SCHEDLINK_OUTBOUND_ALLOW", "0.0.0.0/0,169.254.0.0/16,caldav.corp.example")
    env.setenv("SCHEDLINK_OUTBOUND_CA_FILE", str(tmp_path / "missing.pem"))
    env.setenv("SCHEDLINK_ZOOM_CLIENT_ID", "only-the-id")
    env.setenv("SCHEDLINK_METRICS_ALLOW", "127.0.0.1,not-an-address")
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    result = _doctor("--certfile", str(cert))
    assert result.exit_code == 1
    out = result.output
    assert "0.0.0.0/0 lets users' URLs reach every address" in out
    assert "169.254.0.0/16 lets users' URLs reach 169.254.169.254" in out
    assert "caldav.corp.example" not in out  # a host name is a fine entry
    assert f"[PROBLEM] TLS: cannot use {cert}" in out
    assert "SCHEDLINK_OUTBOUND_CA_FILE" in out
    assert "Zoom: SCHEDLINK_ZOOM_CLIENT_SECRET is missing" in out
    assert "'not-an-address' is not an address" in out
    assert "[warning] SMTP: no SMTP server" in out


def test_a_generated_key_is_a_warning_for_several_machines(env):
    env.delenv("SCHEDLINK_SECRET_KEY")
    result = _doctor()
    assert "[warning] secret key: generated and kept in instance/secret_key" in result.output
