"""What can go wrong with a connected service; messages are sentences for people."""


class ConnectionsError(Exception):
    """Base class."""


class ProviderNotConfigured(ConnectionsError):
    """This deployment has no OAuth client for the provider."""


class AuthorizationFailed(ConnectionsError):
    """The consent could not be completed (unknown or expired state)."""


class WrongBrowser(AuthorizationFailed):
    """The consent came back to, or is being confirmed in, a browser other than its own:
    perhaps someone else's consent URL was forwarded to this person. Nothing is stored."""


class ProfileNotFound(ConnectionsError):
    pass


class ProfileDisconnected(ConnectionsError):
    """The provider no longer accepts our tokens: the host must connect again."""


class ProviderUnavailable(ConnectionsError):
    """The provider did not answer properly (timeout, 5xx, 429): try again later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ManagedByOrganization(Exception):
    """The profile was made by the organization's Enterprise Connect: the member cannot remove
    it; an admin removes the enterprise connection."""

    message = (
        "This calendar is connected by your organization; only its administrators can "
        "remove it (Team, Enterprise Connect)."
    )
