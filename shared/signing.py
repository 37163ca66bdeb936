"""Ed25519 signatures over canonical JSON of a site's contract bundle.

The signed bytes are the canonical JSON (sorted keys, UTF-8, no whitespace)
of the bundle object exactly as it travels. The gate verifies those bytes
before it parses them, so no serialiser difference can change the meaning
of a signed bundle.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.contracts import ContractBundle
from shared.errors import (
    BundleError,
    BundleExpiredError,
    BundleRollbackError,
    BundleSignatureError,
    MessageError,
    UnknownKeyError,
)


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class SignedBundle(BaseModel):
    """The envelope on the wire: the bundle as JSON, and its signature."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bundle: dict[str, Any]
    key_id: str = Field(min_length=1, max_length=64)
    signature: str = Field(description="base64 Ed25519 signature of canonical_json(bundle)")

    def to_bytes(self) -> bytes:
        return canonical_json(self.model_dump())


def sign_bundle(bundle: ContractBundle, key: Ed25519PrivateKey) -> SignedBundle:
    body = bundle.model_dump(mode="json")
    signature = key.sign(canonical_json(body))
    return SignedBundle(bundle=body, key_id=bundle.key_id, signature=base64.b64encode(signature).decode())


def verify_bundle(
    payload: bytes | SignedBundle,
    public_keys: Mapping[str, Ed25519PublicKey],
    now: datetime,
    held_sequence: int = 0,
) -> ContractBundle:
    """Check signature, key, expiry and sequence; return the bundle or raise.

    A bundle with the sequence already held is accepted (the retained copy
    arrives again on every reconnect); a lower one is a rollback.
    """
    envelope = payload if isinstance(payload, SignedBundle) else _parse_envelope(payload)
    key = public_keys.get(envelope.key_id)
    if key is None:
        raise UnknownKeyError(f"bundle signed with unknown key id {envelope.key_id!r}")
    try:
        key.verify(base64.b64decode(envelope.signature, validate=True), canonical_json(envelope.bundle))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise BundleSignatureError("bundle signature does not match its contents") from exc
    try:
        bundle = ContractBundle.model_validate(envelope.bundle)
    except ValidationError as exc:
        raise BundleError(f"signed bundle does not parse: {exc.errors()[0]['msg']}") from exc
    if bundle.key_id != envelope.key_id:
        raise BundleSignatureError("bundle key_id differs from the envelope's key_id")
    if bundle.expires_at <= now:
        raise BundleExpiredError(f"bundle {bundle.sequence} expired at {bundle.expires_at.isoformat()}")
    if bundle.sequence < held_sequence:
        raise BundleRollbackError(
            f"bundle sequence {bundle.sequence} is lower than {held_sequence} in use")
    return bundle


def _parse_envelope(payload: bytes) -> SignedBundle:
    try:
        return SignedBundle.model_validate_json(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "payload"
        raise BundleError(str(MessageError(field, first.get("input"), first["msg"]))) from exc


# Key files: raw 32-byte keys, base64 on one line (easy to pass through env).

def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def public_key_to_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw32(text, "private"))


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw32(text, "public"))


def _raw32(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{what} key is not base64") from exc
    if len(raw) != 32:
        raise ValueError(f"{what} key must be 32 bytes, got {len(raw)}")
    return raw
