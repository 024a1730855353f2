"""`--render auto`: which captured pages need a browser to be seen."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.model import Capture, Exchange, Outcome
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


ARTICLE = b"<html><body><p>" + b"a sentence with several words in it. " * 20 + b"</p></body></html>"
SHELL = b'<html><head><title>App</title></head><body><div id="root"></div></body></html>'


def test_an_app_shell_needs_rendering_and_an_article_does_not() -> None:
    assert needs_render(_page(SHELL))
    assert not needs_render(_page(ARTICLE))


def test_an_empty_mount_point_beside_plenty_of_text_still_needs_rendering() -> None:
    body = ARTICLE.replace(b"</body>", b'<div id="app"> </div></body>')
    assert needs_render(_page(body))


def test_words_in_scripts_and_styles_do_not_count() -> None:
    words = b"word " * (AUTO_MIN_WORDS * 3)
    body = (
        b"<html><body><script>/* "
        + words
        + b"*/</script><style>"
        + words
        + b"</style></body></html>"
    )
    assert needs_render(_page(body))


def test_only_html_bodies_that_were_kept_are_rendered() -> None:
    assert not renderable(None)
    assert not renderable(_page(SHELL, ctype="application/json"))
    assert not renderable(_page(b"", outcome=Outcome.REFUSED))
    assert not renderable(_page(SHELL, status=None))
    assert renderable(_page(SHELL, ctype=""))  # undeclared, starts with markup


def test_modes() -> None:
    capture = Capture("https://x.test/", "x.test", T0, T0, Outcome.OK, exchanges=(_page(ARTICLE),))
    assert wants_render(capture, "always") and not wants_render(capture, "auto")
    assert not wants_render(capture, "never")


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_get_an_answer(body: bytes) -> None:
    assert needs_render(_page(body)) in (True, False)
