"""Accounts: sign-up and lookup, passwords, API keys. Flask-free."""

from .api_keys import account_for_api_key, active_api_keys, create_api_key, revoke_api_key
from .directory import (
    AccountError,
    EmailTaken,
    create_account,
    find_by_email,
    local_calendar,
    organization_named,
)
from .passwords import InvalidCredentials, authenticate, set_password

__all__ = [
    "AccountError", "EmailTaken", "InvalidCredentials", "account_for_api_key",
    "active_api_keys", "authenticate", "create_account", "create_api_key", "find_by_email",
    "local_calendar", "organization_named", "revoke_api_key", "set_password",
]  # fmt: skip
