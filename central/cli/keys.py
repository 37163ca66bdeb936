"""``parking-central keygen``: a new Ed25519 signing key pair, named as docker-compose's .env names it."""

from __future__ import annotations

import argparse
import json
from typing import Any

KEY_ID_ENV = "CENTRAL_SIGNING_KEY_ID"  # central: signing.key_id
PRIVATE_KEY_ENV = "CENTRAL_SIGNING_KEY"  # central: signing.key (or signing.key_file)
PUBLIC_KEYS_ENV = "GATE_PUBLIC_KEYS"  # gates: public_keys, {key id: public key}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keygen", help="print a new Ed25519 signing key pair",
        description=f"Print a new key as .env lines: {KEY_ID_ENV} and {PRIVATE_KEY_ENV} for the central "
                    f"service (keep the key secret), {PUBLIC_KEYS_ENV} for the gates. When rotating, add "
                    "the new entry to the gates' keys beside the old one first (docs/deploy.md).")
    parser.add_argument("--key-id", default=None, help="key id (default: central-YYYYMMDD, today in UTC)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared import generate_private_key, private_key_to_text, public_key_to_text, utc_now

    key_id = args.key_id or f"central-{utc_now():%Y%m%d}"
    key = generate_private_key()
    public = json.dumps({key_id: public_key_to_text(key.public_key())}, separators=(",", ":"))
    print("# central: signing.key_id and signing.key; gates: public_keys (docs/deploy.md)")
    print(f"{KEY_ID_ENV}={key_id}")
    print(f"{PRIVATE_KEY_ENV}={private_key_to_text(key)}")
    print(f"{PUBLIC_KEYS_ENV}={public}")
    return 0
