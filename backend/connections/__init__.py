"""Connected services ("profiles"): OAuth 2.0 connections to Google, Microsoft, Zoom and GoTo
(consent with PKCE, tokens sealed at rest, refresh and rotation, disconnect on a revoked grant),
and the profile records calendars and conferencing hang their own state on. Flask-free."""

from .errors import (
    AuthorizationFailed,
    ConnectionsError,
    ProfileDisconnected,
    ProfileNotFound,
    ProviderNotConfigured,
    ProviderUnavailable,
)
from .oauth import Linked, access_token, begin_authorization, complete_authorization
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

__all__ = [
    "PURPOSES", "REVOKE_JOB", "AuthorizationFailed", "ConnectionsError", "Linked", "OAuthProvider",
    "ProfileDisconnected", "ProfileNotFound", "ProviderNotConfigured", "ProviderUnavailable",
    "access_token", "begin_authorization", "complete_authorization", "delete_profile",
    "mark_disconnected",
    "new_profile", "oauth_providers", "profile_for", "profiles_of", "read_credentials",
    "revoke_grant", "write_credentials",
]  # fmt: skip
