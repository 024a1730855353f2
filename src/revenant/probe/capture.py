"""The prober: one target in, one `Capture` out — DNS answers, the TLS chain, the page
with each redirect hop re-checked, the favicon and same-site scripts and styles.

It must never raise for anything a server or the network does; every failure or
refusal is an outcome in the capture. It must never exceed the total time bound of a
capture, the redirect bound, or the global, per-host and per-IP concurrency limits.
It never parses a page itself: each page (and a rendered DOM) is parsed once, in a
bounded worker process (revenant.html), and that parse is attached to the capture for
the fingerprint. It writes nothing: evidence/ records what it returns.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from dataclasses import replace
from types import TracebackType

import aiohttp
from yarl import URL

from revenant.errors import UsageError
from revenant.hostnames import ascii_host, is_ip
from revenant.html import ParseLimits, ParsePool, default_pool
from revenant.model import (
    Capture,
    Clock,
    DnsRecord,
    Exchange,
    Outcome,
    Parsed,
    ParseOutcome,
    TlsInfo,
    utcnow,
)
from revenant.probe.config import ProbeConfig
from revenant.probe.decode import charset
from revenant.probe.dns import RECORD_TYPES, PolicyResolver, make_client
from revenant.probe.fetch import (
    CertificateInvalid,
    Fetched,
    Limits,
    PeerRecordingRequest,
    fetch,
)
from revenant.probe.links import page_links
from revenant.probe.render import Renderer
from revenant.probe.shell import is_html, wants_render
from revenant.probe.tls import recording_context, verifying_context

_ADDRESS_TYPES = ("A", "AAAA")
_OTHER_TYPES = tuple(t for t in RECORD_TYPES if t not in _ADDRESS_TYPES)
_FALLBACK = (Outcome.CONNECT_ERROR, Outcome.TLS_ERROR, Outcome.PROTOCOL_ERROR)
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _targets(target: str, config: ProbeConfig) -> tuple[str, list[str]]:
    """(ASCII host, URLs to try in order): a bare host is tried over HTTPS then HTTP."""
    text = target.strip()
    if not text:
        raise UsageError("empty target")
    if "://" not in text:
        host = ascii_host(text.split("/", 1)[0])
        tail = "/" + text.split("/", 1)[1] if "/" in text else "/"
        urls = []
        for scheme, port, default in (
            ("https", config.https_port, 443),
            ("http", config.http_port, 80),
        ):
            netloc = host if port == default else f"{host}:{port}"
            urls.append(f"{scheme}://{netloc}{tail}")
        return host, urls
    try:
        url = URL(text)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"target {target!r}: not a URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise UsageError(f"target {target!r}: need an http(s) URL or a hostname")
    host = ascii_host(url.host)
    return host, [str(url.with_host(host))]


class _Run:
    """One capture in progress: what has been seen so far, kept if time runs out."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.dns: tuple[DnsRecord, ...] = ()
        self.tls: TlsInfo | None = None
        self.bad_cert: dict[str, str] = {}  # host -> verify error, for this capture
        self.parsed: Parsed | None = None  # the page's one parse


