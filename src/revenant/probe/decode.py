"""Bounded content decoding: a body's Content-Encoding (gzip, deflate, br, stacked)
undone without ever holding more than the decompressed limit; and its charset, the
one rule every stage reads text by.

It must never inflate past `limit` bytes, whatever the compressed input claims; a bomb
ends as a truncated result with a reason, never as memory exhaustion or an exception.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import brotli

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Decoded:
    """The decoded body, and why it is incomplete if it is."""

    content: bytes
    truncated: bool = False
    reason: str = ""


def _inflate(data: bytes, wbits: int, limit: int) -> tuple[bytes, bool]:
    d = zlib.decompressobj(wbits)
    out = bytearray()
    pending = data
    while pending or d.unconsumed_tail:
        chunk = d.decompress(d.unconsumed_tail or pending, limit + 1 - len(out))
        if not d.unconsumed_tail:
            pending = b""
        out += chunk
        if len(out) > limit:
            return bytes(out[:limit]), True
        if d.eof:
            if d.unused_data and wbits >= 16:  # concatenated gzip members
                pending, d = d.unused_data, zlib.decompressobj(wbits)
                continue
            break
        if not chunk and not d.unconsumed_tail:
            break
    out += d.flush()
    if len(out) > limit:
        return bytes(out[:limit]), True
    return bytes(out), False


def _unbrotli(data: bytes, limit: int) -> tuple[bytes, bool]:
    d = brotli.Decompressor()
    out = bytearray()
    pos = 0
    while True:
        if d.can_accept_more_data():
            if pos >= len(data):
                break
            piece, pos = data[pos : pos + _CHUNK], pos + _CHUNK
        else:
            piece = b""
        out += d.process(piece, output_buffer_limit=_CHUNK)
        if len(out) > limit:
            return bytes(out[:limit]), True
        if d.is_finished():
            break
    return bytes(out), False


def decode(payload: bytes, content_encoding: str | None, limit: int) -> Decoded:
    """Undo `content_encoding` on `payload`, keeping at most `limit` bytes."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    data = payload
    for coding in reversed(codings):
        try:
            if coding in ("gzip", "x-gzip"):
                data, cut = _inflate(data, 16 + zlib.MAX_WBITS, limit)
            elif coding == "deflate":
                try:
                    data, cut = _inflate(data, zlib.MAX_WBITS, limit)
                except zlib.error:  # raw deflate, as some servers send
                    data, cut = _inflate(data, -zlib.MAX_WBITS, limit)
            elif coding == "br":
                data, cut = _unbrotli(data, limit)
            elif coding == "identity":
                continue
            else:
                return Decoded(b"", True, f"unknown content coding {coding!r}; content not decoded")
        except (zlib.error, brotli.error) as exc:
            return Decoded(b"", True, f"{coding} body does not decode ({exc})")
        if cut:
            return Decoded(data, True, f"decompressed body over {limit} bytes; cut")
    if len(data) > limit:
        return Decoded(data[:limit], True, f"body over {limit} bytes; cut")
    return Decoded(data)


# --------------------------------------------------------------------- charsets

_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def charset(body: bytes, content_type: str | None) -> str:
    """The declared encoding of a body (Content-Type, else a <meta> charset in its first
    2 KiB) if Python knows it as a text codec, else "utf-8". The one charset rule of the
    prober, the fingerprint and the pivots."""
    for source in (content_type.encode("latin-1", "replace") if content_type else b"", body[:2048]):
        m = _CHARSET.search(source)
        if m:
            name = m.group(1).decode("ascii").lower()
            try:
                b"x".decode(name, "replace")  # LookupError: unknown or not a text codec
            except LookupError:
                break
            return name
    return "utf-8"


def text(body: bytes, content_type: str | None) -> str:
    """Bytes to text in their declared charset; undecodable bytes are replaced, never
    fatal (the caller bounds the bytes)."""
    return body.decode(charset(body, content_type), "replace")
