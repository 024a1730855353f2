"""Rendered capture: a real browser loads the page the prober captured, and every
request it makes is fulfilled by the prober, so the address policy (the address
actually connected to, every redirect hop), the bounds, the User-Agent, the proxy and
the evidence apply to each subresource as to the page itself.

It must never let the browser fetch anything itself: the page and the scripts and
styles the prober already holds are answered from the capture, anything else the
page asks for is fetched by `Prober.fetch` or refused (what `policy.browser_refusal`
refuses: images, video, audio, fonts, WebSockets, event streams, pings, non-GET
methods...; what the prober's policy refuses; downloads, popups, requests past the
bound). Which pages are rendered in `auto` mode is `shell.py`'s call. It must never exceed the rendering's
time bound, its request bound or its byte bound, and never raise for what a page does:
a page that hangs, loops or crashes the renderer ends as an outcome with a reason.
What it returns is the capture with the browser's exchanges (role "render:<type>")
and a `Rendering` (DOM after load, full-page screenshot, refusals); evidence/ records
both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from yarl import URL

from revenant.model import Capture, Clock, Exchange, Outcome, Refusal, Rendering, utcnow
from revenant.probe.browser import VIEWPORT, Browser
from revenant.probe.config import ProbeConfig
from revenant.probe.fetch import Fetched
from revenant.probe.policy import WEBSOCKET_REFUSAL, browser_refusal, url_refusal
from revenant.probe.shell import renderable

QUIET = 0.3
"""Seconds without a request in flight after which a loaded page counts as settled
(Playwright's "networkidle" waits 500 ms, most of a simple page's rendering time)."""

_DROPPED_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class Fetcher(Protocol):
    """What the renderer needs of the prober: one bounded exchange under the policy."""

    async def fetch(
        self, url: str, role: str, *, bad_cert: dict[str, str] | None = None
    ) -> Fetched: ...


def _key(url: str) -> str:
    try:
        return str(URL(url).with_fragment(None))
    except (ValueError, TypeError):
        return url


def _fulfil_headers(exchange: Exchange) -> dict[str, str]:
    """The response headers for the browser: the body is handed over decoded, so
    codings and lengths go; repeated fields are joined as Playwright expects."""
    out: dict[str, str] = {}
    for key, value in exchange.headers:
        low = key.lower()
        if low in _DROPPED_HEADERS or not _TOKEN.match(key):
            continue
        value = value.replace("\r", " ").replace("\n", " ")
        if low in out:
            out[low] += ("\n" if low == "set-cookie" else ", ") + value
        else:
            out[low] = value
    return out


def _is_download(exchange: Exchange) -> bool:
    disposition = (exchange.header("Content-Disposition") or "").lower()
    return disposition.strip().startswith("attachment")


@dataclass
class _Job:
    """One rendering in progress: what the page asked for and what it was given."""

    limits: Any  # Bounds
    cache: dict[str, Exchange]
    page: Any = None
    exchanges: list[Exchange] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    refused_more: int = 0
    requests: int = 0
    given: int = 0  # body bytes handed to the page
    bad_cert: dict[str, str] = field(default_factory=dict)
    tasks: set[asyncio.Future[Any]] = field(default_factory=set)
    closed: bool = False
    final_url: str = ""  # where the page was when the profile closed
    cdp: Any = None  # the page's DevTools session
    flooded: bool = False  # the page went past the request bound

    def refuse(self, url: str, kind: str, reason: str) -> None:
        if self.closed:
            return
        if len(self.refused) < self.limits.render_refusals:
            self.refused.append(Refusal(url[:2048], kind, reason))
        else:
            self.refused_more += 1


# Runs in an isolated world (the page's own scripts cannot redefine what it calls) and
# returns at most `limit` characters, so a page cannot hand over an unbounded DOM.
_DOM_JS = """(() => {
  const limit = %d;
  const root = document.documentElement;
  if (!root) return JSON.stringify(["", false, 0]);
  const doctype = document.doctype ? "<!DOCTYPE " + document.doctype.name + ">" : "";
  const html = doctype + root.outerHTML;
  const height = Math.max(root.scrollHeight || 0, document.body ? document.body.scrollHeight : 0);
  return JSON.stringify([html.length > limit ? html.slice(0, limit) : html, html.length > limit, height]);
})()"""


class Renderer:
    """Renders captures in one headless Chromium, each in a fresh profile:
    `async with Renderer(prober, config) as r: capture = await r.render(capture)`."""

    def __init__(self, fetcher: Fetcher, config: ProbeConfig, *, clock: Clock = utcnow) -> None:
        self._fetcher = fetcher
        self._config = config
        self._clock = clock
        self._browser = Browser()
        self._slots = asyncio.Semaphore(config.concurrency.renders)
        self._restart = asyncio.Lock()

    async def __aenter__(self) -> Renderer:
        await self._browser.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._browser.close()

    async def render(self, capture: Capture) -> Capture:
        """`capture` with the browser's exchanges and its `Rendering` added; unchanged
        if its page cannot be rendered (no HTML body was kept)."""
        page = capture.page
        if not renderable(page):
            return capture
        assert page is not None
        async with self._slots:
            await self._ensure_browser()
            job, rendering = await self._render(capture, page)
        return replace(
            capture,
            exchanges=capture.exchanges + tuple(job.exchanges),
            rendering=rendering,
            finished=max(capture.finished, rendering.finished),
        )

    async def _ensure_browser(self) -> None:
        async with self._restart:
            if not self._browser.connected:  # crashed or killed: a new one for what follows
                await self._browser.close()
                await self._browser.start()

    async def _render(self, capture: Capture, page: Exchange) -> tuple[_Job, Rendering]:
        b = self._config.bounds
        cache = {_key(page.url): page}
        for e in capture.assets:
            if e.outcome is Outcome.OK and e.status is not None:
                cache.setdefault(_key(e.url), e)
        job = _Job(limits=b, cache=cache)
        started = self._clock()
        outcome, reason = Outcome.OK, ""
        dom, cut, shot = b"", False, b""
        context: Any = None
        try:
            async with asyncio.timeout(b.render):
                context = await self._browser.context(self._config.user_agent, b.render_requests)
                await self._wire(context, job)
                job.page = await context.new_page()
                job.cdp = await context.new_cdp_session(job.page)
                job.page.on("download", lambda d: self._download(job, d))
                outcome, reason = await self._load(job, page.url)
                dom, cut, height = await self._dom(job.cdp)
                shot = await self._screenshot(job.page, height)
                if len(shot) > b.screenshot:
                    shot = await self._screenshot(job.page, VIEWPORT["height"])
                    reason = (
                        f"{reason}; " if reason else ""
                    ) + f"full-page screenshot over {b.screenshot} bytes: first screen only"
        except TimeoutError:
            outcome, reason = Outcome.TIMEOUT, f"rendering not complete within {b.render} s"
        except Exception as exc:  # the browser side failed (crash, closed target)
            if outcome is Outcome.OK:
                outcome = Outcome.PROTOCOL_ERROR
                reason = f"browser: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        finally:
            await self._dispose(job, context, kill=outcome is not Outcome.OK or job.flooded)
        return job, Rendering(
            url=job.final_url or page.url,
            started=started,
            finished=self._clock(),
            outcome=outcome,
            reason=reason,
            dom=dom,
            dom_truncated=cut,
            screenshot=shot,
            refused=tuple(job.refused),
            refused_more=job.refused_more,
            requests=job.requests,
            browser=self._browser.info.product,
        )

    async def _wire(self, context: Any, job: _Job) -> None:
        """Every request of the profile goes to `_answer`; WebSockets and popups are
        refused as they appear."""

        def route(route: Any) -> None:
            self._spawn(job, self._answer(job, route))

        async def socket(ws: Any) -> None:
            job.requests += 1
            job.refuse(ws.url, "websocket", WEBSOCKET_REFUSAL)
            with contextlib.suppress(Exception):
                await ws.close(code=1008, reason="refused")

        def popup(new: Any) -> None:
            if job.page is None or new is job.page:
                return
            job.refuse(new.url or "about:blank", "popup", "popups are refused")
            self._spawn(job, new.close())

        await context.route("**/*", route)
        await context.route_web_socket(re.compile(r".*"), socket)
        context.on("page", popup)

    def _download(self, job: _Job, download: Any) -> None:
        job.refuse(download.url, "download", "downloads are refused")
        self._spawn(job, download.cancel())

    def _refusal(self, job: _Job, request: Any) -> str | None:
        b = self._config.bounds
        if job.requests > b.render_requests:
            return f"over the bound of {b.render_requests} requests for one rendered page"
        try:
            frame_page = request.frame.page
        except Exception:  # a worker's, or a popup's before Playwright knows its page
            frame_page = None
        if frame_page is None or frame_page is not job.page:
            return "requests from outside the rendered page (a popup or a worker) are refused"
        return browser_refusal(request.resource_type, request.method) or url_refusal(request.url)

    async def _answer(self, job: _Job, route: Any) -> None:
        try:
            await self._answer_one(job, route)
        except asyncio.CancelledError:
            raise
        except Exception:  # the page or its profile went away mid-answer
            return

    async def _answer_one(self, job: _Job, route: Any) -> None:
        request = route.request
        url, kind = request.url, request.resource_type
        job.requests += 1
        if job.requests > self._config.bounds.render_requests:
            job.flooded = True
        why = self._refusal(job, request)
        if why:
            job.refuse(url, kind, why)
            await route.abort("blockedbyclient")
            return
        exchange = job.cache.pop(_key(url), None)
        if exchange is None:
            fetched = await self._fetcher.fetch(url, f"render:{kind}", bad_cert=job.bad_cert)
            exchange = fetched.exchange
            if job.closed:
                return
            job.exchanges.append(exchange)
        if exchange.outcome is Outcome.REFUSED:
            job.refuse(url, kind, exchange.reason)
            await route.abort("blockedbyclient")
            return
        status = exchange.status
        if status is None or not 200 <= status < 600:
            await route.abort("failed")  # the exchange itself records what went wrong
            return
        if _is_download(exchange):
            job.refuse(url, "download", "downloads are refused (Content-Disposition: attachment)")
            await route.abort("blockedbyclient")
            return
        body = exchange.content
        if job.given + len(body) > self._config.bounds.render_bytes:
            job.refuse(url, kind, f"over the {self._config.bounds.render_bytes} byte bound")
            await route.abort("blockedbyclient")
            return
        job.given += len(body)
        await route.fulfill(status=status, headers=_fulfil_headers(exchange), body=body)

    def _spawn(self, job: _Job, coro: Any) -> None:
        task: asyncio.Future[Any] = asyncio.ensure_future(coro)
        job.tasks.add(task)
        task.add_done_callback(job.tasks.discard)

    async def _load(self, job: _Job, url: str) -> tuple[Outcome, str]:
        """Navigate, then let the page's requests settle; a slow page is a TIMEOUT
        outcome but is still snapshotted."""
        from playwright.async_api import Error
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        b = self._config.bounds
        load_ms = int(b.render * 600)  # 60% of the bound; the rest settles and snapshots
        outcome, reason = Outcome.OK, ""
        try:
            await job.page.goto(url, wait_until="load", timeout=load_ms)
        except PlaywrightTimeout:
            outcome, reason = Outcome.TIMEOUT, f"load event not within {load_ms / 1000:g} s"
        except Error as exc:
            outcome = Outcome.PROTOCOL_ERROR
            reason = f"navigation failed: {str(exc).splitlines()[0][:300]}"
        if outcome is Outcome.OK:
            await self._settle(job)
        return outcome, reason

    async def _settle(self, job: _Job) -> None:
        """After the load event, wait until no request of the page has been in the
        prober's hands for QUIET seconds (the requests an app makes once its code has
        run), at most `render_settle` seconds. Every request passes through `_answer`,
        so its tasks are the page's network activity."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.bounds.render_settle
        quiet_since: float | None = None
        while (now := loop.time()) < deadline:
            if job.tasks:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= QUIET:
                return
            await asyncio.sleep(0.05)

    async def _dom(self, cdp: Any) -> tuple[bytes, bool, int]:
        """(DOM after load, whether it was cut, document height), read from an isolated
        world within the time left."""
        tree = await cdp.send("Page.getFrameTree")
        world = await cdp.send(
            "Page.createIsolatedWorld",
            {"frameId": tree["frameTree"]["frame"]["id"], "worldName": "revenant"},
        )
        reply = await cdp.send(
            "Runtime.evaluate",
            {
                "expression": _DOM_JS % self._config.bounds.render_dom,
                "contextId": world["executionContextId"],
                "returnByValue": True,
            },
        )
        value = reply.get("result", {}).get("value")
        if not isinstance(value, str):
            return b"", False, 0
        html, cut, height = json.loads(value)
        dom = str(html).encode("utf-8", "replace")
        limit = self._config.bounds.render_dom
        if len(dom) > limit:  # the page counted characters; the bound is in bytes
            dom, cut = dom[:limit].decode("utf-8", "ignore").encode("utf-8"), True
        return dom, bool(cut), int(height or 0)

    async def _screenshot(self, page: Any, height: int) -> bytes:
        """Full page, at most `screenshot_height` pixels tall (images were never fetched)."""
        h = max(1, min(height or VIEWPORT["height"], self._config.bounds.screenshot_height))
        shot: bytes = await page.screenshot(
            type="png",
            full_page=True,
            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": h},
        )
        return shot

    async def _dispose(self, job: _Job, context: Any, *, kill: bool) -> None:
        """Close the profile and stop answering: nothing is added after this. A page
        that hogs or floods its renderer (`kill`) has the renderer crashed first: closing
        it politely can take longer than the rendering did."""
        if job.page is not None:
            with contextlib.suppress(Exception):
                job.final_url = job.page.url
        job.closed = True
        if job.cdp is not None:
            # Each wait bounded: a hogged renderer answers nothing (Page.crash never
            # answers at all), and an unbounded wait would outlive the time bound.
            if kill:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(job.cdp.send("Page.crash"), 1)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(job.cdp.detach(), 1)
        for task in list(job.tasks):
            task.cancel()
        if job.tasks:
            await asyncio.gather(*job.tasks, return_exceptions=True)
        if context is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), 10)
