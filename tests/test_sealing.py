"""Secrets sealed at rest: round trip, tamper evidence, key rotation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.core.sealing import SealBroken, Sealer

SEALER = Sealer("the current key")


@given(st.text())
def test_what_is_sealed_opens_unchanged_and_is_not_readable(text):
    sealed = SEALER.seal(text)
    assert SEALER.unseal(sealed) == text
    if len(text) >= 4:
        assert text not in sealed


def test_each_seal_is_different():
    assert SEALER.seal("refresh-token") != SEALER.seal("refresh-token")


def test_tampering_is_detected():
    sealed = SEALER.seal("caldav password")
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    with pytest.raises(SealBroken):
        SEALER.unseal(flipped)
    with pytest.raises(SealBroken):
        SEALER.unseal("not a sealed value")


def test_rotation_opens_old_seals_and_seals_with_the_new_key():
    old = Sealer("old key").seal("token")
    rotated = Sealer("new key", ["old key"])
    assert rotated.unseal(old) == "token"
    assert Sealer("new key").unseal(rotated.seal("token")) == "token"
    with pytest.raises(SealBroken):
        Sealer("new key").unseal(old)  # the old key was dropped from the fallbacks
