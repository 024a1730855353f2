"""HTTP/1.1 for testnet sites, as a raw asyncio protocol: requests are parsed here and
answered from the `SiteSpec`, or handed to a hostile behaviour that owns the wire.

Raw rather than aiohttp because hostile sites need byte-level control (drips, resets,
lying headers) and one code path for good and bad sites keeps them comparable. The
server side is bounded too: 64 KB of request head, 1 MB of request body, 15 s idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import struct
from collections import Counter
from collections.abc import Callable
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any

from revenant.model import Clock
from revenant.testnet.behaviours import Request, misbehave
from revenant.testnet.sites import ICO, Hostile, Page, SiteSpec

MAX_HEAD = 64 << 10
MAX_BODY = 1 << 20
IDLE_SECONDS = 15.0
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg")


class BadRequest(Exception):
    """A request the server answers with 400 and a close."""


def parse_head(head: bytes) -> Request:
    """Request line and headers of one request head (without the blank line)."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes anything
        raise BadRequest(str(exc)) from exc
    lines = text.replace("\r\n", "\n").split("\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"bad request line {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"bad header line {line[:80]!r}")
        headers.append((name.lower(), value.strip()))
    return Request(parts[0], parts[1], parts[2], tuple(headers))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _not_found(site: SiteSpec) -> Page:
    server = next((v for k, v in site.headers if k.lower() == "server"), "nginx")
    body = (
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        f"<center><h1>404 Not Found</h1></center>\r\n<hr><center>{server}</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()
    return Page("", body, status=404)


def route(site: SiteSpec, path: str) -> tuple[Page, tuple[tuple[str, str], ...]]:
    """The page answering `path` and any extra headers (Location for redirects)."""
    for source, location in site.redirects:
        if source == path:
            body = f'<html><body><a href="{location}">Moved</a></body></html>'.encode()
            return Page(path, body, status=302), (("Location", location),)
    page = site.page(path)
    if page is not None:
        return page, ()
    if path == "/favicon.ico" and site.favicon is not None:
        return Page(path, site.favicon, content_type=ICO), ()
    return _not_found(site), ()


def render(site: SiteSpec, request: Request, clock: Clock, keep_alive: bool) -> bytes:
    """The full response (head and body) to a well-behaved request."""
    extra: tuple[tuple[str, str], ...]
    if request.method not in ("GET", "HEAD"):
        page, extra = Page(request.path, b"", status=405), (("Allow", "GET, HEAD"),)
    else:
        page, extra = route(site, request.path)
    body = page.body
    encoded = False
    if (
        site.gzip
        and len(body) > 256
        and page.content_type.startswith(_COMPRESSIBLE)
        and "gzip" in request.header("accept-encoding")
    ):
        body = gzip.compress(body, mtime=0)
        encoded = True
    server = [(k, v) for k, v in site.headers if k.lower() == "server"]
    rest = [(k, v) for k, v in site.headers if k.lower() != "server"]
    headers: list[tuple[str, str]] = [*server, ("Date", format_datetime(clock(), usegmt=True))]
    if body or page.status != 405:
        headers.append(("Content-Type", page.content_type))
    headers.append(("Content-Length", str(len(body))))
    headers.append(("Connection", "keep-alive" if keep_alive else "close"))
    headers.extend(extra)
    if encoded:
        headers.extend((("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")))
    headers.extend(rest)
    if page.content_type.startswith("text/html"):
        headers.extend(("Set-Cookie", f"{k}={v}; path=/; HttpOnly") for k, v in site.cookies)
    headers.extend(page.headers)
    lines = [f"HTTP/1.1 {page.status} {_reason(page.status)}"]
    lines.extend(f"{k}: {v}" for k, v in headers)
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
    return head if request.method == "HEAD" else head + body


class HttpConnection(asyncio.Protocol):
    """One client connection to one site; registered in `live` while open."""

    def __init__(
        self,
        site: SiteSpec,
        clock: Clock,
        live: set[HttpConnection],
        spawn: Callable[[asyncio.Future[Any]], None],
        hits: Counter[tuple[str, str]] | None = None,
    ) -> None:
        self._site = site
        self._hits = hits
        self._clock = clock
        self._live = live
        self._spawn = spawn
        self._buffer = bytearray()
        self._skip = 0
        self._transport: asyncio.Transport | None = None
        self._writable = asyncio.Event()
        self._writable.set()
        self._closed = False
        self._busy = False
        self._idle: asyncio.TimerHandle | None = None

    # -- the Conduit side, for hostile behaviours
    @property
    def gone(self) -> bool:
        return self._closed or self._transport is None or self._transport.is_closing()

    def write(self, data: bytes) -> None:
        if not self.gone and self._transport is not None:
            self._transport.write(data)

    async def drain(self) -> None:
        if not self.gone:
            await self._writable.wait()

    def reset(self) -> None:
        """Abort with a TCP RST: SO_LINGER 0 then close without flushing."""
        if self._transport is None:
            return
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._transport.abort()

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._live.add(self)
        self._arm_idle()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._writable.set()
        self._live.discard(self)
        if self._idle is not None:
            self._idle.cancel()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def abort(self) -> None:
        """Drop the connection now (the testnet is stopping)."""
        if self._transport is not None:
            self._transport.abort()

    def _arm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        loop = asyncio.get_running_loop()
        self._idle = loop.call_later(IDLE_SECONDS, self.abort)

    def data_received(self, data: bytes) -> None:
        if self._busy:
            return
        self._arm_idle()
        self._buffer += data
        while not self._busy and not self.gone:
            if self._skip:
                dropped = min(self._skip, len(self._buffer))
                del self._buffer[:dropped]
                self._skip -= dropped
                if self._skip:
                    return
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    self._fail(431)
                return
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            self._handle(head)

    def _fail(self, status: int) -> None:
        assert self._transport is not None
        self._transport.write(
            f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        self._transport.close()

    def _handle(self, head: bytes) -> None:
        assert self._transport is not None
        try:
            request = parse_head(head)
        except BadRequest:
            self._fail(400)
            return
        if self._hits is not None:
            self._hits[(self._site.name, request.path)] += 1
        length = request.header("content-length")
        if request.header("transfer-encoding"):
            self._fail(501)
            return
        if length:
            if not length.isdigit() or int(length) > MAX_BODY:
                self._fail(413)
                return
            self._skip = int(length)
        site = self._site
        if site.hostile is not None and site.hostile is not Hostile.BAD_CERT:
            self._busy = True
            if self._idle is not None:
                self._idle.cancel()
            self._spawn(asyncio.ensure_future(self._misbehave(request)))
            return
        connection = request.header("connection").lower()
        keep = request.version == "HTTP/1.1" and "close" not in connection
        keep = keep or "keep-alive" in connection
        self._transport.write(render(site, request, self._clock, keep))
        if not keep:
            self._transport.close()

    async def _misbehave(self, request: Request) -> None:
        assert self._site.hostile is not None
        try:
            await misbehave(self._site.hostile, self._site.hostile_param, request, self)
        finally:
            if self._transport is not None and not self._transport.is_closing():
                self._transport.close()
