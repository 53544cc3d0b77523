"""What ``parse_contacts`` raises: the markup cannot be read at all (Flask-free)."""


class MarkupError(Exception):
    """The markup cannot be read."""


class MarkupTooLarge(MarkupError):
    """The input is larger than ``max_bytes`` (checked before parsing)."""


class MarkupUnreadable(MarkupError):
    """The input cannot be decoded or parsed at all, or is built to exhaust the parser."""
