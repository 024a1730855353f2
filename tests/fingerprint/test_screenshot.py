"""The screenshot pHash: near for two looks of one theme, far for another, None for
anything that is not a PNG it may decode."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from revenant.fingerprint import extract
from revenant.fingerprint.screenshot import screenshot_phash
from revenant.fingerprint.text import hamming
from revenant.model import Capture, Exchange, Outcome, Refusal, Rendering

T0 = datetime(2026, 11, 30, tzinfo=UTC)


def _theme(header: str, words: str, height: int = 1400) -> bytes:
    """A page-like image: a coloured bar, a column of text lines, a sidebar."""
    image = Image.new("RGB", (1280, height), header if header.startswith("#f") else "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 90), fill=header)
    draw.rectangle((960, 120, 1240, 700), fill="#dde3ea")
    for i, word in enumerate(words.split()):
        y = 130 + 28 * i
        draw.rectangle((60, y, 60 + 18 * len(word), y + 14), fill="#333333")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_one_theme_with_other_words_hashes_near() -> None:
    a = screenshot_phash(
        _theme("#7a1fa2", "welcome to the chat rooms tonight pick a name and enter")
    )
    b = screenshot_phash(
        _theme("#7a1fa2", "bienvenue sur le tchat choisissez un pseudo et entrez ici")
    )
    assert a is not None and b is not None
    assert hamming(a, b) <= 12


def test_another_layout_hashes_far() -> None:
    a = screenshot_phash(_theme("#7a1fa2", "welcome to the chat rooms tonight pick a name"))
    image = Image.new("RGB", (1280, 800), "#101418")
    draw = ImageDraw.Draw(image)
    for x in range(0, 1280, 160):
        draw.rectangle((x + 20, 200, x + 140, 700), fill="#f0c040")
    out = io.BytesIO()
    image.save(out, "PNG")
    b = screenshot_phash(out.getvalue())
    assert a is not None and b is not None
    assert hamming(a, b) >= 20


def test_only_the_first_screen_counts() -> None:
    short = _theme("#2060c0", "same first screen", height=800)
    long = _theme("#2060c0", "same first screen", height=7000)
    assert screenshot_phash(short) == screenshot_phash(long)


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def test_a_png_claiming_a_huge_canvas_is_not_decoded() -> None:
    assert screenshot_phash(_png_header(100_000, 100_000) + b"\x00" * 64) is None


def test_not_a_png_gives_none() -> None:
    assert screenshot_phash(b"") is None
    assert screenshot_phash(b"GIF89a" + bytes(100)) is None
    assert screenshot_phash(_theme("#000000", "cut")[:200]) is None


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_after_the_signature_never_raise(tail: bytes) -> None:
    result = screenshot_phash(b"\x89PNG\r\n\x1a\n" + tail)
    assert result is None or 0 <= result < 2**64


def test_extract_reads_the_rendered_dom_the_browser_requests_and_the_screenshot() -> None:
    shell = b'<!doctype html><html><head><title>App</title></head><body><div id="app"></div></body></html>'
    dom = (
        b"<html><head><title>Chat drawn by script</title></head><body><div id='app'>"
        b"<h1>Welcome to the rooms</h1><p>"
        + b"People chat here every night about music films and games. " * 6
        + b"</p><a href='https://t.me/drawn_channel'>Telegram</a></div></body></html>"
    )
    page = Exchange(
        role="page",
        url="https://app.example/",
        started=T0,
        outcome=Outcome.OK,
        status=200,
        headers=(("Content-Type", "text/html"),),
        payload=shell,
        content=shell,
    )
    api = Exchange(
        role="render:fetch",
        url="https://app.example/api/v2/rooms",
        started=T0,
        outcome=Outcome.OK,
        status=200,
        headers=(("Content-Type", "application/json"),),
        payload=b'{"donate": "mail me at boss@drawn-mail.net"}',
        content=b'{"donate": "mail me at boss@drawn-mail.net"}',
    )
    shot = _theme("#7a1fa2", "welcome to the rooms")
    rendering = Rendering(
        url="https://app.example/",
        started=T0,
        finished=T0,
        outcome=Outcome.OK,
        dom=dom,
        screenshot=shot,
        refused=(Refusal("wss://app.example/socket/live", "websocket", "refused"),),
    )
    raw = Capture(
        target="https://app.example/",
        host="app.example",
        started=T0,
        finished=T0,
        outcome=Outcome.OK,
        exchanges=(page,),
    )
    rendered = Capture(
        target=raw.target,
        host=raw.host,
        started=T0,
        finished=T0,
        outcome=Outcome.OK,
        exchanges=(page, api),
        rendering=rendering,
    )
    before, after = extract(raw), extract(rendered)
    kinds = {(f.kind, f.value) for f in after.features}
    assert ("telegram", "drawn_channel") in kinds
    assert ("email", "boss@drawn-mail.net") in kinds
    assert any(k == "endpoint" and "/api/" in v for k, v in kinds)
    assert any(k == "endpoint" and "socket" in v for k, v in kinds)
    assert not {("telegram", "drawn_channel")} & {(f.kind, f.value) for f in before.features}
    assert before.text_words < 20 <= after.text_words
    assert after.shot_phash == screenshot_phash(shot) and before.shot_phash is None
    assert after.title == "app"  # the raw title stands; the rendered one is a feature too
    assert ("title", "chat drawn by script") in kinds


def test_a_cut_png_gives_none_even_when_pillow_is_told_to_be_lenient() -> None:
    """WeasyPrint (the case report) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        assert screenshot_phash(_theme("#000000", "cut")[:200]) is None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
