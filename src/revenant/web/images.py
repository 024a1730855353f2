"""Which captured images may be shown: only bytes that are the image type the server
declared, of a type a browser cannot run code from.

A favicon is served back to an analyst's browser from this origin, so it must never be
HTML, SVG (which can carry script) or anything the browser would sniff into one. The
declared Content-Type must name a raster type and the first bytes must carry that
type's signature; anything else is shown as its hashes only, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/x-icon": (b"\x00\x00\x01\x00",),
    "image/bmp": (b"BM",),
    "image/webp": (),  # RIFF....WEBP, checked below
}
_ALIASES = {
    "image/vnd.microsoft.icon": "image/x-icon",
    "image/ico": "image/x-icon",
    "image/icon": "image/x-icon",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
}


@dataclass(frozen=True)
class CheckedImage:
    """The type to serve the bytes as, or None and why not."""

    content_type: str | None
    reason: str = ""


def _signature_ok(kind: str, data: bytes) -> bool:
    if kind == "image/webp":
        return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return any(data.startswith(sig) for sig in _SIGNATURES[kind])


def check_image(data: bytes, declared: str | None) -> CheckedImage:
    """Serve `data` as an image only if it is what `declared` says, and a raster type."""
    if not data:
        return CheckedImage(None, "no bytes were kept")
    if not declared:
        return CheckedImage(None, "the server declared no Content-Type")
    kind = declared.split(";", 1)[0].strip().lower()
    kind = _ALIASES.get(kind, kind)
    if kind == "image/svg+xml":
        return CheckedImage(None, "SVG can carry scripts; not displayed")
    if kind not in _SIGNATURES:
        return CheckedImage(None, f"declared type {kind[:60]!r} is not a raster image type")
    if not _signature_ok(kind, data):
        return CheckedImage(None, f"the bytes are not {kind} (signature does not match)")
    return CheckedImage(kind)
