"""One HTTP exchange, bounded: resolve and check the address, connect, send a GET, read
the headers and at most the body bound, and turn whatever happened into an `Exchange`.

It must never raise for anything a server or the network does (slow, endless, reset,
malformed, oversized, wrong certificate): every such case ends as an `Outcome` with a
reason. It must never read a body the policy refuses, never connect to a refused
address (the peer is re-checked after connecting), and never exceed the bounds on
connect, read and exchange time, header and body bytes.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import http_exceptions
from yarl import URL

from revenant.model import Clock, Exchange, Headers, Outcome, TlsInfo
from revenant.probe.config import ProbeConfig
from revenant.probe.decode import decode
from revenant.probe.dns import AddressRefused, NameNotResolved, PolicyResolver
from revenant.probe.policy import (
    SNIFF_BYTES,
    address_refusal,
    signature_refusal,
    type_refusal,
    url_refusal,
)
from revenant.probe.tls import tls_info

_PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, AssertionError, ImportError)
_READ = 64 * 1024


class PeerRecordingRequest(aiohttp.ClientRequest):
    """Notes the connection's peer address and TLS object when the request is sent:
    a small response may be read and its connection pooled before the caller looks."""

    async def send(self, conn: Any) -> aiohttp.ClientResponse:
        transport = conn.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        resp = await super().send(conn)
        resp._revenant_peer = str(peer[0]) if peer else None  # type: ignore[attr-defined]
        resp._revenant_ssl = ssl_object  # type: ignore[attr-defined]
        return resp


class CertificateInvalid(Exception):
    """The verifying handshake failed on the certificate: retry recording-only."""


@dataclass(frozen=True)
class Fetched:
    """One exchange and, for HTTPS, the handshake that carried it."""

    exchange: Exchange
    tls: TlsInfo | None = None
    location: str | None = None  # absolute redirect target, for 3xx with Location


class Limits:
    """Per-host and per-IP semaphores, created on demand and dropped when idle.

    `async with limits.hold("host", name):` waits for a slot of that host.
    """

    def __init__(self, per_host: int, per_ip: int) -> None:
        self._size = {"host": per_host, "ip": per_ip}
        self._held: dict[tuple[str, str], tuple[asyncio.Semaphore, int]] = {}

    def hold(self, kind: str, key: str) -> _Slot:
        return _Slot(self, (kind, key))

    def _enter(self, slot: tuple[str, str]) -> asyncio.Semaphore:
        sem, users = self._held.get(slot) or (asyncio.Semaphore(self._size[slot[0]]), 0)
        self._held[slot] = (sem, users + 1)
        return sem

    def _leave(self, slot: tuple[str, str]) -> None:
        sem, users = self._held[slot]
        if users <= 1:
            del self._held[slot]
        else:
            self._held[slot] = (sem, users - 1)


class _Slot:
    """One hold on a `Limits` slot (a class, not a generator: every exchange takes two)."""

    def __init__(self, limits: Limits, slot: tuple[str, str]) -> None:
        self._limits = limits
        self._slot = slot
        self._sem: asyncio.Semaphore | None = None

    async def __aenter__(self) -> None:
        sem = self._limits._enter(self._slot)
        try:
            await sem.acquire()
        except BaseException:
            self._limits._leave(self._slot)
            raise
        self._sem = sem

    async def __aexit__(self, *exc: object) -> None:
        assert self._sem is not None
        self._sem.release()
        self._limits._leave(self._slot)


def body_limit(role: str, config: ProbeConfig) -> int:
    b = config.bounds
    if role == "favicon":
        return b.favicon
    if role in ("script", "style"):
        return b.asset
    return b.body


def _headers(raw: tuple[tuple[bytes, bytes], ...]) -> Headers:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


def _version(resp: aiohttp.ClientResponse) -> str:
    v = resp.version
    return f"HTTP/{v.major}.{v.minor}" if v else "HTTP/1.1"


class _Exchange:
    """Mutable notes while one exchange runs; frozen into an `Exchange` at the end."""

    def __init__(self, role: str, url: str, started: Any) -> None:
        self.role, self.url, self.started = role, url, started
        self.t0 = time.monotonic()
        self.peer: str | None = None
        self.request_headers: Headers = ()
        self.status: int | None = None
        self.http_version = "HTTP/1.1"
        self.status_text = ""
        self.headers: Headers = ()
        self.payload = bytearray()
        self.truncated = False

    def done(self, outcome: Outcome, reason: str = "", content: bytes = b"") -> Exchange:
        keep = outcome is not Outcome.REFUSED
        return Exchange(
            role=self.role,
            url=self.url,
            started=self.started,
            outcome=outcome,
            reason=reason,
            peer=self.peer,
            elapsed=round(time.monotonic() - self.t0, 6),
            request_headers=self.request_headers,
            status=self.status,
            http_version=self.http_version,
            status_text=self.status_text,
            headers=self.headers,
            payload=bytes(self.payload) if keep else b"",
            content=content if keep else b"",
            truncated=self.truncated,
        )


async def fetch(
    session: aiohttp.ClientSession,
    resolver: PolicyResolver,
    limits: Limits,
    config: ProbeConfig,
    url: str,
    role: str,
    *,
    ssl_context: ssl.SSLContext,
    verified: bool,
    verify_error: str = "",
    clock: Clock,
) -> Fetched:
    """GET `url` for `role` ("page", "favicon", "script", "style") within the bounds.

    Raises only `CertificateInvalid` (when `verified` is True and the certificate does
    not verify, so the caller retries with the recording context) and programming errors.
    """
    note = _Exchange(role, url, clock())
    why = url_refusal(url)
    if why:
        return Fetched(note.done(Outcome.REFUSED, why))
    target = URL(url)
    host = target.raw_host or ""
    proxied = config.proxy is not None
    if host.endswith(".onion") and not proxied:  # RFC 7686: never asked of DNS
        return Fetched(note.done(Outcome.REFUSED, f"{host}: a .onion needs a proxy"))
    try:
        addresses = (
            [host] if proxied and host.endswith(".onion") else resolver.known_addresses(host)
        )
        if addresses is None:
            addresses = await asyncio.wait_for(resolver.addresses(host), config.bounds.dns + 1)
    except AddressRefused as exc:
        return Fetched(note.done(Outcome.REFUSED, f"address refused: {exc}"))
    except NameNotResolved as exc:
        return Fetched(note.done(Outcome.DNS_ERROR, str(exc)))
    except TimeoutError:
        return Fetched(note.done(Outcome.DNS_ERROR, f"{host}: resolver timed out"))
    try:
        async with (
            limits.hold("host", host),
            limits.hold("ip", addresses[0]),
            asyncio.timeout(config.bounds.exchange),
        ):
            return await _get(session, config, note, target, ssl_context, verified, verify_error)
    except CertificateInvalid:
        raise
    except TimeoutError:
        note.truncated = note.truncated or bool(note.payload)
        what = "body" if note.status is not None else "response"
        return Fetched(
            note.done(Outcome.TIMEOUT, f"{what} not complete within {config.bounds.exchange} s")
        )
    except _PROGRAMMING_ERRORS:
        raise
    except Exception as exc:
        return Fetched(_failure(note, exc, config))


def _failure(note: _Exchange, exc: BaseException, config: ProbeConfig) -> Exchange:
    """Map what aiohttp/ssl/OS raised to an outcome and a reason naming the cause."""
    text = f"{type(exc).__name__}: {exc}".strip()
    causes = [exc, exc.__cause__, getattr(exc, "os_error", None)]
    if any(isinstance(c, AddressRefused) for c in causes):
        return note.done(Outcome.REFUSED, f"address refused: {exc}")
    if any(isinstance(c, NameNotResolved) for c in causes):
        return note.done(Outcome.DNS_ERROR, str(exc))
    if isinstance(exc, aiohttp.ServerTimeoutError | aiohttp.ConnectionTimeoutError):
        note.truncated = bool(note.payload)
        return note.done(Outcome.TIMEOUT, text)
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return note.done(Outcome.TLS_ERROR, text)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return note.done(Outcome.CONNECT_ERROR, text)
    lowered = text.lower()
    if isinstance(exc, http_exceptions.LineTooLong | http_exceptions.BadHttpMessage) and (
        "too long" in lowered or "too many" in lowered or "too large" in lowered
    ):
        return note.done(Outcome.TOO_LARGE, f"headers over the bound ({text})")
    if isinstance(exc, aiohttp.ClientResponseError) and (
        "got more than" in lowered
        or "too long" in lowered
        or "too many headers" in lowered
        or "too large" in lowered
    ):
        return note.done(Outcome.TOO_LARGE, f"headers over the bound ({text})")
    note.truncated = bool(note.payload)
    partial = decode(bytes(note.payload), _encoding(note.headers), config.bounds.decompressed)
    return note.done(Outcome.PROTOCOL_ERROR, text or type(exc).__name__, partial.content)


def _encoding(headers: Headers) -> str | None:
    for key, value in headers:
        if key.lower() == "content-encoding":
            return value
    return None


async def _get(
    session: aiohttp.ClientSession,
    config: ProbeConfig,
    note: _Exchange,
    target: URL,
    ssl_context: ssl.SSLContext,
    verified: bool,
    verify_error: str,
) -> Fetched:
    b = config.bounds
    timeout = aiohttp.ClientTimeout(
        total=None, sock_connect=b.connect, connect=b.connect, sock_read=b.read
    )
    proxy = config.proxy if config.proxy and config.proxy.startswith("http") else None
    try:
        cm = session.get(
            target,
            allow_redirects=False,
            ssl=ssl_context if target.scheme == "https" else True,
            timeout=timeout,
            proxy=proxy,
        )
        resp = await cm.__aenter__()
    except aiohttp.ClientConnectorCertificateError as exc:
        if verified:
            raise CertificateInvalid(str(exc.certificate_error)) from exc
        raise
    try:
        return await _read(resp, config, note, target, verified, verify_error)
    finally:
        if note.truncated:
            resp.close()  # unread bytes left: the connection cannot be reused
        else:
            resp.release()


async def _read(
    resp: aiohttp.ClientResponse,
    config: ProbeConfig,
    note: _Exchange,
    target: URL,
    verified: bool,
    verify_error: str,
) -> Fetched:
    tls: TlsInfo | None = None
    note.peer = getattr(resp, "_revenant_peer", None)
    ssl_object = getattr(resp, "_revenant_ssl", None)
    if ssl_object is not None and note.role == "page":  # the capture's TLS is the page's
        tls = tls_info(ssl_object, verified, verify_error)
    note.request_headers = tuple((str(k), str(v)) for k, v in resp.request_info.headers.items())
    note.status = resp.status
    note.status_text = resp.reason or ""
    note.http_version = _version(resp)
    note.headers = _headers(resp.raw_headers)
    if note.peer and config.proxy is None:
        why = address_refusal(note.peer, config.allow)
        if why:
            note.truncated = True
            return Fetched(note.done(Outcome.REFUSED, f"connected address refused: {why}"), tls)
    location = None
    if 300 <= resp.status < 400 and "Location" in resp.headers:
        try:
            location = str(target.join(URL(resp.headers["Location"])))
        except (ValueError, TypeError):
            location = None
    why = type_refusal(resp.headers.get("Content-Type"), note.role)
    if why:
        note.truncated = True
        return Fetched(note.done(Outcome.REFUSED, why), tls, location)
    limit = body_limit(note.role, config)
    declared = resp.content_length
    if declared is not None and declared > limit:
        note.truncated = True
        return Fetched(
            note.done(Outcome.TOO_LARGE, f"Content-Length {declared} over the {limit} byte bound"),
            tls,
            location,
        )
    sniffed = False
    while True:
        chunk = await resp.content.read(_READ)
        if not chunk:
            break
        note.payload += chunk
        if not sniffed and len(note.payload) >= SNIFF_BYTES:
            sniffed = True
            why = signature_refusal(bytes(note.payload[:SNIFF_BYTES]), note.role)
            if why:
                note.truncated = True
                return Fetched(note.done(Outcome.REFUSED, why), tls, location)
        if len(note.payload) > limit:
            del note.payload[limit:]
            note.truncated = True
            return Fetched(
                _decoded(note, resp, config, Outcome.TOO_LARGE, f"body over {limit} bytes; cut"),
                tls,
                location,
            )
    if not sniffed:
        why = signature_refusal(bytes(note.payload), note.role)
        if why:
            return Fetched(note.done(Outcome.REFUSED, why), tls, location)
    return Fetched(_decoded(note, resp, config, Outcome.OK, ""), tls, location)


def _decoded(
    note: _Exchange,
    resp: aiohttp.ClientResponse,
    config: ProbeConfig,
    outcome: Outcome,
    reason: str,
) -> Exchange:
    result = decode(
        bytes(note.payload), resp.headers.get("Content-Encoding"), config.bounds.decompressed
    )
    if result.truncated and outcome is Outcome.OK:
        outcome = Outcome.TOO_LARGE if "over" in result.reason else Outcome.PROTOCOL_ERROR
        reason = result.reason
    elif result.truncated:
        reason = f"{reason}; {result.reason}"
    if outcome is Outcome.OK and result.content and note.role != "favicon":
        why = signature_refusal(result.content[:SNIFF_BYTES], note.role)
        if why:
            return note.done(Outcome.REFUSED, f"decoded {why}")
    if outcome is Outcome.OK and note.role == "favicon" and not _looks_like_image(result.content):
        return note.done(Outcome.REFUSED, f"favicon answer is not an image (HTTP {note.status})")
    return note.done(outcome, reason, result.content)


def _looks_like_image(content: bytes) -> bool:
    head = content[:SNIFF_BYTES]
    if not head:
        return False
    if signature_refusal(head, "page") is not None and signature_refusal(head, "favicon") is None:
        return True
    return head.lstrip()[:5].lower() in (b"<svg ", b"<?xml") and b"<svg" in content[:4096].lower()
