"""The UI Elements bundle (each build at /elements/<version>/, the newest 1.x at
/elements/v1/) and the demo host page that embeds it."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from backend import db
from backend.web.public.demo import seed

ROOT = Path(__file__).resolve().parents[2]
BUILDS = ROOT / "backend" / "static" / "elements"
VERSION = re.search(r"VERSION = '([^']+)'", (ROOT / "elements/src/common.js").read_text()).group(1)
BUNDLE = BUILDS / VERSION / "schedlink-elements.js"


def test_each_build_is_served_immutable_and_loadable_from_any_origin(client):
    for version in ("1.0.0", VERSION):
        response = client.get(f"/elements/{version}/schedlink-elements.js")
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.data == (BUILDS / version / "schedlink-elements.js").read_bytes()
        assert response.data.startswith(f"// schedlink-elements {version}:".encode())
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert client.get("/elements/9.9.9/schedlink-elements.js").status_code == 404


def test_the_major_version_url_is_the_newest_build_and_revalidated(client):
    response = client.get("/elements/v1/schedlink-elements.js")
    assert response.status_code == 200
    assert response.data == BUNDLE.read_bytes()
    assert response.headers["X-Elements-Version"] == VERSION
    assert "immutable" not in response.headers["Cache-Control"]
    assert "must-revalidate" in response.headers["Cache-Control"]
    again = client.get(
        "/elements/v1/schedlink-elements.js", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.get("/elements/v2/schedlink-elements.js").status_code == 404


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
    assert f'data-bundle="/elements/{VERSION}/schedlink-elements.js"' in page
    answer = client.get(
        f"/v1/userinfo?et={token}",
        headers={"Origin": "http://schedlink.test", "Cronofy-Element": "v1.0.0, SlotPicker"},
    )
    assert answer.status_code == 200


def test_the_checker_links_to_the_demo(client):
    assert 'id="embed-demo-link"' in client.get("/tools/markup-checker").get_data(as_text=True)
