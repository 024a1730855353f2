"""probe/decode.py: content decoding never inflates past its bound."""

from __future__ import annotations

import gzip
import zlib

import brotli
from hypothesis import given
from hypothesis import strategies as st

from revenant.probe.decode import decode

LIMIT = 1 << 20


def test_gzip_bomb_is_cut_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (50 * LIMIT))
    out = decode(bomb, "gzip", LIMIT)
    assert out.truncated and len(out.content) == LIMIT and "over" in out.reason


def test_brotli_bomb_is_cut_at_the_limit() -> None:
    bomb = brotli.compress(b"\0" * (50 * LIMIT))
    out = decode(bomb, "br", LIMIT)
    assert out.truncated and len(out.content) == LIMIT


def test_stacked_codings_are_undone_in_reverse_order() -> None:
    body = brotli.compress(gzip.compress(b"hello"))
    assert decode(body, "gzip, br", LIMIT).content == b"hello"


def test_raw_and_zlib_deflate_both_decode() -> None:
    assert decode(zlib.compress(b"x"), "deflate", LIMIT).content == b"x"
    raw = zlib.compressobj(wbits=-15)
    assert decode(raw.compress(b"y") + raw.flush(), "deflate", LIMIT).content == b"y"


@given(st.binary(max_size=2000), st.sampled_from(["gzip", "br", "deflate", "identity", "zstd", ""]))
def test_garbage_never_raises(data: bytes, coding: str) -> None:
    out = decode(data, coding, 1000)
    assert len(out.content) <= 1000
