"""How hostile sites misbehave on the wire, each bounded so a test run cannot hang.

A behaviour gets the raw connection (`Conduit`) and the parsed request, writes what
it wants, and returns; the connection is closed afterwards. Bounds: a drip lasts at
most ~60 s, an endless body stops at 50 MB or when the client goes, bombs inflate to
100 MB. Nothing here may write to disk or contact another host.
"""

from __future__ import annotations

import asyncio
import functools
import struct
import zlib
from dataclasses import dataclass
from typing import Protocol

import brotli

from revenant.testnet.sites import Hostile

DRIP_INTERVAL = 0.5
DRIP_MAX_SECONDS = 60.0
ENDLESS_MAX_BYTES = 50 << 20
BOMB_INFLATED = 100 << 20
HUGE_HEADER_BYTES = 1 << 20
RESET_ANNOUNCED = 100_000
RESET_SENT = 10_000
DEFAULT_REDIRECT_TARGET = "http://127.0.0.1:9/"

# The PNG signature and a 1x1 image, served as HTML by LYING_CONTENT_TYPE.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request line and its headers (names lower-cased)."""

    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]

    @property
    def path(self) -> str:
        """The path of the target, also for absolute-form targets ("http://h/p?q")."""
        target = self.target
        if target.lower().startswith(("http://", "https://")):
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return target.split("?", 1)[0].split("#", 1)[0] or "/"

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key == name:
                return value
        return ""


class Conduit(Protocol):
    """The raw side of one connection a behaviour may use."""

    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...

    def reset(self) -> None: ...

    @property
    def gone(self) -> bool: ...


@functools.cache
def gzip_bomb() -> bytes:
    """A gzip member of ~100 KB that inflates to 100 MB of zeros (built once, ~0.1 s).

    After a full flush the compressor's output for 1 MB of zeros is always the same
    block, so the member is that block repeated; only the CRC needs the whole input."""
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = BOMB_INFLATED >> 20
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, BOMB_INFLATED & 0xFFFFFFFF)
    return header + deflated * count + compressor.flush() + trailer


@functools.cache
def brotli_bomb() -> bytes:
    """A brotli stream of a few hundred bytes that inflates to 100 MB of zeros."""
    return bytes(brotli.compress(bytes(BOMB_INFLATED), quality=5))


def malformed_html() -> bytes:
    """Markup a careless parser chokes on: unclosed tags, bad bytes, 20,000-deep nesting."""
    return (
        b"<!DOCTYPE html><html><head><title>Broken <b>title</title><meta charset=utf-8"
        b"<script>var s = '</scr' + 'ipt>'; <!-- never closed\n"
        b"</head><body><div id=a id=b class='x\"><p><table><tr><td><form><p>\x00\xff\xfe"
        b"\xc3\x28 invalid utf-8 &#0; &#xD800; &notanentity; <a href='javascript:alert(1)'>"
        + b"<div>" * 20_000
        + b"deep"
        + b"</span>" * 100
        + b"<![CDATA[ x ]]> <?php echo 1 ?> <svg><foreignObject><math><mi><style>"
    )


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _drip(conduit: Conduit, data: bytes) -> None:
    steps = int(DRIP_MAX_SECONDS / DRIP_INTERVAL)
    for i in range(min(steps, len(data))):
        if conduit.gone:
            return
        conduit.write(data[i : i + 1])
        await asyncio.sleep(DRIP_INTERVAL)


async def _endless(conduit: Conduit) -> None:
    conduit.write(_head("200 OK", [("Content-Type", "text/html; charset=utf-8")]))
    chunk = b"<p>" + b"more " * 13_000 + b"</p>\n"
    sent = 0
    while sent < ENDLESS_MAX_BYTES and not conduit.gone:
        conduit.write(chunk)
        sent += len(chunk)
        await conduit.drain()


def _bomb(encoding: str, body: bytes) -> bytes:
    return (
        _head(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", encoding),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        + body
    )


def _redirect(location: str) -> bytes:
    body = f'<a href="{location}">moved</a>'.encode()
    return (
        _head(
            "302 Found",
            [
                ("Location", location),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        + body
    )


def _plain(status: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> bytes:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
    ]
    return _head(status, headers) + body


def _next_loop_path(path: str) -> str:
    """/ -> /loop/1 -> /loop/2 ...: every hop is a new URL, so only a hop limit stops it."""
    tail = path.rsplit("/", 1)[-1]
    step = int(tail) + 1 if path.startswith("/loop/") and tail.isdigit() else 1
    return f"/loop/{step}"


async def misbehave(kind: Hostile, param: str, request: Request, conduit: Conduit) -> None:
    """Answer `request` the hostile way `kind` says (BAD_CERT answers normally elsewhere)."""
    head_only = request.method == "HEAD"
    if kind is Hostile.SLOW_DRIP:
        await _drip(conduit, _plain("200 OK", b"<html><body>" + b"." * 200 + b"</body></html>"))
    elif kind is Hostile.ENDLESS_BODY:
        await _endless(conduit)
    elif kind is Hostile.GZIP_BOMB:
        conduit.write(_bomb("gzip", b"" if head_only else gzip_bomb()))
    elif kind is Hostile.BROTLI_BOMB:
        conduit.write(_bomb("br", b"" if head_only else brotli_bomb()))
    elif kind is Hostile.REDIRECT_LOOP:
        conduit.write(_redirect(_next_loop_path(request.path)))
    elif kind is Hostile.REDIRECT_TO:
        conduit.write(_redirect(param or DEFAULT_REDIRECT_TARGET))
    elif kind is Hostile.HUGE_HEADERS:
        padding = "x" * HUGE_HEADER_BYTES
        body = b"<html><body>huge headers</body></html>"
        conduit.write(
            _head(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("X-Padding", padding),
                    ("Content-Length", str(len(body))),
                    ("Connection", "close"),
                ],
            )
            + body
        )
    elif kind is Hostile.LYING_CONTENT_TYPE:
        conduit.write(_plain("200 OK", PNG_1X1))
    elif kind is Hostile.RESET_MID_BODY:
        head = _head(
            "200 OK",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(RESET_ANNOUNCED)),
            ],
        )
        conduit.write(head + b"<html><body>" + b"a" * (RESET_SENT - 12))
        await conduit.drain()
        await asyncio.sleep(0.05)
        conduit.reset()
        return
    elif kind is Hostile.MALFORMED_HTML:
        conduit.write(_plain("200 OK", malformed_html()))
    elif kind is Hostile.STATUS_404:
        conduit.write(_plain("404 Not Found", b"<html><body><h1>404 Not Found</h1></body></html>"))
    elif kind is Hostile.STATUS_500:
        conduit.write(
            _plain("500 Internal Server Error", b"<html><body><h1>500</h1>oops</body></html>")
        )
    await conduit.drain()
