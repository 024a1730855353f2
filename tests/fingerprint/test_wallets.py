"""Crypto addresses are features only when their checksum holds."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.fingerprint.literals import matches_at
from revenant.fingerprint.wallets import (
    _BECH_PREFIXES,
    _RE_BECH,
    _RE_ETH,
    _SEARCHED,
    base58_address,
    eth_address,
    find_onions,
    find_wallets,
    keccak256,
    onion_v3,
    segwit_address,
    xmr_address,
)

BTC_P2PKH = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BTC_P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
BTC_BECH32 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BTC_BECH32M = "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"
ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
XMR = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
LTC = "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9"
TRX = "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"
ONION = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"


def _flip_last(s: str, alphabet: str) -> str:
    return s[:-1] + next(c for c in alphabet if c != s[-1])


def test_keccak256_matches_known_vectors() -> None:
    assert (
        keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )
    assert (
        keccak256(b"abc").hex()
        == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    )


def test_btc_base58check_valid() -> None:
    assert base58_address(BTC_P2PKH) == "btc"
    assert base58_address(BTC_P2SH) == "btc"


def test_btc_base58check_bad_checksum_rejected() -> None:
    assert base58_address(_flip_last(BTC_P2PKH, "abcdefgh")) is None
    assert base58_address(_flip_last(BTC_P2SH, "abcdefgh")) is None


def test_bech32_and_bech32m_valid() -> None:
    assert segwit_address(BTC_BECH32) == "btc"
    assert segwit_address(BTC_BECH32.upper()) == "btc"
    assert segwit_address(BTC_BECH32M) == "btc"


def test_bech32_bad_checksum_rejected() -> None:
    assert segwit_address(_flip_last(BTC_BECH32, "qpzry9x8")) is None
    assert segwit_address(_flip_last(BTC_BECH32M, "qpzry9x8")) is None


def test_bech32_wrong_constant_for_version_rejected() -> None:
    # a v1 program under the bech32 (not bech32m) constant is invalid (BIP 350)
    assert (
        segwit_address("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx")
        is None
    )


def test_bech32_mixed_case_rejected() -> None:
    assert segwit_address("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") is None


def test_eth_eip55_valid_and_single_case_accepted() -> None:
    assert eth_address(ETH)
    assert eth_address(ETH.lower())
    assert eth_address("0x" + ETH[2:].upper())


def test_eth_eip55_bad_checksum_rejected() -> None:
    bad = ETH[:-1] + ("D" if ETH[-1] == "d" else "d")
    assert not eth_address(bad)


def test_xmr_valid_and_corrupted() -> None:
    assert xmr_address(XMR)
    assert not xmr_address(_flip_last(XMR, "ABCDEFGH"))
    assert not xmr_address(XMR[:-1])


def test_ltc_and_trx_valid_and_bad_checksum() -> None:
    assert base58_address(LTC) == "ltc"
    assert base58_address(TRX) == "trx"
    assert base58_address(_flip_last(LTC, "abcdefgh")) is None
    assert base58_address(_flip_last(TRX, "abcdefgh")) is None


def test_onion_v3_checksum() -> None:
    assert onion_v3(ONION)
    assert not onion_v3(_flip_last(ONION, "abcdefg"))
    # a well-formed v3 address built from a random key
    key = hashlib.sha256(b"k").digest()
    check = hashlib.sha3_256(b".onion checksum" + key + b"\x03").digest()[:2]
    label = base64.b32encode(key + check + b"\x03").decode().lower()
    assert onion_v3(label)
    assert not onion_v3(base64.b32encode(key + check + b"\x02").decode().lower())


def test_find_wallets_in_text() -> None:
    text = f"Dons : {BTC_P2PKH}, {BTC_BECH32} ou {ETH.lower()} / XMR {XMR} LTC {LTC} TRX {TRX}"
    found = set(find_wallets(text))
    assert ("btc", BTC_P2PKH) in found
    assert ("btc", BTC_BECH32) in found
    assert ("eth", ETH.lower()) in found
    assert ("xmr", XMR) in found
    assert ("ltc", LTC) in found
    assert ("trx", TRX) in found


def test_find_wallets_ignores_address_inside_longer_token() -> None:
    assert not list(find_wallets("x" + BTC_P2PKH + "y"))


def test_find_onions() -> None:
    assert list(find_onions(f"http://{ONION}.onion/x")) == [ONION + ".onion"]
    assert list(find_onions(f"http://{_flip_last(ONION, 'abcdefg')}.onion/")) == []


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("13LMTbc1qpzry9x8gf2tvdw0s3jn5xX0aAfF48.onion"), max_size=400)
)
def test_find_wallets_never_raises_and_only_yields_valid(text: str) -> None:
    for kind, addr in find_wallets(text):
        assert (
            base58_address(addr) == kind
            or segwit_address(addr) == kind
            or (kind == "eth" and eth_address(addr))
            or (kind == "xmr" and xmr_address(addr))
        )
    list(find_onions(text))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_find_wallets_on_arbitrary_text(text: str) -> None:
    list(find_wallets(text))
    list(find_onions(text))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["bc1", "BC1", "ltc1", "LTC1", "0x", "qpzry9", "lt", "c", "0", "x", "a" * 39]
        ),
        max_size=30,
    ).map("".join)
)
def test_prefixes_tried_where_they_occur_match_what_finditer_finds(text: str) -> None:
    found = _SEARCHED.find(text)
    for prefix, pattern in [*zip(_BECH_PREFIXES, _RE_BECH, strict=True), ("0x", _RE_ETH)]:
        tried = matches_at(pattern, text, found.get(prefix, ()))
        assert [m.span() for m in tried] == [m.span() for m in pattern.finditer(text)]
