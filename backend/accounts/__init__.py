"""Accounts: sign-up and lookup, the profile, passwords, API keys, server-side sessions and
multi-factor authentication (TOTP, recovery codes, passkeys). Flask-free."""

from . import passkeys, sessions
from .api_keys import (
    account_for_api_key,
    active_api_keys,
    api_key_for,
    create_api_key,
    record_api_key_use,
    revoke_api_key,
    use_record_due,
)
from .directory import (
    AccountError,
    EmailTaken,
    create_account,
    find_by_email,
    local_calendar,
    organization_named,
)
from .element_tokens import (
    PERMISSIONS as ELEMENT_PERMISSIONS,
)
from .element_tokens import (
    ElementTokenError,
    create_element_token,
    element_token_for,
    element_token_to_dict,
    live_element_tokens,
    revoke_element_token,
    revoke_element_tokens,
)
from .keys import Keys, KeysError, TokenExpired, TokenInvalid
from .mfa import check_code, disable_mfa, locked_account, mfa_enabled, passkey_count
from .notices import notify
from .passkeys import PasskeyError
from .passwords import (
    MIN_PASSWORD,
    InvalidCredentials,
    account_for_reset_token,
    authenticate,
    change_password,
    check_new_password,
    hash_password,
    reset_token,
    set_password,
    verify_password,
)
from .profile import (
    HOUR_FORMATS,
    apply_email_change,
    cancel_email_change,
    email_change_target,
    email_change_token,
    profile_fields,
    request_email_change,
    update_profile,
)
from .recovery import new_recovery_codes, remaining_recovery_codes
from .totp import (
    begin_enrolment,
    confirm_enrolment,
    pending_secret,
    provisioning_uri,
    qr_data_uri,
)

__all__ = [
    "HOUR_FORMATS", "MIN_PASSWORD", "AccountError", "EmailTaken", "InvalidCredentials",
    "Keys", "KeysError", "PasskeyError", "TokenExpired", "TokenInvalid",
    "account_for_api_key", "account_for_reset_token", "active_api_keys", "api_key_for",
    "apply_email_change", "cancel_email_change",
    "authenticate", "begin_enrolment", "change_password", "check_code", "check_new_password",
    "confirm_enrolment", "create_account", "create_api_key", "disable_mfa", "hash_password",
    "email_change_target", "email_change_token", "find_by_email", "local_calendar",
    "locked_account", "mfa_enabled", "new_recovery_codes", "notify", "organization_named",
    "passkey_count", "passkeys", "pending_secret", "profile_fields", "provisioning_uri",
    "qr_data_uri", "remaining_recovery_codes", "request_email_change", "reset_token",
    "record_api_key_use", "revoke_api_key", "sessions", "set_password", "update_profile",
    "use_record_due", "verify_password",
    "ELEMENT_PERMISSIONS", "ElementTokenError", "create_element_token", "element_token_for",
    "revoke_element_tokens", "element_token_to_dict", "live_element_tokens",
    "revoke_element_token",
]  # fmt: skip
