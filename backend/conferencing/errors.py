"""The conferencing package's own exceptions."""

from __future__ import annotations


class ConferencingError(Exception):
    pass


class RetryLater(ConferencingError):
    """The provider can't make the meeting now (5xx, timeout, 429, still pending): the job
    runs again later; `retry_after` (seconds) when the provider said when."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class MeetingRefused(ConferencingError):
    """The provider answered a request it will never accept (4xx other than 401/429)."""


class BuiltinProfile(ConferencingError):
    """The built-in Jitsi service can't be removed (choose "none" as the default instead)."""
