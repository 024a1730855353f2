"""Bytes the scenario's sites are made of: favicons drawn from a seed, and the shared
noise of the web (one jQuery, one Bootstrap, one open-source chat script, one CMS
favicon) that many unrelated sites serve byte for byte.

The shared files are fixed, not drawn from the scenario seed: on the real web every
site serving jquery-3.6.0.min.js serves the same bytes, whatever the case.
"""

from __future__ import annotations

import functools
import random
import struct
import zlib

Rgb = tuple[int, int, int]

_JS_WORDS = [
    "var",
    "function",
    "return",
    "this",
    "prototype",
    "length",
    "each",
    "extend",
    "ready",
    "event",
    "data",
    "attr",
    "call",
    "apply",
    "push",
    "slice",
    "nodeType",
    "document",
    "window",
    "selector",
    "context",
    "options",
    "value",
]


def pseudo_js(banner: str, seed: int, size: int) -> bytes:
    """Minified-looking JavaScript, the same bytes for the same (banner, seed, size)."""
    rng = random.Random(seed)
    parts = [banner, "\n!function(e,t){"]
    total = 0
    while total < size:
        a, b, c = rng.choice(_JS_WORDS), rng.choice(_JS_WORDS), rng.choice(_JS_WORDS)
        n = rng.randrange(1000)
        chunk = f"{a}.{b}=function(n,r){{return n&&r.{c}?n[{n}]:r.{a}({n})}};"
        parts.append(chunk)
        total += len(chunk)
    parts.append("}(window);\n")
    return "".join(parts).encode()


def pseudo_css(banner: str, seed: int, size: int) -> bytes:
    """Minified-looking CSS, the same bytes for the same (banner, seed, size)."""
    rng = random.Random(seed)
    parts = [banner, "\n"]
    total = 0
    props = ("margin", "padding", "color", "display", "border", "font-size", "line-height")
    while total < size:
        cls = "".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randrange(3, 9)))
        chunk = f".{cls}{{{rng.choice(props)}:{rng.randrange(40)}px}}"
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts).encode()


@functools.cache
def jquery() -> bytes:
    """The one jquery-3.6.0.min.js of the testnet web."""
    banner = (
        "/*! jQuery v3.6.0 | (c) OpenJS Foundation and other contributors | jquery.org/license */"
    )
    return pseudo_js(banner, 360, 24_000)


@functools.cache
def bootstrap_css() -> bytes:
    """The one bootstrap.min.css (v5.3.2)."""
    return pseudo_css("/*! Bootstrap v5.3.2 (https://getbootstrap.com/) */", 532, 16_000)


@functools.cache
def bootstrap_js() -> bytes:
    """The one bootstrap.bundle.min.js (v5.3.2)."""
    return pseudo_js("/*! Bootstrap v5.3.2 (https://getbootstrap.com/) */", 5320, 12_000)


@functools.cache
def opentchat_js() -> bytes:
    """The stock client of "OpenTchat", an open-source chat app many chat sites run."""
    banner = "/*! OpenTchat client 2.3.1 | MIT | github.com/opentchat/opentchat */"
    return pseudo_js(banner, 231, 18_000)


@functools.cache
def opentchat_css() -> bytes:
    """The stock OpenTchat stylesheet."""
    return pseudo_css("/*! OpenTchat 2.3.1 theme */", 2310, 6_000)


def _ico(pixels: list[list[Rgb]]) -> bytes:
    """A one-image ICO (32-bit BMP inside) from rows of RGB pixels, top row first."""
    size = len(pixels)
    rows = b"".join(
        b"".join(struct.pack("BBBB", b, g, r, 255) for r, g, b in row) for row in reversed(pixels)
    )
    mask = bytes(((size + 31) // 32) * 4 * size)
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, len(rows), 0, 0, 0, 0)
    image = header + rows + mask
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16)
    return directory + entry + image


def favicon(rng: random.Random, shape: str = "") -> bytes:
    """A 16x16 ICO drawn from `rng`: a background, a shape ("bubble", "disc", "bars",
    "letter" or random) in a second colour, and a little noise."""
    back: Rgb = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    fore: Rgb = (255 - back[0], rng.randrange(256), 255 - back[2])
    shape = shape or rng.choice(("bubble", "disc", "bars", "letter"))
    bar_width = rng.randrange(2, 5)
    glyph = [rng.getrandbits(5) for _ in range(7)]
    pixels: list[list[Rgb]] = []
    for y in range(16):
        row: list[Rgb] = []
        for x in range(16):
            if shape == "bubble":
                inside = (2 <= x <= 13 and 3 <= y <= 10) or (4 <= x <= 6 and 11 <= y <= 13)
            elif shape == "disc":
                inside = (x - 7.5) ** 2 + (y - 7.5) ** 2 <= 36
            elif shape == "bars":
                inside = (x // bar_width) % 2 == 0 and y > 3
            else:
                inside = 4 <= y <= 10 and 5 <= x <= 9 and bool(glyph[y - 4] >> (x - 5) & 1)
            row.append(fore if inside else back)
        pixels.append(row)
    for _ in range(4):
        grey = rng.randrange(256)
        pixels[rng.randrange(16)][rng.randrange(16)] = (grey, grey, grey)
    return _ico(pixels)


@functools.cache
def cms_favicon() -> bytes:
    """The default favicon of a popular CMS, left in place by countless sites."""
    return favicon(random.Random("cms-default-favicon"), "letter")


def png(rng: random.Random, width: int = 32, height: int = 32) -> bytes:
    """A small PNG of noise (for logos and for PNG favicons)."""
    raw = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
