"""Push notifications (Flask-free): channels and event subscriptions, the account's signing
secret, and `notify…` functions that write a notification to the webhook outbox in the
caller's transaction. Delivery is the outbox worker's (backend/outbox/webhooks.py).

Sits low (it imports only the shared core) so that scheduling, calendars and conferencing can
all call it from inside their own transactions."""

from . import types
from .bodies import channel_to_dict, encode
from .channels import ChannelNotFound, create_channel, delete_channel, get_channel, list_channels
from .deliveries import recent_messages, redeliver
from .keys import current_secret, ensure_secret, open_secrets, rotate_secret, signing_secrets
from .pausing import ChannelNotPausable, pause_channel, resume_channel
from .queue import WAKE_CHANNEL, enqueue, notify, notify_change, notify_subscribers, wake_workers
from .signing import cronofy_signature, new_secret, signature_headers, standard_signature
from .subscriptions import (
    apply_link_subscriptions,
    link_subscriptions,
    parse_subscriptions,
    set_event_subscriptions,
    set_link_subscriptions,
)
from .urls import checked_url

__all__ = [
    "WAKE_CHANNEL", "ChannelNotFound", "ChannelNotPausable", "apply_link_subscriptions",
    "channel_to_dict",
    "create_channel", "cronofy_signature", "current_secret", "delete_channel", "encode",
    "checked_url", "enqueue", "ensure_secret", "get_channel", "link_subscriptions", "list_channels",
    "new_secret", "notify", "notify_change", "notify_subscribers", "open_secrets",
    "parse_subscriptions", "pause_channel", "recent_messages", "redeliver", "resume_channel",
    "rotate_secret",
    "set_event_subscriptions", "set_link_subscriptions", "signature_headers", "signing_secrets",
    "standard_signature", "types", "wake_workers",
]  # fmt: skip
