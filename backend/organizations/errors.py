"""What can go wrong with organizations, each mapped to one answer by the faces."""

from __future__ import annotations


class OrganizationError(Exception):
    """Base class; `message` is safe to show to the person who asked."""

    message = "That can't be done."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class NoOrganization(OrganizationError):
    message = "You are not in an organization."


class NotAdmin(OrganizationError):
    message = "Only an admin of the organization can do that."


class LastAdmin(OrganizationError):
    message = "The organization needs at least one admin: make someone else admin first."


class MemberNotFound(OrganizationError):
    message = "No member with that id in your organization."


class AlreadyInOrganization(OrganizationError):
    message = "You are already in an organization; leave it first."


class InvitationNotFound(OrganizationError):
    message = "No invitation with that id."


class InvitationGone(OrganizationError):
    """An invitation link that verified but can no longer be used; `state` says why."""

    def __init__(self, state: str):
        self.state = state  # "expired", "used", "revoked" or "replaced"
        super().__init__(f"This invitation is {state}.")


class InvitationForAnother(OrganizationError):
    """Signed in with an address the invitation was not sent to."""

    message = "This invitation was sent to another address."
