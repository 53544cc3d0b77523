"""Organizations and onboarding: teams (members, roles, invitations), sign-up with e-mail
verification, and connecting a browser's extension without copying an API key. Flask-free;
the faces pass in sessions, `accounts.Keys` and `now`."""

from . import browsers
from .browsers import ConnectionGone
from .enterprise import (
    ConsentFailed,
    EnterpriseNotFound,
    complete_consent,
    connection_json,
    connections_of,
    create_connection,
    delete_connection,
    get_connection,
    member_status,
)
from .errors import (
    AlreadyInOrganization,
    InvitationForAnother,
    InvitationGone,
    InvitationNotFound,
    LastAdmin,
    MemberNotFound,
    NoOrganization,
    NotAdmin,
    OrganizationError,
)
from .invitations import (
    accept_as,
    accept_with_new_account,
    get_invitation,
    invitation_for_token,
    invitation_json,
    invitation_token,
    invite,
    pending,
    resend,
    revoke,
)
from .members import (
    ROLES,
    create_organization,
    leave,
    members,
    organization_json,
    remove_member,
    rename_organization,
    set_role,
)
from .service_accounts import (
    AUTHORIZE_JOB,
    RETRYABLE,
    NoConnection,
    authorize_members,
    connect_every_member,
    finish,
    member_states,
    retry_member,
)
from .signup import (
    SignupPolicy,
    VerificationUsed,
    account_to_verify,
    purge_unverified,
    sign_up,
    verification_token,
    verify,
)

__all__ = [
    "AUTHORIZE_JOB", "ConsentFailed", "EnterpriseNotFound", "authorize_members",
    "complete_consent", "connect_every_member", "connection_json", "connections_of",
    "create_connection", "delete_connection", "get_connection", "finish", "member_status",
    "member_states", "retry_member", "RETRYABLE", "NoConnection",
    "ROLES", "AlreadyInOrganization", "ConnectionGone", "InvitationForAnother", "InvitationGone",
    "InvitationNotFound", "LastAdmin", "MemberNotFound", "NoOrganization", "NotAdmin",
    "OrganizationError", "SignupPolicy", "VerificationUsed", "accept_as",
    "accept_with_new_account", "account_to_verify", "browsers", "create_organization",
    "get_invitation", "invitation_for_token", "invitation_json", "invitation_token", "invite",
    "leave", "members", "organization_json", "pending", "purge_unverified", "remove_member",
    "rename_organization", "resend", "revoke", "set_role", "sign_up", "verification_token",
    "verify",
]  # fmt: skip
