"""Signed bundles: the gate accepts only what the central key signed, fresh and not rolled back."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared import (
    BundleExpiredError,
    BundleRollbackError,
    BundleSignatureError,
    UnknownKeyError,
    canonical_json,
    generate_private_key,
    private_key_from_text,
    private_key_to_text,
    sign_bundle,
    verify_bundle,
)
from tests.shared.factories import bundle, contract

KEY = generate_private_key()
KEYS = {"k1": KEY.public_key()}


def _signed(**kwargs: Any) -> bytes:
    return sign_bundle(bundle((contract(),), **kwargs), KEY).to_bytes()


def _now(b: bytes) -> datetime:
    return datetime.fromisoformat(json.loads(b)["bundle"]["issued_at"]) + timedelta(hours=1)


def test_a_good_bundle_verifies_and_parses() -> None:
    payload = _signed(sequence=5)
    got = verify_bundle(payload, KEYS, _now(payload), held_sequence=5)
    assert got.sequence == 5
    assert got.contracts[0].plates == ("沪A12345",)


def test_one_changed_byte_is_refused() -> None:
    payload = _signed()
    tampered = payload.replace("沪A12345".encode(), "沪A12346".encode())
    assert tampered != payload
    with pytest.raises(BundleSignatureError):
        verify_bundle(tampered, KEYS, _now(payload))


def test_key_order_and_whitespace_do_not_matter_but_content_does() -> None:
    payload = _signed()
    envelope = json.loads(payload)
    spaced = json.dumps(envelope, indent=2, sort_keys=False).encode()
    assert verify_bundle(spaced, KEYS, _now(payload)).sequence == 1
    envelope["bundle"]["site"]["shared_capacity"] = 999
    with pytest.raises(BundleSignatureError):
        verify_bundle(canonical_json(envelope), KEYS, _now(payload))


def test_unknown_key_is_refused() -> None:
    payload = _signed(key_id="k2")
    with pytest.raises(UnknownKeyError, match="k2"):
        verify_bundle(payload, KEYS, _now(payload))


def test_a_bundle_signed_by_another_key_under_a_known_id_is_refused() -> None:
    forged = sign_bundle(bundle((contract(),)), generate_private_key()).to_bytes()
    with pytest.raises(BundleSignatureError):
        verify_bundle(forged, KEYS, _now(forged))


def test_expired_bundle_is_refused() -> None:
    payload = _signed(ttl=timedelta(minutes=30))
    with pytest.raises(BundleExpiredError, match="expired"):
        verify_bundle(payload, KEYS, _now(payload))


def test_rollback_is_refused() -> None:
    payload = _signed(sequence=3)
    with pytest.raises(BundleRollbackError, match="3 is lower than 4"):
        verify_bundle(payload, KEYS, _now(payload), held_sequence=4)


def test_private_key_text_round_trip() -> None:
    again = private_key_from_text(private_key_to_text(KEY))
    assert again.sign(b"x") == KEY.sign(b"x")  # Ed25519 is deterministic
