"""Favicon hashes: the Shodan-compatible mmh3 and a plain sha256.

Shodan's `http.favicon.hash` is mmh3.hash (signed 32-bit) of the body base64-encoded
with line breaks every 76 characters and a trailing newline (`base64.encodebytes`),
so an analyst can paste our value into a Shodan or Censys query unchanged.
"""

from __future__ import annotations

import base64
import hashlib

import mmh3


def shodan_hash(body: bytes) -> int:
    """mmh3 of the favicon exactly as Shodan computes it (signed 32-bit)."""
    return int(mmh3.hash(base64.encodebytes(body)))


def favicon_features(body: bytes) -> list[tuple[str, str]]:
    """("favicon_mmh3", …) and ("favicon_sha256", …) for a non-empty favicon body."""
    if not body:
        return []
    return [
        ("favicon_mmh3", str(shodan_hash(body))),
        ("favicon_sha256", hashlib.sha256(body).hexdigest()),
    ]
