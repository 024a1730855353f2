"""What a rendered page looked like, as a 64-bit perceptual hash (pHash: the low
frequencies of a 32x32 DCT of the grey image, imagehash 4.3.2) of its first screen.

Two screenshots of one theme hash a few bits apart whatever their words; the matcher
turns the distance into bits the way it does for the text and DOM sketches, calibrated
on unrelated pairs. Only the first screen (1280x800, what a visitor sees on arrival) is
hashed: a full page squeezed to 32x32 would mostly measure its length.

It must never raise on a PNG, nor decode one past its pixel bound (the renderer's
PNGs come from our own browser, but a WARC read back may hold anything).
"""

from __future__ import annotations

import io
import warnings

import imagehash
from PIL import Image

FIRST_SCREEN = (1280, 800)
MAX_PIXELS = 1280 * 20_000
"""Largest image decoded (a screenshot is at most 1280 x 8000 pixels)."""


_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
"""The PNG trailer: the last chunk of every whole PNG file."""


def screenshot_phash(png: bytes) -> int | None:
    """The pHash of the first screen of a PNG screenshot, or None if it is not one."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or not png.endswith(_IEND):
        return None  # not a PNG, or a cut one (never decoded leniently, whatever Pillow's
        # process-wide LOAD_TRUNCATED_IMAGES says)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(png), formats=("PNG",)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS or not width or not height:
                    return None
                screen = image.crop(
                    (0, 0, min(width, FIRST_SCREEN[0]), min(height, FIRST_SCREEN[1]))
                )
                return int(str(imagehash.phash(screen.convert("L"), hash_size=8)), 16)
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return None
