"""Cryptocurrency addresses, accepted only when their checksum holds.

A string that merely looks like an address (random base58 in a minified script, a hash
in a URL) must never become a feature: every candidate is decoded and its checksum
verified (base58check, bech32/bech32m, EIP-55, Monero's Keccak checksum, TRON).
Functions here take text and return (kind, normalized address) pairs; they never raise
on malformed input.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import base58
from Crypto.Hash import keccak

from revenant.fingerprint.literals import MAX_TRIED, LiteralSet, distinct, matches_at

# ----------------------------------------------------------------------- keccak-256


def keccak256(data: bytes) -> bytes:
    """Original Keccak-256 (Ethereum, Monero), not NIST SHA3-256: padding byte 0x01.
    pycryptodome's C code: a page full of candidate addresses costs microseconds each
    (a pure-Python Keccak took 3 ms per address)."""
    return keccak.new(digest_bits=256, data=data).digest()


# ---------------------------------------------------------------------- base58check


def _b58check(addr: str) -> bytes | None:
    """Payload (version byte included) if the double-SHA256 checksum holds."""
    try:
        raw = base58.b58decode(addr)
    except ValueError:
        return None
    if len(raw) < 5:
        return None
    body, check = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] != check:
        return None
    return body


_B58_KINDS = {
    ("1", 0x00): "btc", ("3", 0x05): "btc",
    ("L", 0x30): "ltc", ("M", 0x32): "ltc",
    ("T", 0x41): "trx",
}  # fmt: skip


def base58_address(addr: str) -> str | None:
    """Kind ("btc", "ltc", "trx") of a valid base58check address, else None.

    A "3…" P2SH address is shared by Bitcoin and old Litecoin; it is reported as "btc".
    """
    body = _b58check(addr)
    if body is None or len(body) != 21:
        return None
    return _B58_KINDS.get((addr[0], body[0]))


# --------------------------------------------------------------------- bech32(m)

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3


def _polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _convertbits(data: list[int], frombits: int, tobits: int) -> list[int] | None:
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return out


def segwit_address(addr: str) -> str | None:
    """Kind ("btc", "ltc") of a valid segwit address (bech32 for v0, bech32m for v1+)."""
    if addr.lower() != addr and addr.upper() != addr:
        return None  # mixed case is invalid in bech32
    addr = addr.lower()
    pos = addr.rfind("1")
    hrp, data_part = addr[:pos], addr[pos + 1 :]
    kinds = {"bc": "btc", "ltc": "ltc"}
    if hrp not in kinds or len(data_part) < 7 or len(addr) > 90:
        return None
    if any(c not in _CHARSET for c in data_part):
        return None
    data = [_CHARSET.index(c) for c in data_part]
    const = _polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        return None
    witver, program = data[0], _convertbits(data[1:-6], 5, 8)
    if program is None or witver > 16 or not 2 <= len(program) <= 40:
        return None
    if witver == 0 and (const != _BECH32_CONST or len(program) not in (20, 32)):
        return None
    if witver != 0 and const != _BECH32M_CONST:
        return None
    return kinds[hrp]


# ------------------------------------------------------------------------ ethereum


def eth_address(addr: str) -> bool:
    """True for 0x + 40 hex digits whose mixed case, if any, is a valid EIP-55 checksum."""
    hexpart = addr[2:]
    if len(hexpart) != 40 or not re.fullmatch(r"[0-9a-fA-F]{40}", hexpart):
        return False
    if hexpart.lower() == hexpart or hexpart.upper() == hexpart:
        return True
    digest = keccak256(hexpart.lower().encode()).hex()
    for ch, nibble in zip(hexpart, digest[:40], strict=True):
        if ch.isalpha() and (ch.isupper() != (int(nibble, 16) >= 8)):
            return False
    return True


# -------------------------------------------------------------------------- monero

_XMR_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_XMR_BLOCK = {11: 8, 7: 5, 10: 7, 9: 6, 6: 4, 5: 3, 3: 2, 2: 1}


def _xmr_decode(s: str) -> bytes | None:
    out = bytearray()
    for off in range(0, len(s), 11):
        chunk = s[off : off + 11]
        size = _XMR_BLOCK.get(len(chunk))
        if size is None:
            return None
        num = 0
        for c in chunk:
            idx = _XMR_ALPHABET.find(c)
            if idx < 0:
                return None
            num = num * 58 + idx
        if num >> (8 * size):
            return None
        out += num.to_bytes(size, "big")
    return bytes(out)


def xmr_address(addr: str) -> bool:
    """True for a Monero standard, sub- or integrated address with a valid checksum."""
    raw = _xmr_decode(addr)
    if raw is None or len(raw) not in (69, 77) or raw[0] not in (18, 19, 42):
        return False
    return keccak256(raw[:-4])[:4] == raw[-4:]


# -------------------------------------------------------------------------- onion


def onion_v3(label: str) -> bool:
    """True when a 56-character .onion label carries a valid v3 checksum and version."""
    import base64

    if len(label) != 56:
        return False
    try:
        raw = base64.b32decode(label.upper())
    except ValueError:
        return False
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34:]
    if version != b"\x03":
        return False
    return hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()[:2] == checksum


# ---------------------------------------------------------------------- scanning
# Python's re is fast only when a pattern starts with a literal; boundaries are checked
# by hand after the match rather than with a (slow) look-behind.

_B58 = "1-9A-HJ-NP-Za-km-z"
_RE_B58 = re.compile(r"[13LMT][" + _B58 + r"]{25,34}")
_RE_XMR = re.compile(r"[48][" + _B58 + r"]{94}(?:[" + _B58 + r"]{11})?")
_RE_BECH = tuple(
    re.compile(p + r"1[ac-hj-np-zAC-HJ-NP-Z02-9]{8,87}") for p in ("bc", "BC", "ltc", "LTC")
)
_RE_ETH = re.compile(r"0x[0-9a-fA-F]{40}")
_RE_ONION = re.compile(r"\.onion", re.IGNORECASE)
_RE_ONION_LABEL = re.compile(r"[a-zA-Z2-7]{56}")


def _alnum_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isascii() and text[i].isalnum()


def _bounded(text: str, m: re.Match[str]) -> bool:
    return not _alnum_at(text, m.start() - 1) and not _alnum_at(text, m.end())


# base58 characters as "b", every other byte (UTF-8 ones included) as a space
_B58_BYTES = bytes(
    98 if chr(b) in "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz" else 32
    for b in range(256)
)


def _has_run(text: str, n: int) -> bool:
    """True when `text` has n base58 characters in a row: C-level bytes operations,
    several times faster than letting the address patterns scan for nothing."""
    return b"b" * n in text.encode("utf-8", "surrogatepass").translate(_B58_BYTES)


_BECH_PREFIXES = ("bc1", "BC1", "ltc1", "LTC1")
_ONION_LITERALS = (".onion", ".ONION", ".Onion")
# the literals `find_wallets` and `find_onions` start from (`literals.LiteralSet`)
WALLET_LITERALS = (*_BECH_PREFIXES, "0x", *_ONION_LITERALS)
_SEARCHED = LiteralSet(WALLET_LITERALS)


def find_wallets(
    text: str,
    *,
    anchored_only: bool = False,
    found: Mapping[str, Sequence[int]] | None = None,
) -> Iterator[tuple[str, str]]:
    """(kind, address) for every checksum-valid address in `text`; ETH lower-cased.

    `anchored_only` skips base58 forms (BTC/LTC legacy, TRX, XMR), which have no literal
    prefix and are slow to look for in megabytes of minified script. `found` holds
    where WALLET_LITERALS occur in `text` (`LiteralSet.find`), when the caller has it.
    """
    found = _SEARCHED.find(text) if found is None else found
    for prefix, pattern in zip(_BECH_PREFIXES, _RE_BECH, strict=True):
        for address in _candidates(text, matches_at(pattern, text, found.get(prefix, ()))):
            kind = segwit_address(address)
            if kind:
                yield kind, address.lower()
    for address in _candidates(text, matches_at(_RE_ETH, text, found.get("0x", ()))):
        if eth_address(address):
            yield "eth", address.lower()
    if anchored_only or not _has_run(text, 26):
        return
    for address in _candidates(text, _RE_B58.finditer(text)):
        kind = base58_address(address)
        if kind:
            yield kind, address
    for address in _candidates(text, _RE_XMR.finditer(text)):
        if xmr_address(address):
            yield "xmr", address


def _candidates(text: str, matches: Iterable[re.Match[str]]) -> Iterator[str]:
    """The first MAX_CHECKED distinct bounded matches among the first MAX_TRIED: each
    checksum is verified once, and a text made of candidates costs a bounded time."""
    tried = itertools.islice(matches, MAX_TRIED)
    bounded = (m.group() for m in tried if _bounded(text, m))
    return distinct(bounded)


def find_onions(text: str, found: Mapping[str, Sequence[int]] | None = None) -> Iterator[str]:
    """Every v3 onion address (lower-case, with ".onion") whose checksum holds.
    `found` holds where WALLET_LITERALS occur in `text`, when the caller has it."""
    present = text if found is None else found
    if not any(literal in present for literal in _ONION_LITERALS):
        return
    labels = (
        text[m.start() - 56 : m.start()]
        for m in itertools.islice(_RE_ONION.finditer(text), MAX_TRIED)
        if m.start() >= 56 and not _alnum_at(text, m.start() - 57) and not _alnum_at(text, m.end())
    )
    for label in distinct(labels):
        if _RE_ONION_LABEL.fullmatch(label) and onion_v3(label.lower()):
            yield label.lower() + ".onion"
