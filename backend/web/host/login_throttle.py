"""Sign-in throttling that a stranger cannot turn against the owner (OWASP's advice on
account lockout): wrong passwords are counted per (account, client address), so failures
from elsewhere never block the owner's own address, and per account from every address, a
higher limit beyond which only addresses that have not failed for this account may still
try. The per-address limit on all attempts (RATELIMIT_LOGIN) stays in the view.

Failures are tested before the password is checked and counted after it failed; parallel
guesses can pass the test together, which the per-address limit on all attempts bounds."""

from __future__ import annotations

import hashlib

from flask import current_app, request
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from ...core.text import normalize_email

PAIR_SCOPE = "login-failures"  # one account from one client address
ACCOUNT_SCOPE = "login-account-failures"  # one account from every address


def account_key(email: str) -> str:
    """One bucket per account however its address is spelled; hashed, so any input fits."""
    typed = email[:1000]
    canonical = normalize_email(typed) or typed.strip().lower()
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class LoginThrottle:
    def __init__(self, email: str):
        extension = current_app.extensions["schedlink.limiter"]
        self._strategy = extension.limiter
        self._prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
        self._pair_limits = parse_many(current_app.config["RATELIMIT_LOGIN_ACCOUNT"])
        self._account_limits = parse_many(current_app.config["RATELIMIT_LOGIN_ACCOUNT_FAILURES"])
        self._account = account_key(email)
        self._pair = f"{self._account}:{request.remote_addr or '-'}"

    def _ids(self, scope: str, key: str) -> tuple[str, ...]:
        return (self._prefix, scope, key)

    def _exhausted(self, limits, scope: str, key: str):
        return [item for item in limits if not self._strategy.test(item, *self._ids(scope, key))]

    def check(self) -> None:
        """429 when this address has failed too often for this account, or when the account
        has had too many failures overall and this address is one of those that failed."""
        blocked = self._exhausted(self._pair_limits, PAIR_SCOPE, self._pair)
        if not blocked:
            overall = self._exhausted(self._account_limits, ACCOUNT_SCOPE, self._account)
            if overall and self._has_failed_here():
                blocked = overall
        if blocked:
            seconds = max(item.get_expiry() for item in blocked)
            raise TooManyRequests(retry_after=seconds)

    def _has_failed_here(self) -> bool:
        return any(
            self._strategy.get_window_stats(item, *self._ids(PAIR_SCOPE, self._pair)).remaining
            < item.amount
            for item in self._pair_limits
        )

    def failed(self) -> None:
        for item in self._pair_limits:
            self._strategy.hit(item, *self._ids(PAIR_SCOPE, self._pair))
        for item in self._account_limits:
            self._strategy.hit(item, *self._ids(ACCOUNT_SCOPE, self._account))
