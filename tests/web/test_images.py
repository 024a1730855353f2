"""A captured image is served only as the raster type it was declared as, with bytes
that carry that type's signature."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from revenant.web.images import check_image
from tests.web.world import png

PNG = png()
GIF = b"GIF89a" + bytes(20)
ICO = b"\x00\x00\x01\x00" + bytes(20)
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(8)


def test_each_raster_type_with_its_signature_is_served_as_itself() -> None:
    assert check_image(PNG, "image/png").content_type == "image/png"
    assert check_image(GIF, "image/gif; charset=binary").content_type == "image/gif"
    assert check_image(ICO, "image/vnd.microsoft.icon").content_type == "image/x-icon"
    assert check_image(WEBP, "IMAGE/WEBP").content_type == "image/webp"


def test_bytes_that_are_not_the_declared_type_are_refused() -> None:
    refused = check_image(b"<html><script>alert(1)</script>", "image/png")
    assert refused.content_type is None and "signature" in refused.reason
    assert check_image(PNG, "image/gif").content_type is None
    assert check_image(PNG, "text/html").content_type is None


def test_svg_and_undeclared_images_are_never_served() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    assert "scripts" in check_image(svg, "image/svg+xml").reason
    assert check_image(PNG, None).content_type is None
    assert check_image(b"", "image/png").content_type is None


@given(
    st.binary(max_size=64),
    st.sampled_from(
        [
            "image/png",
            "image/gif",
            "image/jpeg",
            "image/x-icon",
            "image/webp",
            "image/bmp",
            "text/html",
            "image/svg+xml",
            "",
        ]
    ),
)
def test_anything_served_starts_with_its_types_signature(data: bytes, declared: str) -> None:
    checked = check_image(data, declared)
    if checked.content_type is not None:
        assert checked.content_type == declared
        assert data[:2] in (b"\x89P", b"GI", b"\xff\xd8", b"\x00\x00", b"RI", b"BM")
