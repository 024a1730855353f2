"""Operator identifiers drawn from an injected `random.Random`: analytics ids, Bitcoin
addresses (valid bech32, so checksum-checking extractors accept them), Telegram
handles and build hashes. The values are made up; none belongs to anyone real.
"""

from __future__ import annotations

import random

_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            check ^= _GEN[i] if (top >> i) & 1 else 0
    return check


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _to_5bit(data: bytes) -> list[int]:
    acc, bits, out = 0, 0, []
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    return out


def btc_address(rng: random.Random) -> str:
    """A checksum-valid P2WPKH (bc1q…) address for a random 20-byte program."""
    data = [0, *_to_5bit(rng.randbytes(20))]
    poly = _polymod([*_hrp_expand("bc"), *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join(_BECH32[d] for d in data + checksum)


def bech32_valid(address: str) -> bool:
    """Whether a bc1 address carries a valid bech32 checksum (for tests)."""
    hrp, _, rest = address.lower().rpartition("1")
    if hrp != "bc" or not rest or any(c not in _BECH32 for c in rest):
        return False
    return _polymod([*_hrp_expand(hrp), *(_BECH32.index(c) for c in rest)]) == 1


def ua_id(rng: random.Random) -> str:
    """A Universal Analytics property id, e.g. UA-48213377-1."""
    return f"UA-{rng.randrange(10_000_000, 99_999_999)}-{rng.randrange(1, 4)}"


def ga4_id(rng: random.Random) -> str:
    """A GA4 measurement id, e.g. G-7QX2K9LM3P."""
    return "G-" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10))


def matomo_id(rng: random.Random) -> str:
    """A Matomo site id in the form the chat templates take ("matomo:<n>")."""
    return f"matomo:{rng.randrange(2, 60)}"


def analytics_id(rng: random.Random) -> str:
    """Any of the three kinds."""
    return rng.choice((ua_id, ga4_id, matomo_id))(rng)


def build_hash(rng: random.Random) -> str:
    """A short hex build hash as bundlers put in asset file names."""
    return f"{rng.getrandbits(32):08x}"[:7]


def telegram(rng: random.Random, stem: str) -> str:
    """A Telegram handle built on `stem`."""
    suffix = rng.choice(("officiel", "support", "news", "info", "team", str(rng.randrange(10, 99))))
    return f"@{stem.lower()}_{suffix}"
