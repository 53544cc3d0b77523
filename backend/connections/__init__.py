"""Connected services ("profiles"): OAuth 2.0 connections to Google, Microsoft, Zoom and GoTo
(consent with PKCE bound to the browser that started or finishes it, tokens sealed at rest,
refresh and rotation, disconnect on a revoked grant), and the profile records calendars and
conferencing hang their own state on. Flask-free."""

from .consent import (
    Confirmation,
    Linked,
    cancel_authorization,
    complete_authorization,
    confirm_authorization,
    pending_confirmation,
)
from .enterprise import (
    EnterpriseRefused,
    EnterpriseSettings,
    admin_consent_url,
    check_key,
    member_token,
)
from .errors import (
    AuthorizationFailed,
    ConnectionsError,
    ManagedByOrganization,
    ProfileDisconnected,
    ProfileNotFound,
    ProviderNotConfigured,
    ProviderUnavailable,
    WrongBrowser,
)
from .oauth import access_token, begin_authorization, check_redirect_uri
from .profiles import (
    mark_disconnected,
    new_profile,
    profile_for,
    profiles_of,
    read_credentials,
    write_credentials,
)
from .providers import PURPOSES, OAuthProvider, oauth_providers
from .revocation import REVOKE_JOB, delete_profile, revoke_grant
from .service_accounts import DISCONNECTED_JOB, disconnect_connection

__all__ = [
    "DISCONNECTED_JOB", "EnterpriseRefused", "EnterpriseSettings", "ManagedByOrganization",
    "admin_consent_url", "check_key", "disconnect_connection", "member_token",
    "PURPOSES", "REVOKE_JOB", "AuthorizationFailed", "Confirmation", "ConnectionsError", "Linked",
    "OAuthProvider", "ProfileDisconnected", "ProfileNotFound", "ProviderNotConfigured",
    "ProviderUnavailable", "WrongBrowser", "access_token", "begin_authorization",
    "cancel_authorization", "check_redirect_uri", "complete_authorization",
    "confirm_authorization", "delete_profile", "mark_disconnected", "new_profile",
    "oauth_providers", "pending_confirmation", "profile_for", "profiles_of", "read_credentials",
    "revoke_grant", "write_credentials",
]  # fmt: skip
