"""html/nesting.py: markup is cut before elements nest deeper than the bound, however
the end tags are written to pretend they close something, and real pages are left as
they are."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from revenant.html.nesting import MAX_DEPTH, nesting_cut
from tests.pages import real_pages


def _depth(markup: bytes) -> int:
    """How deep Lexbor's tree of `markup` is (elements, <html> counted as 1)."""
    root = LexborHTMLParser(markup).root
    assert root is not None
    depth: dict[int, int] = {}
    most = 0
    for node in root.traverse(include_text=False):
        parent = node.parent
        level = depth.get(parent.mem_id, 0) + 1 if parent is not None else 1
        depth[node.mem_id] = level
        most = max(most, level)
    return most


def _bounded(markup: bytes, max_depth: int) -> bytes:
    cut = nesting_cut(markup, max_depth=max_depth)
    return markup if cut is None else markup[:cut]


@pytest.mark.parametrize(
    "unit",
    [
        "<div>",
        "<div></i>",  # a stray end tag closes nothing
        "<div><table></div></table>",  # nor one that cannot close across a table
        "<span><div></span></div>",  # nor a span's across a special element
        "<div><select></div></select>",  # inside a select only its own end tags count
        '<div title="</div>">',  # an end tag in an attribute value is text
        "<div><script></div></script>",  # and in a script
        "<div><script><!--<script></script></div></script>",  # and in an escaped script
        "<div><!x </div>",  # and in a bogus comment
        "<div><!-- </div> -->",  # and in a comment
        "<div></body></html>",  # </body> and </html> close nothing
        "<p><button><p>",
    ],
)
def test_end_tags_that_close_nothing_do_not_let_markup_nest_deeper(unit: str) -> None:
    markup = (unit * 20_000).encode()
    kept = _bounded(markup, MAX_DEPTH)
    assert len(kept) < len(markup)
    assert _depth(kept) <= MAX_DEPTH + 3  # <html>, <body> and one more


@pytest.mark.parametrize(
    "unit", ["<div></div>", "<p>a</p>", "<ul><li>a</li></ul>", "<table><tr><td>x</td></tr></table>"]
)
def test_balanced_markup_is_never_cut(unit: str) -> None:
    assert nesting_cut((unit * 50_000).encode()) is None


_TAG = st.sampled_from(
    ["<div>", "</div>", "<i>", "</i>", "<b>", "</b>", "<span>", "</span>", "<p>", "</p>",
     "<table>", "</table>", "<td>", "</td>", "<tr>", "<template>", "</template>", "<li>",
     "<ul>", "</ul>", "<select>", "</select>", "<button>", "</button>", "<svg>", "</svg>",
     "<math>", "<mi>", "</mi>", "<object>", "</object>", "<x-y>", "</x-y>", "<script>",
     "</script>", "<style>", "</style>", "<textarea>", "</textarea>", "<!--", "-->",
     '<div title="', '">', "<!x ", ">", "<br>", "</br>", "<a>", "</a>", "</body>", "x"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_TAG, min_size=1, max_size=8), st.integers(5, 60))
def test_the_tree_nests_at_most_a_few_times_deeper_than_the_bound(
    unit: list[str], repeat: int
) -> None:
    """Markup repeated to nest: what is kept builds a tree at most about twice the
    bound deep (elements the tree builder adds, <tbody> and <tr> around a <td>, are
    not in the markup), plus <html> and <body>."""
    bound = 8
    kept = _bounded(("".join(unit) * repeat).encode(), bound)
    assert _depth(kept) <= 3 * bound + 2


def test_real_pages_are_left_as_they_are() -> None:
    pages = [body for _, body in real_pages()]
    assert len(pages) == 91
    assert [nesting_cut(p) for p in pages] == [None] * 91
