"""html/attributes.py: markup is cut before a tag with too many attributes, however
the tag is written, and real pages are left exactly as they are."""

from __future__ import annotations

import itertools
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from revenant.html.attributes import MAX_ATTRIBUTES, MAX_MERGED, attribute_cut
from revenant.html.read import read_html
from tests.pages import real_pages

NAMES = ["".join(p) for p in itertools.product(string.ascii_lowercase, repeat=4)][:30_000]


def bound_attributes(data: bytes) -> bytes:
    cut = attribute_cut(data)
    return data if cut is None else data[:cut]


def _most_attributes(markup: bytes) -> int:
    root = LexborHTMLParser(markup).root
    assert root is not None
    return max((len(n.attributes) for n in root.traverse() if n.tag and n.tag[0] != "-"), default=0)


def test_a_tag_with_20000_attributes_is_cut_before_the_parse() -> None:
    page = b"<title>kept</title><div " + " ".join(NAMES[:20_000]).encode() + b">lost</div>"
    assert bound_attributes(page) == b"<title>kept</title>"


@pytest.mark.parametrize("n", [MAX_ATTRIBUTES, MAX_ATTRIBUTES + 1])
def test_the_limit_is_the_most_attributes_a_tag_keeps(n: int) -> None:
    page = b"<p>a</p><div " + " ".join(NAMES[:n]).encode() + b">b</div>"
    assert (bound_attributes(page) == page) is (n <= MAX_ATTRIBUTES)


@pytest.mark.parametrize(
    "attribute",
    [
        '{}=">"',  # ">" inside quoted values: the tag goes on past them
        "{}='>'",
        "{}",  # no value
        "{}=x",  # unquoted
        '{}=""',  # quoted values need no space between them
        "{}/",  # "/" separates attributes too
    ],
)
def test_every_way_of_writing_attributes_is_counted(attribute: str) -> None:
    joiner = "" if attribute.endswith(('"', "'", "/")) else " "
    attrs = joiner.join(attribute.format(n) for n in NAMES[: MAX_ATTRIBUTES + 1])
    page = f"<p>before</p><div {attrs}>after</div>".encode()
    assert bound_attributes(page) == b"<p>before</p>"
    assert _most_attributes(bound_attributes(page)) <= MAX_ATTRIBUTES


def test_repeated_body_tags_are_cut_when_their_attributes_add_up() -> None:
    tags = [f"<body {' '.join(NAMES[i * 10 : i * 10 + 10])}>" for i in range(40)]
    page = ("<html><title>t</title>" + "".join(tags)).encode()
    cut = attribute_cut(page)
    assert cut is not None and page[cut:].startswith(tags[MAX_MERGED // 10].encode())
    assert _most_attributes(bound_attributes(page)) <= MAX_MERGED


def test_a_page_not_in_an_ascii_based_encoding_is_bounded_too() -> None:
    html = "<p>é</p><div " + " ".join(NAMES[:300]) + ">lost</div>"
    page, note = read_html(html.encode("utf-16"), "utf-16")
    assert page.text == ["é"] and "more than 256 attributes" in note


_ATTR = st.sampled_from(
    ["a", "b=1", 'c=">"', "d='<x>'", "e=", "=f", '"g"', "h/", "i=j>k", "<l", "m='", 'n="']
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_ATTR, st.integers(0, MAX_ATTRIBUTES + 40)), max_size=4), st.data())
def test_after_the_bound_no_element_has_more_attributes_than_the_limit(
    runs: list[tuple[str, int]], data: st.DataObject
) -> None:
    parts = []
    for shape, count in runs:
        sep = data.draw(st.sampled_from([" ", "/", "\n", ""]))
        attrs = sep.join(f"{shape}{NAMES[i]}" if shape[-1] in "=/'\"" else f"{NAMES[i]}{shape}"
                         for i in range(count))  # fmt: skip
        parts.append(f"<{data.draw(st.sampled_from(['div', 'body', 'b', 'svg']))} {attrs}>x")
    page = "".join(parts).encode()
    assert _most_attributes(bound_attributes(page)) <= MAX_ATTRIBUTES


def test_real_pages_are_left_as_they_are() -> None:
    pages = [body for _, body in real_pages()]
    assert len(pages) == 91
    assert [attribute_cut(p) for p in pages] == [None] * 91
