"""`--render auto`: which captured pages need a browser to be seen."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.html import default_pool
from revenant.model import Capture, Exchange, Outcome, Parsed
from revenant.probe.shell import AUTO_MIN_WORDS, needs_render, renderable, wants_render

T0 = datetime(2026, 11, 30, tzinfo=UTC)


def _page(body: bytes, ctype: str = "text/html; charset=utf-8", **kw: object) -> Exchange:
    fields: dict[str, object] = {
        "role": "page",
        "url": "https://x.test/",
        "started": T0,
        "outcome": Outcome.OK,
        "status": 200,
        "headers": (("Content-Type", ctype),),
        "payload": body,
        "content": body,
    }
    fields.update(kw)
    return Exchange(**fields)  # type: ignore[arg-type]


def _parsed(body: bytes) -> Parsed:
    return default_pool().parse(body, "utf-8")


ARTICLE = b"<html><body><p>" + b"a sentence with several words in it. " * 20 + b"</p></body></html>"
SHELL = b'<html><head><title>App</title></head><body><div id="root"></div></body></html>'


def test_an_app_shell_needs_rendering_and_an_article_does_not() -> None:
    assert needs_render(_parsed(SHELL))
    assert not needs_render(_parsed(ARTICLE))


def test_an_empty_mount_point_beside_plenty_of_text_still_needs_rendering() -> None:
    body = ARTICLE.replace(b"</body>", b'<div id="app"> </div></body>')
    assert needs_render(_parsed(body))


def test_words_in_scripts_and_styles_do_not_count() -> None:
    words = b"word " * (AUTO_MIN_WORDS * 3)
    body = (
        b"<html><body><script>/* "
        + words
        + b"*/</script><style>"
        + words
        + b"</style></body></html>"
    )
    assert needs_render(_parsed(body))


def test_only_html_bodies_that_were_kept_are_rendered() -> None:
    assert not renderable(None)
    assert not renderable(_page(SHELL, ctype="application/json"))
    assert not renderable(_page(b"", outcome=Outcome.REFUSED))
    assert not renderable(_page(SHELL, status=None))
    assert renderable(_page(SHELL, ctype=""))  # undeclared, starts with markup


def test_modes() -> None:
    page = _page(ARTICLE)
    capture = Capture("https://x.test/", "x.test", T0, T0, Outcome.OK, exchanges=(page,),
                      parsed=_parsed(page.content))  # fmt: skip
    assert wants_render(capture, "always") and not wants_render(capture, "auto")
    assert not wants_render(capture, "never")


def test_a_page_whose_markup_was_not_read_is_rendered_in_auto_mode() -> None:
    capture = Capture("https://x.test/", "x.test", T0, T0, Outcome.OK, exchanges=(_page(ARTICLE),))
    assert wants_render(capture, "auto")  # no parse attached: in doubt, rendered
    other = _parsed(ARTICLE + b" ")  # a parse of other bytes is not this page's
    assert wants_render(replace(capture, parsed=other), "auto")


def test_hidden_text_is_not_visible_text() -> None:
    body = b'<html><body><div style="display:none">' + b"word " * 200 + b"</div></body></html>"
    assert needs_render(_parsed(body))


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_get_an_answer(body: bytes) -> None:
    assert needs_render(_parsed(body)) in (True, False)
