"""Configuration from SCHEDLINK_* environment variables, with single-machine defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .connections.providers import config_keys as oauth_config_keys

# The published Chrome build carries a fixed key (extension/manifest.json), hence this id.
DEFAULT_CHROME_EXTENSION_ID = "kdjlmnjmmlphkglgafoeiebaldecllhh"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"SCHEDLINK_{name}")
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    return int(raw) if raw is not None else default


def _list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in (_env(name, default) or "").split(",") if part.strip()]


def _persisted_secret(instance_path: Path) -> str:
    """A generated key kept under instance/, so links survive restarts with no set-up."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def from_environment(instance_path: Path) -> dict:
    # Owner-only when we create it: it holds the database and the generated secret key.
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    default_db = f"sqlite:///{instance_path / 'schedlink.db'}"
    secret = _env("SECRET_KEY") or _persisted_secret(instance_path)
    extension_origins = [f"chrome-extension://{DEFAULT_CHROME_EXTENSION_ID}"]
    return {
        "DATABASE_URL": _env("DATABASE_URL", default_db),
        "SECRET_KEY": secret,
        # Old keys still verify links and sessions until removed (newest signs).
        "SECRET_KEY_FALLBACKS": _list("SECRET_KEY_FALLBACKS"),
        # A host name, not 127.0.0.1: browsers refuse passkeys for an IP address.
        "BASE_URL": (_env("BASE_URL", "http://localhost:5000") or "").rstrip("/"),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 2_500_000),
        "MARKUP_MAX_BYTES": _int("MARKUP_MAX_BYTES", 1_048_576),
        "CORS_ORIGINS": _list("CORS_ORIGINS") or extension_origins,
        # Where a link may send the invitee after booking; none unless configured.
        "REDIRECT_ORIGINS": [o.lower().rstrip("/") for o in _list("REDIRECT_ORIGINS")],
        # Unset: counters in the app's database, shared by every worker process. Or any
        # storage URI of the `limits` library, e.g. redis://127.0.0.1:6379/0.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "schedlink-db://"),
        "RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "schedlink"),
        # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks).
        "TRUSTED_PROXIES": _list("TRUSTED_PROXIES"),
        # Who may read /metrics (addresses or CIDR networks, as seen after trusted proxies).
        "METRICS_ALLOW": _list("METRICS_ALLOW", "127.0.0.1,::1"),
        # "plain" (gunicorn's access log) or "json" (one JSON object per request and job).
        "LOG_FORMAT": (_env("LOG_FORMAT", "plain") or "plain").lower(),
        # /readyz answers 503 when the database has not answered its check within this.
        "READY_TIMEOUT_MS": _int("READY_TIMEOUT_MS", 500),
        "RATELIMIT_BOOKING": _env("RATELIMIT_BOOKING", "20/minute"),
        "RATELIMIT_BOOKING_PER_LINK": _env("RATELIMIT_BOOKING_PER_LINK", "30/minute"),
        "RATELIMIT_LOGIN": _env("RATELIMIT_LOGIN", "10/minute"),
        # Wrong passwords for one account (the e-mail typed) from one client address; and for
        # one account from every address, beyond which only addresses that have not failed
        # for it may try (so a stranger cannot lock the owner out).
        "RATELIMIT_LOGIN_ACCOUNT": _env("RATELIMIT_LOGIN_ACCOUNT", "5/minute;20/hour"),
        "RATELIMIT_LOGIN_ACCOUNT_FAILURES": _env("RATELIMIT_LOGIN_ACCOUNT_FAILURES", "100/hour"),
        # Second-factor, sudo and password-change attempts per account; reset mails.
        "RATELIMIT_MFA": _env("RATELIMIT_MFA", "6 per 5 minutes"),
        "RATELIMIT_PASSWORD_RESET": _env("RATELIMIT_PASSWORD_RESET", "5 per hour"),
        # The extension's "Connect this browser" polling for its key, per client address.
        "RATELIMIT_BROWSER_CONNECT": _env("RATELIMIT_BROWSER_CONNECT", "90/minute"),
        "RATELIMIT_MARKUP_CHECKER": _env("RATELIMIT_MARKUP_CHECKER", "30/minute"),
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": _int("SMTP_PORT", 25),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env("SMTP_STARTTLS", "false") == "true",
        "MAIL_FROM": _env("MAIL_FROM", "schedlink <no-reply@schedlink.localhost>"),
        "BOOKING_WINDOW_DAYS": _int("BOOKING_WINDOW_DAYS", 14),
        "EVENTS_PAGE_SIZE": _int("EVENTS_PAGE_SIZE", 250),
        # The no-set-up conferencing service; point it at a self-hosted Jitsi where nobody
        # has to sign in (meet.jit.si asks one participant to).
        "JITSI_URL": _env("JITSI_URL", "https://meet.jit.si"),
        # How long a booking confirmation waits for its join link before going without it.
        "CONFERENCING_MAIL_WAIT": _int("CONFERENCING_MAIL_WAIT", 20),
        "AVAILABILITY_MAX_PERIODS": _int("AVAILABILITY_MAX_PERIODS", 50),
        "AVAILABILITY_MAX_SPAN_DAYS": _int("AVAILABILITY_MAX_SPAN_DAYS", 35),
        "SESSION_COOKIE_SECURE": _env("BASE_URL", "http://").startswith("https://"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "DEMO": _env("DEMO") == "true",
        # Who may create an account at /signup: "closed" (the CLI and invitations only),
        # "open", or a comma-separated list of e-mail domains.
        "SIGNUP": _env("SIGNUP", "closed"),
        # Webhooks: seconds before each attempt (Svix's schedule: 8 attempts over ~27.6 h),
        # the per-attempt timeout, and how many due messages a worker leases at once.
        "WEBHOOK_RETRY_SCHEDULE": [
            float(x) for x in _list("WEBHOOK_RETRY_SCHEDULE", "0,5,300,1800,7200,18000,36000,36000")
        ],
        "WEBHOOK_TIMEOUT": float(_env("WEBHOOK_TIMEOUT", "10") or 10),
        "WEBHOOK_BATCH": _int("WEBHOOK_BATCH", 50),
        # A channel failing this long (no success since the first failure) is disabled.
        "WEBHOOK_DISABLE_AFTER_HOURS": float(_env("WEBHOOK_DISABLE_AFTER_HOURS", "120") or 120),
        # Outbound calls (feeds, CalDAV, OAuth providers, webhooks) never reach private or
        # loopback addresses, except hosts/networks listed here (local test servers, intranet).
        "OUTBOUND_ALLOW": _list("OUTBOUND_ALLOW"),
        "OUTBOUND_CA_FILE": _env("OUTBOUND_CA_FILE"),
        # OAuth clients: SCHEDLINK_<GOOGLE|MICROSOFT|ZOOM|GOTO>_{CLIENT_ID,CLIENT_SECRET,
        # AUTHORIZE_URL,TOKEN_URL,API_URL}; endpoints default to the real services.
        **{key: _env(key) for key in oauth_config_keys()},
        # How often connected calendars are read again (a host can also "sync now").
        "CALENDAR_SYNC_SECONDS": _int("CALENDAR_SYNC_SECONDS", 300),
        # Enterprise Connect: the Microsoft app's certificate (PEM with its private key, or a
        # file holding it) for client_assertion instead of the client secret.
        "MICROSOFT_CERTIFICATE": _pem(_env("MICROSOFT_CERTIFICATE")),
    }


def _pem(value: str | None) -> str | None:
    """A PEM given inline, or the path of a file holding one."""
    if not value or "-----BEGIN" in value:
        return value
    with open(value, encoding="ascii") as handle:
        return handle.read()
