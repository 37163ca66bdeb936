"""``parking-central keygen``: a new Ed25519 key pair for bundle signing."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keygen", help="print a new Ed25519 signing key pair",
        description="Print a new private key (for signing.key / signing.key_file, keep it secret) and "
                    "its public key (for the gates' configuration), base64 raw 32 bytes each.")
    parser.add_argument("--key-id", default="central-1", help="key id to print beside the keys")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared import generate_private_key, private_key_to_text, public_key_to_text

    key = generate_private_key()
    print(f"key_id: {args.key_id}")
    print(f"private_key: {private_key_to_text(key)}")
    print(f"public_key: {public_key_to_text(key.public_key())}")
    return 0
