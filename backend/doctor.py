"""`schedlink doctor`: the configuration checked the way an operator would check it by hand,
each finding with what to do about it. Flask-free: it reads the config dict that
`config.from_environment` makes and talks to the database and the SMTP server directly."""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from .core import tls

PROBLEM, WARNING, OK = "problem", "warning", "ok"
# Keys people type when they mean "I'll change it later".
_PLACEHOLDERS = ("secret", "changeme", "change-me", "password", "schedlink", "example", "dev")
_METADATA = ipaddress.ip_address("169.254.169.254")  # cloud instance credentials live here


@dataclass(frozen=True)
class Finding:
    level: str  # problem | warning | ok
    topic: str
    message: str
    fix: str = ""

    def line(self) -> str:
        mark = {PROBLEM: "PROBLEM", WARNING: "warning", OK: "ok"}[self.level]
        text = f"[{mark}] {self.topic}: {self.message}"
        return f"{text}\n          fix: {self.fix}" if self.fix else text


def weak_key_reason(key: str) -> str | None:
    """Why a signing key is guessable, or None. Links and sessions are only as safe as it."""
    if len(key) < 32:
        return f"it is {len(key)} characters long (at least 32 random ones are needed)"
    if len(set(key)) < 12:
        return "it repeats a few characters; it does not look random"
    lowered = key.lower()
    for word in _PLACEHOLDERS:
        if word in lowered and len(key) < 2 * len(word) + 32:
            return f"it contains the placeholder word {word!r}"
    return None


_NEW_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'


def check_secret_key(config: dict, from_environment: bool) -> list[Finding]:
    findings = []
    reason = weak_key_reason(config["SECRET_KEY"])
    if reason:
        findings.append(Finding(
            PROBLEM, "secret key", f"SCHEDLINK_SECRET_KEY is weak: {reason}",
            f"set it to a new random value ({_NEW_KEY}) and move the old one to "
            "SCHEDLINK_SECRET_KEY_FALLBACKS until the links signed with it have expired",
        ))  # fmt: skip
    elif not from_environment:
        findings.append(Finding(
            WARNING, "secret key", "generated and kept in instance/secret_key",
            "fine for one machine; with several, set SCHEDLINK_SECRET_KEY to the same value "
            "on each (and back it up with the database)",
        ))  # fmt: skip
    else:
        findings.append(Finding(OK, "secret key", "long and random-looking"))
    for old in config["SECRET_KEY_FALLBACKS"]:
        if weak_key_reason(old):
            findings.append(Finding(
                WARNING, "secret key", "a key in SCHEDLINK_SECRET_KEY_FALLBACKS is weak; links "
                "signed with it can be forged while it is listed", "drop it once its links expired",
            ))  # fmt: skip
    return findings


def check_base_url(config: dict) -> list[Finding]:
    url = config["BASE_URL"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            Finding(
                PROBLEM,
                "base URL",
                f"SCHEDLINK_BASE_URL={url!r} is not an http(s) URL",
                "set it to the address people open, e.g. https://schedule.example.com",
            )
        ]
    if parts.query or parts.fragment:
        return [
            Finding(
                PROBLEM,
                "base URL",
                "SCHEDLINK_BASE_URL has a query or fragment",
                "use scheme, host and (optionally) port only",
            )
        ]
    if parts.scheme == "https":
        return [Finding(OK, "base URL", url)]
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    return [Finding(
        WARNING if local else PROBLEM, "base URL",
        f"{url} is plain http: booking links in e-mails, session cookies (not Secure) and "
        "passwords cross the network unencrypted" + (" (fine on this machine alone)" if local
                                                    else ""),
        "serve HTTPS (a proxy, or serve --certfile) and set SCHEDLINK_BASE_URL=https://…",
    )]  # fmt: skip


def check_smtp(config: dict, timeout: float = 5.0) -> list[Finding]:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    if not host:
        return [
            Finding(
                WARNING,
                "SMTP",
                "no SMTP server: confirmations, reminders and "
                "security notices are not e-mailed (they wait in the jobs table)",
                "set SCHEDLINK_SMTP_HOST (and _PORT, _USERNAME, _PASSWORD, _STARTTLS)",
            )
        ]
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=tls.client_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        return [
            Finding(
                PROBLEM,
                "SMTP",
                f"{host}:{port} is not reachable or refused us: "
                f"{type(exc).__name__}: {exc}".strip(),
                "check SCHEDLINK_SMTP_HOST/_PORT, the firewall, and the credentials",
            )
        ]
    return [Finding(OK, "SMTP", f"{host}:{port} answers" + (
        " (STARTTLS, signed in)" if config["SMTP_USERNAME"] else ""))]  # fmt: skip


