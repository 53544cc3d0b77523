"""schedlink's Slot Picker and Cronofy's published bundle in real Firefox (firefox-esr over
Marionette), on another origin than the API, as e2e/test_elements.py does in Chromium."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from firefox import wait_until
from test_elements import CRONOFY_BUNDLE, element, host_pages  # noqa: F401 - fixtures


def _open(m, origin, page, server, made):
    options = {"api": server.url, "token": made["token"], "query": made["query"],
               "tzid": "Europe/London"}  # fmt: skip
    m.navigate(f"{origin}/{page}#{quote(json.dumps(options))}")


def _notifications(m):
    # Marionette's scripts see the page through Xray wrappers: its own globals via
    # wrappedJSObject.
    page = "return JSON.stringify(window.wrappedJSObject.notifications || [])"
    return json.loads(m.execute_script(page))


def test_slot_picker_in_firefox(firefox, server, host_pages, element):  # noqa: F811
    m = firefox.marionette
    _open(m, host_pages[0], "schedlink.html", server, element)
    click = """const root = document.getElementById('picker').shadowRoot;
        const b = root && root.querySelector(arguments[0]);
        if (b) b.click();
        return b ? b.getAttribute(arguments[1]) : null;"""
    days = ["button[data-date]", "data-date"]
    day = wait_until(lambda: m.execute_script(click, script_args=days), timeout=20)
    first = element["slots"][0]["start"]
    assert day == first[:10]
    start = wait_until(
        lambda: m.execute_script(click, script_args=["button[data-start]", "data-start"])
    )
    assert start == first
    confirm = """const root = document.getElementById('picker').shadowRoot;
        const b = [...root.querySelectorAll('button')].find((x) => x.textContent === 'Confirm');
        if (b) b.click();
        return Boolean(b);"""
    wait_until(lambda: m.execute_script(confirm))
    notes = wait_until(lambda: _notifications(m))
    assert notes[-1]["type"] == "slot_selected" and notes[-1]["slot"]["start"] == first


def test_another_origin_gets_nothing_in_firefox(firefox, server, host_pages, element):  # noqa: F811
    m = firefox.marionette
    _open(m, host_pages[1], "schedlink.html", server, element)
    where = lambda: m.execute_script("return location.origin")  # noqa: E731
    wait_until(lambda: where() == host_pages[1])
    notes = wait_until(lambda: _notifications(m), timeout=20)
    assert [n["type"] for n in notes] == ["error"]


@pytest.mark.skipif(not CRONOFY_BUNDLE.exists(), reason="npm ci in e2e/ installs cronofy-elements")
def test_cronofys_slot_picker_in_firefox(firefox, server, host_pages, element):  # noqa: F811
    m = firefox.marionette
    _open(m, host_pages[0], "cronofy.html", server, element)
    labels = """return [...document.querySelectorAll('#cronofy-picker button.SlotPicker__slot')]
        .map((b) => b.textContent)"""
    days = wait_until(lambda: m.execute_script(labels), timeout=30)
    assert days and "no slots" not in " ".join(days).lower()
    assert not [n for n in _notifications(m) if n.get("type") == "error"]
