"""What a person's browser does on its way back from a provider's consent screen: our
callback, and for a consent started through the API the confirmation page that names the
schedlink account, whose Connect (or Cancel) button it presses."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CONFIRM = "/oauth/confirm"


def local(url: str) -> str:
    """The path and query of one of our absolute URLs, for the Flask test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def confirmation_page(client, callback_url: str):
    """Open the callback in `client` (the browser) and follow it to the confirmation page."""
    back = client.get(local(callback_url))
    assert back.status_code == 303, back.get_data(as_text=True)
    assert back.headers["Location"].startswith(CONFIRM + "?"), back.headers["Location"]
    page = client.get(back.headers["Location"])
    assert page.status_code == 200, page.get_data(as_text=True)
    return page


def decide(client, page, action: str = "connect"):
    """Press Connect or Cancel on the confirmation page (a POST with its CSRF token)."""
    html = page.get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return client.post(CONFIRM, data={**fields, "action": action})


def come_back(client, callback_url: str):
    """The callback, and the confirmation when one is asked for: the answer that sends the
    browser on to the redirect_uri."""
    back = client.get(local(callback_url))
    if back.status_code == 303 and back.headers["Location"].startswith(CONFIRM + "?"):
        page = client.get(back.headers["Location"])
        assert page.status_code == 200, page.get_data(as_text=True)
        return decide(client, page)
    return back