def check_outbound_allow(config: dict) -> list[Finding]:
    findings = []
    for entry in config["OUTBOUND_ALLOW"]:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if "/" in entry or " " in entry or not entry.strip("."):
                findings.append(
                    Finding(
                        PROBLEM,
                        "outbound allow-list",
                        f"{entry!r} is neither an address nor a host name",
                        "fix the entry in SCHEDLINK_OUTBOUND_ALLOW",
                    )
                )
            continue
        if network.prefixlen == 0 or _METADATA in network:
            findings.append(Finding(
                PROBLEM, "outbound allow-list",
                f"{entry} lets users' URLs reach " + (
                    "every address" if network.prefixlen == 0 else
                    "169.254.169.254, where cloud instance credentials are served"),
                "list only the hosts or networks of the intranet servers you mean",
            ))  # fmt: skip
        elif network.prefixlen < (8 if network.version == 4 else 32):
            findings.append(
                Finding(
                    WARNING,
                    "outbound allow-list",
                    f"{entry} is very wide",
                    "narrow it to the servers you mean",
                )
            )
        elif network.is_global:
            findings.append(
                Finding(
                    WARNING,
                    "outbound allow-list",
                    f"{entry} is public: public addresses need no exception",
                    "remove it",
                )
            )
    if not findings:
        count = len(config["OUTBOUND_ALLOW"])
        findings.append(
            Finding(
                OK, "outbound allow-list", f"{count} exception(s)" if count else "no exceptions"
            )
        )
    return findings


def check_tls_files(config: dict, certfile: str | None, keyfile: str | None) -> list[Finding]:
    findings = []
    if certfile:
        try:
            tls.server_context(certfile, keyfile)
            findings.append(Finding(OK, "TLS", f"{certfile} and its key load"))
        except (OSError, ValueError, ssl.SSLError) as exc:
            findings.append(
                Finding(
                    PROBLEM,
                    "TLS",
                    f"cannot use {certfile}: {exc}",
                    "check the paths, the permissions and that the key matches",
                )
            )
    ca_file = config.get("OUTBOUND_CA_FILE")
    if ca_file:
        try:
            ssl.create_default_context(cafile=ca_file)
            findings.append(Finding(OK, "TLS", f"SCHEDLINK_OUTBOUND_CA_FILE {ca_file} loads"))
        except (OSError, ssl.SSLError) as exc:
            findings.append(
                Finding(
                    PROBLEM,
                    "TLS",
                    f"SCHEDLINK_OUTBOUND_CA_FILE: {exc}",
                    "point it at a readable PEM file of CA certificates",
                )
            )
    return findings


def check_providers(config: dict, prefixes: dict[str, str]) -> list[Finding]:
    """`prefixes`: provider name -> config prefix (GOOGLE, …)."""
    findings, configured = [], []
    for name, prefix in prefixes.items():
        has_id = bool(config.get(f"{prefix}_CLIENT_ID"))
        has_secret = bool(config.get(f"{prefix}_CLIENT_SECRET"))
        if has_id and has_secret:
            configured.append(name)
        elif has_id or has_secret:
            missing = "CLIENT_SECRET" if has_id else "CLIENT_ID"
            findings.append(
                Finding(
                    PROBLEM,
                    "providers",
                    f"{name}: SCHEDLINK_{prefix}_{missing} is missing, so it is not offered",
                    f"set SCHEDLINK_{prefix}_{missing} or remove the other",
                )
            )
    if configured:
        findings.append(Finding(OK, "providers", ", ".join(configured)))
    else:
        findings.append(
            Finding(
                WARNING,
                "providers",
                "no OAuth provider configured: hosts can use ICS feeds, CalDAV and Jitsi only",
                "register an OAuth client (docs/deployment.md) and set "
                "SCHEDLINK_<GOOGLE|MICROSOFT|ZOOM|GOTO>_CLIENT_ID/_SECRET",
            )
        )
    return findings


def check_addresses(config: dict) -> list[Finding]:
    findings = []
    for key in ("TRUSTED_PROXIES", "METRICS_ALLOW"):
        for entry in config.get(key) or []:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                findings.append(
                    Finding(
                        PROBLEM,
                        key.lower().replace("_", " "),
                        f"{entry!r} is not an address or network",
                        f"fix SCHEDLINK_{key}",
                    )
                )
    if config.get("LOG_FORMAT") not in ("plain", "json"):
        findings.append(
            Finding(
                PROBLEM,
                "logs",
                "SCHEDLINK_LOG_FORMAT is neither plain nor json",
                "set it to plain or json",
            )
        )
    return findings


def run_checks(
    config: dict, sessions, *, key_from_environment: bool, certfile=None, keyfile=None
) -> list[Finding]:
    from .connections.providers import config_keys

    prefixes = {
        key.removesuffix("_CLIENT_ID").title(): key.removesuffix("_CLIENT_ID")
        for key in config_keys()
        if key.endswith("_CLIENT_ID")
    }
    return [
        *check_secret_key(config, key_from_environment),
        *check_base_url(config),
        *check_database(sessions),
        *check_smtp(config),
        *check_outbound_allow(config),
        *check_tls_files(config, certfile, keyfile),
        *check_providers(config, prefixes),
        *check_addresses(config),
    ]


def check_database(sessions) -> list[Finding]:
    from . import health

    checks = health.readiness(sessions).checks
    findings = []
    for name in ("database", "migrations"):
        if name in checks and checks[name] != "ok":
            findings.append(
                Finding(
                    PROBLEM,
                    name,
                    checks[name],
                    "check SCHEDLINK_DATABASE_URL"
                    if name == "database"
                    else "run `schedlink migrate`",
                )
            )
        elif name in checks:
            findings.append(Finding(OK, name, "reachable" if name == "database" else "at head"))
    return findings
