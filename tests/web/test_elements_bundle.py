"""The UI Elements bundle at /elements/v1/ and the demo host page that embeds it."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from backend import db
from backend.web.public.demo import seed

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "backend" / "static" / "elements" / "schedlink-elements.js"


def test_the_bundle_is_served_immutable_and_loadable_from_any_origin(client):
    response = client.get("/elements/v1/schedlink-elements.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == BUNDLE.read_bytes()
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_the_documented_sri_hash_is_the_served_files():
    integrity = "sha384-" + base64.b64encode(hashlib.sha384(BUNDLE.read_bytes()).digest()).decode()
    assert integrity in (ROOT / "docs" / "elements.md").read_text(encoding="utf-8"), (
        "docs/elements.md must quote the bundle's SRI hash: " + integrity
    )


def test_the_demo_embed_page_has_a_token_for_its_own_origin(app, client):
    with app.app_context(), db.write() as s:
        seed(s)
    page = client.get("/demo/embed").get_data(as_text=True)
    token = re.search(r'data-token="(set_[^"]+)"', page).group(1)
    assert 'data-api="http://schedlink.test"' in page
    assert 'integrity="sha384-' in page
    answer = client.get(
        f"/v1/userinfo?et={token}",
        headers={"Origin": "http://schedlink.test", "Cronofy-Element": "v1.0.0, SlotPicker"},
    )
    assert answer.status_code == 200


def test_the_checker_links_to_the_demo(client):
    assert 'id="embed-demo-link"' in client.get("/tools/markup-checker").get_data(as_text=True)
