"""The JSON shapes that notifications share: a channel, and the exact bytes sent."""

from __future__ import annotations

import json

from ..models import Channel


def channel_to_dict(channel: Channel, with_status: bool = True) -> dict:
    """Cronofy's channel shape; the API adds `status` (and why a channel was disabled)."""
    data = {
        "channel_id": channel.public_id,
        "callback_url": channel.callback_url,
        "filters": channel.filters,
    }
    if with_status:
        data["status"] = channel.status
        if channel.disabled_reason and channel.status != "active":
            data["disabled_reason"] = channel.disabled_reason
    return data


def encode(body: dict) -> str:
    """Compact JSON, fixed once: every attempt sends (and signs) these same bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
