"""A captured page full of script, event-handler, `javascript:` URL, SVG and CSS-injection
payloads — in its title, text, identifiers, headers and file names — is shown in every
view, in a real browser, without anything executing.

Checked in Chromium: no payload sets its marker, no dialog opens, nothing is fetched from
a beacon URL, the page's own policy reports no violation (so nothing was even attempted:
the payloads arrived as text), the main document holds no element or attribute from the
capture, and the payloads' text is visible as text.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from revenant.store.cases import get_case
from revenant.web import create_app
from tests.web.browser import REPORT, VIOLATIONS, Guard, serve_in_thread
from tests.web.world import PASSWORD, World, capture, page

pytestmark = pytest.mark.slow

JS = "window.__xss = (window.__xss || 0) + 1"
PAYLOADS = [
    f"<script>{JS}</script>",
    f'"><img src=/xss-beacon/img onerror="{JS}">',
    f'<svg onload="{JS}"><circle r=9 /></svg>',
    f'<a href="javascript:{JS}">click</a>',
    "</style><style>body{background:url(/xss-beacon/css)}</style>",
    f'<iframe src="javascript:{JS}"></iframe>',
    f'<details open ontoggle="{JS}">',
    "{{7*7}}${7*7}",
]
ESCAPED = " ".join(
    p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for p in PAYLOADS
)
HOSTILE_HOST = "xss-mirror.net"


def _hostile_body() -> bytes:
    live = "".join(PAYLOADS)  # as markup: would run if rendered
    extra = f"""
<p>{ESCAPED}</p>
{live}
<form action="/x&quot;&gt;&lt;svg onload={JS}&gt;" method="post">
  <input name="&lt;img src=/xss-beacon/field onerror={JS}&gt;"></form>
<script src="/js/a&quot;&gt;&lt;img src=/xss-beacon/file onerror={JS}&gt;.js"></script>
<meta name="generator" content="&lt;script&gt;{JS}&lt;/script&gt;">
<a href="https://t.me/xss_payload_chan">t.me/xss_payload_chan</a>
"""
    # entity-escaped, so the title the parser reads holds the markup itself
    title = f"&lt;img src=/xss-beacon/title onerror=&quot;{JS}&quot;&gt; &lt;script&gt;{JS}&lt;/script&gt;"
    return page(
        "alpha",
        ga="UA-1111111-1",
        btc="1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        extra=extra,
        title=title,
    )


@pytest.fixture(scope="module")
def hostile(world: World) -> int:
    """The hostile page recorded as evidence, scored against `alpha`, and alerted."""
    headers = (
        ("X-Evil", f"<script>{JS}</script>"),
        ("Set-Cookie", f"<img src=x onerror={JS}>=1; Path=/"),
        ("Content-Disposition", 'attachment; filename="<script>x</script>.html"'),
    )
    shot = capture(
        HOSTILE_HOST,
        _hostile_body(),
        when=world.pipe.clock(),
        headers=headers,
        icon=b"<svg onload='" + JS.encode() + b"'/>",
        icon_type="image/svg+xml",
        path=f'/<script>{JS}</script>/"><svg onload={JS}>.html?q=javascript:{JS}',
    )
    stored = world.pipe.record(shot, case=None)
    result = world.pipe.score("alpha", stored.fingerprint)
    alert_id, _ = world.pipe.alert(
        get_case(world.store, "alpha"), result, capture_id=stored.capture_id
    )
    world.alerts[HOSTILE_HOST] = alert_id
    world.captures[HOSTILE_HOST] = stored.capture_id
    return alert_id


@pytest.fixture(scope="module")
def live(world: World, hostile: int) -> Iterator[str]:
    app: FastAPI = create_app(world.settings, store=world.store)
    with serve_in_thread(app) as base:
        yield base


MAIN_DOCUMENT_CHECK = """() => {
  const bad = [];
  for (const s of document.querySelectorAll('script')) {
    if (!(s.getAttribute('src') || '').startsWith('/static/')) bad.push('script ' + s.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push('handler ' + el.tagName + ' ' + a.name);
      if (/^\\s*javascript:/i.test(a.value) && ['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name)) bad.push('js url ' + el.tagName);
    }
  }
  for (const el of document.querySelectorAll('style, link[rel=stylesheet]:not([href^="/static/"]), img:not([src^="/captures/"]), iframe:not(.render), object, embed, base, meta[http-equiv]')) {
    bad.push('element ' + el.outerHTML.slice(0, 80));
  }
  for (const f of document.querySelectorAll('iframe.render')) {
    if (f.getAttribute('sandbox') !== '') bad.push('frame sandbox ' + f.getAttribute('sandbox'));
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (!svg.classList.contains('timeline') && !svg.classList.contains('graph')) bad.push('svg ' + svg.outerHTML.slice(0, 60));
  }
  return bad;
}"""


def test_every_view_shows_the_payloads_as_text_and_runs_nothing(
    world: World, hostile: int, live: str, browser
) -> None:  # type: ignore[no-untyped-def]
    REPORT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    guard = Guard()
    context.route("**/*", guard)
    context.add_init_script(VIOLATIONS)
    dialogs: list[str] = []
    tab = context.new_page()
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.goto(live + "/login")
    tab.fill("input[name=name]", "admin")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(live + "/")
    capture_id = world.captures[HOSTILE_HOST]
    views = {
        "home": "/",
        "queue": "/alerts?state=all",
        "alert": f"/alerts/{hostile}",
        "capture": f"/captures/{capture_id}",
        "case": "/cases/alpha",
        "orders": "/cases/alpha/orders",
        "order": f"/orders/{world.orders['alpha']}",
        "notices": "/cases/alpha/notices",
        "notice": f"/notices/{world.notices['alpha']}",
        "audit": "/admin/audit",
        "users": "/admin/users",
    }
    for name, path in views.items():
        tab.goto(live + path)
        if name == "capture":
            tab.click("#rendered summary")
            tab.wait_for_selector("iframe.render")
            frame = tab.frame_locator("iframe.render")
            frame.locator("body").wait_for()
        tab.wait_for_timeout(300)
        tab.screenshot(path=str(REPORT / f"xss-{name}.png"), full_page=True)
        assert tab.evaluate("window.__xss") is None, name
        assert tab.evaluate("window.__violations") == [], name
        assert tab.evaluate(MAIN_DOCUMENT_CHECK) == [], name
        text = tab.inner_text("body")
        if name in ("alert", "capture"):
            assert "<script>" in text and "onerror=" in text, name  # shown, as text
        # The render frames themselves. Not the frames a capture nests inside one (its
        # `<iframe src="javascript:…">`): the sandbox's flags pass down to them, so no
        # script can run there, and Chromium may never give such a frame a script
        # context for Playwright to evaluate in (the evaluation then waits for ever;
        # seen in 2 of 12 runs).
        if name == "capture":
            assert tab.main_frame.child_frames, "the rendered frame is there to check"
        for frame in tab.main_frame.child_frames:
            assert frame.evaluate("window.__xss") is None, name
    # The favicon is SVG: refused, its reason shown; the URL never answers with it.
    tab.goto(f"{live}/alerts/{hostile}")
    assert "SVG can carry scripts" in tab.inner_text("body")
    response = tab.request.get(f"{live}/captures/{capture_id}/favicon")
    assert response.status == 404
    assert dialogs == []
    assert not [u for u in guard.seen if "xss-beacon" in u]
    assert guard.refused == []
    context.close()
