"""html/read.py: a page's bytes to its summary in any declared encoding, every cut said,
any bytes read without an exception."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.html import DEFAULT_LIMITS, ParseLimits, read_html


def test_a_utf16_page_is_cut_where_its_utf8_reading_nests_too_deep() -> None:
    html = "<title>é</title>" + "<div>" * 50 + "<p>deep</p>"
    page, note = read_html(html.encode("utf-16"), "utf-16", ParseLimits(depth=20))
    assert page.title == "é" and "deep" not in " ".join(page.text)
    assert note.startswith("markup cut at byte ") and note.endswith("nested deeper than 20")


def test_a_single_byte_encoding_is_decoded_before_the_parse() -> None:
    page, note = read_html("<title>café</title><p>à côté</p>".encode("cp1252"), "cp1252")
    assert page.title == "café" and page.text == ["à côté"] and note == ""


def test_the_cuts_lifted_read_what_the_cuts_stop() -> None:
    markup = b"<title>t</title>" + b"<b>" * 3000 + b"<p>end</p>"
    cut, note = read_html(markup, "utf-8")
    whole, none = read_html(markup, "utf-8", DEFAULT_LIMITS.cuts_lifted())
    assert "end" not in " ".join(cut.text) and "nested deeper than 2,000" in note
    assert "end" in " ".join(whole.text) and none == ""


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["utf-8", "utf-16", "cp1252", "shift_jis"]))
def test_any_bytes_give_a_summary(data: bytes, encoding: str) -> None:
    page, note = read_html(data, encoding, ParseLimits(depth=8, attributes=4, merged=4))
    assert isinstance(page.text, list) and isinstance(note, str)
    assert page.words >= 0 and len(page.forms) <= len(data)