class Prober:
    """Holds the HTTP session, the resolver and the limits; probes many targets at once.

    `async with Prober(config) as p: capture = await p.capture("example.org")`.
    Pages are parsed by `parser` (default: the process's pool).
    """

    def __init__(
        self, config: ProbeConfig, *, clock: Clock = utcnow, parser: ParsePool | None = None
    ) -> None:
        self.config = config
        self._clock = clock
        self._parser = parser
        self._parse_limits = ParseLimits(
            cpu=config.bounds.parse_cpu, memory=config.bounds.parse_memory
        )
        self._dns = make_client(config.resolver, config.bounds.dns, config.concurrency.dns)
        self._resolver = PolicyResolver(self._dns, config.allow)
        self._limits = Limits(config.concurrency.per_host, config.concurrency.per_ip)
        self._targets = asyncio.Semaphore(config.concurrency.targets)
        self._verifying: ssl.SSLContext = verifying_context(config.ca_file)
        self._recording: ssl.SSLContext = recording_context()
        self._session: aiohttp.ClientSession | None = None
        self._renderer: Renderer | None = None

    async def __aenter__(self) -> Prober:
        c = self.config
        kwargs: dict[str, object] = {
            "resolver": self._resolver,
            "limit": max(c.concurrency.targets, 10),
            # A site's connection serves its favicon and assets, then is rarely wanted
            # again: idle sockets (each with its TLS buffers) are closed quickly.
            "keepalive_timeout": 2.0,
            "limit_per_host": c.concurrency.per_host,
            "use_dns_cache": False,
            "enable_cleanup_closed": False,
        }
        connector: aiohttp.BaseConnector
        if c.proxy and c.proxy.startswith("socks"):
            from revenant.probe.proxy import CheckedSocksConnector

            # rdns: an onion name goes to the proxy as a name; a clear-web name has
            # already been resolved and checked (see probe/proxy.py)
            connector = CheckedSocksConnector.from_url(
                c.proxy, rdns=True, policy=self._resolver, **kwargs
            )
        else:
            connector = aiohttp.TCPConnector(**kwargs)  # type: ignore[arg-type]
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={
                "User-Agent": c.user_agent,
                "Accept": _ACCEPT,
                "Accept-Language": "en",
                # No "br": warcio 1.8.1 cannot read brotli bodies with Brotli >= 1.1
                # (webrecorder/warcio#73), so asking for it would make WARCs that
                # `warcio check` chokes on. A server sending br unasked is still decoded.
                "Accept-Encoding": "gzip, deflate",
            },
            auto_decompress=False,
            max_line_size=c.bounds.header_line,
            max_field_size=c.bounds.header_line,
            max_headers=c.bounds.headers,
            read_bufsize=64 * 1024,
            trust_env=False,
            request_class=PeerRecordingRequest,
        )
        if c.render != "never":
            self._renderer = Renderer(self, c, clock=self._clock)
            try:
                await self._renderer.__aenter__()
            except BaseException:
                self._renderer = None
                await self.__aexit__(None, None, None)
                raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._renderer is not None:
            await self._renderer.__aexit__(exc_type, exc, tb)
            self._renderer = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._resolver.close()

    async def capture(self, target: str) -> Capture:
        """Probe `target` (URL or bare hostname); never raises for what the server does."""
        if self._session is None:
            raise RuntimeError("Prober used outside `async with`")
        host, urls = _targets(target, self.config)
        async with self._targets:
            started = self._clock()
            run = _Run()
            try:
                async with asyncio.timeout(self.config.bounds.total):
                    outcome, reason = await self._probe(run, host, urls)
            except TimeoutError:
                outcome = Outcome.TIMEOUT
                reason = f"capture not complete within {self.config.bounds.total} s"
            capture = Capture(
                target=urls[0] if "://" in target else target.strip(),
                host=host,
                started=started,
                finished=self._clock(),
                outcome=outcome,
                reason=_joined(reason, _parse_note(run.parsed)),
                dns=run.dns,
                tls=run.tls,
                exchanges=tuple(run.exchanges),
                parsed=run.parsed,
            )
            if self._renderer is not None and wants_render(capture, self.config.render):
                capture = await self._renderer.render(capture)
                capture = await self._parse_rendered(capture)
            return capture

    async def parse(self, content: bytes, content_type: str | None) -> Parsed:
        """One document's bounded parse (in the parser's worker processes)."""
        parser = self._parser if self._parser is not None else default_pool()
        encoding = charset(content, content_type)
        return await parser.parse_async(content, encoding, self._parse_limits)

    async def _parse_rendered(self, capture: Capture) -> Capture:
        """The rendered DOM's one parse, attached to the rendering."""
        rendering = capture.rendering
        if rendering is None or not rendering.dom:
            return capture
        parsed = await self.parse(rendering.dom, "text/html; charset=utf-8")
        reason = _joined(rendering.reason, _parse_note(parsed, "DOM"))
        return replace(capture, rendering=replace(rendering, parsed=parsed, reason=reason))

    async def fetch(
        self, url: str, role: str, *, bad_cert: dict[str, str] | None = None
    ) -> Fetched:
        """One bounded exchange under the policy, outside a capture's own requests (a
        rendering browser's); `bad_cert` remembers hosts whose certificate failed."""
        run = _Run()
        if bad_cert is not None:
            run.bad_cert = bad_cert
        return await self._fetch(run, url, role)

    async def _probe(self, run: _Run, host: str, urls: list[str]) -> tuple[Outcome, str]:
        if host.endswith(".onion"):
            if not self.config.proxy:
                # RFC 7686: an onion name must never reach DNS (it would tell the
                # resolver which hidden service is being looked at).
                return (
                    Outcome.REFUSED,
                    f"{host}: a .onion needs a proxy (Tor: --proxy socks5://HOST:PORT)",
                )
            return await self._pages(run, urls)
        if is_ip(host):
            return await self._pages(run, urls)
        # All four types asked at once, and all answered before any page is fetched: a
        # capture then never holds its bodies while it waits on the evidence-only NS/MX.
        answers, more = await asyncio.gather(
            self._resolver.records(host, _ADDRESS_TYPES),
            self._resolver.records(host, _OTHER_TYPES),
        )
        run.dns = answers.records
        if answers.error:
            return Outcome.DNS_ERROR, answers.error
        if not answers.addresses:
            return Outcome.DNS_ERROR, f"{host}: no A or AAAA record"
        run.dns = tuple(dict.fromkeys(run.dns + more.records))
        return await self._pages(run, urls)

    async def _pages(self, run: _Run, urls: list[str]) -> tuple[Outcome, str]:
        page: Exchange | None = None
        for i, url in enumerate(urls):
            page, outcome, reason = await self._follow(run, url)
            if page.status is not None or outcome not in _FALLBACK or i == len(urls) - 1:
                break
        assert page is not None
        if page.content and (
            outcome is Outcome.OK or (outcome is Outcome.TOO_LARGE and self.config.render == "auto")
        ):  # what the fingerprint reads (and what `--render auto` looks at)
            run.parsed = await self.parse(page.content, page.header("content-type"))
        if outcome is Outcome.OK and page.content and is_html(page) and run.parsed is not None:
            await self._subresources(run, page, run.parsed)
        return outcome, reason

    async def _follow(self, run: _Run, url: str) -> tuple[Exchange, Outcome, str]:
        """GET `url` and its redirects; every hop is checked like the first."""
        hops = 0
        while True:
            fetched = await self._fetch(run, url, "page")
            exchange, location = fetched.exchange, fetched.location
            if fetched.tls is not None:
                run.tls = fetched.tls
            if location is None or exchange.outcome not in (Outcome.OK, Outcome.TOO_LARGE):
                run.exchanges.append(exchange)
                return exchange, exchange.outcome, exchange.reason
            run.exchanges.append(_as_redirect(exchange))
            hops += 1
            if hops > self.config.bounds.redirects:
                return (
                    exchange,
                    Outcome.REDIRECT_LIMIT,
                    f"more than {self.config.bounds.redirects} redirects (last to {location})",
                )
            url = location

    async def _subresources(self, run: _Run, page: Exchange, parsed: Parsed) -> None:
        c = self.config
        declared, assets = page_links(parsed.summary, page.url, c.bounds.assets)
        jobs: list[tuple[str, str]] = []
        if c.fetch_favicon:
            jobs.append(("favicon", declared or str(URL(page.url).join(URL("/favicon.ico")))))
        if c.fetch_assets:
            jobs.extend(assets)
        # One after another: a site's subresources then share one kept-alive
        # connection (one TLS handshake), as a polite crawler's would.
        for role, url in jobs:
            run.exchanges.append((await self._fetch(run, url, role)).exchange)

    async def _fetch(self, run: _Run, url: str, role: str) -> Fetched:
        assert self._session is not None
        host = URL(url).raw_host or ""
        get = functools.partial(
            fetch,
            self._session,
            self._resolver,
            self._limits,
            self.config,
            url,
            role,
            clock=self._clock,
        )
        if host not in run.bad_cert:
            try:
                return await get(ssl_context=self._verifying, verified=True)
            except CertificateInvalid as exc:
                run.bad_cert[host] = str(exc)
        return await get(
            ssl_context=self._recording, verified=False, verify_error=run.bad_cert[host]
        )


def _as_redirect(exchange: Exchange) -> Exchange:
    return replace(exchange, role="redirect")


def _parse_note(parsed: Parsed | None, what: str = "page") -> str:
    """What a capture says about its page's parse: where markup was cut, or that it
    could not be read within the parser's bounds."""
    if parsed is None or parsed.outcome is ParseOutcome.OK:
        return ""
    if parsed.outcome is ParseOutcome.CUT:
        return f"{what} {parsed.reason}"
    if what == "page":  # (the pool's reasons name the page)
        return f"{parsed.reason}; its links, text and structure not read"
    return f"{what}: {parsed.reason}"


def _joined(*reasons: str) -> str:
    return "; ".join(r for r in reasons if r)


def capture_sync(target: str, config: ProbeConfig, *, clock: Clock = utcnow) -> Capture:
    """Probe one target from synchronous code (CLI, scripts)."""

    async def _one() -> Capture:
        async with Prober(config, clock=clock) as prober:
            return await prober.capture(target)

    return asyncio.run(_one())
