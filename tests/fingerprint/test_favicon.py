"""Favicon hashes equal to Shodan's http.favicon.hash."""

from __future__ import annotations

import codecs
import hashlib

import mmh3

from revenant.fingerprint.favicon import favicon_features, shodan_hash

# a real 16x16 ICO header followed by a small body, long enough to span several lines of
# base64 (Shodan's hash depends on the 76-character line breaks)
ICON = bytes.fromhex("00000100010010100000010020006804000016000000") + bytes(range(256)) * 5


def test_shodan_hash_matches_shodan_snippet() -> None:
    # Shodan's documented method: mmh3.hash(codecs.lookup("base64").encode(body)[0])
    expected = mmh3.hash(codecs.lookup("base64").encode(ICON)[0])
    assert shodan_hash(ICON) == expected


def test_shodan_hash_depends_on_line_breaks() -> None:
    import base64

    assert shodan_hash(ICON) != mmh3.hash(base64.b64encode(ICON))


def test_favicon_features() -> None:
    feats = dict(favicon_features(ICON))
    assert feats["favicon_mmh3"] == str(shodan_hash(ICON))
    assert feats["favicon_sha256"] == hashlib.sha256(ICON).hexdigest()
    assert favicon_features(b"") == []
