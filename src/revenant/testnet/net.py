"""`Testnet`: serve many `SiteSpec`s on loopback from a background thread.

Each site gets its own 127.B.x.y address inside one /16 block (B drawn from the seed
and the process id, never 0), all sites share one HTTP port and one HTTPS port, and a
DNS server on 127.0.0.1 answers for every declared name. Certificates come from a
throw-away local CA, issued lazily on a site's first TLS connection so thousands of
sites start in about a second. Nothing is ever bound outside 127.0.0.0/8.

    with Testnet(scenario.sites, seed=7) as net:
        fetch(net.url("brand.fr"), resolver=net.resolver, cafile=net.ca_pem)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import random
import resource
import socket
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from revenant.errors import UsageError
from revenant.model import Clock, utcnow
from revenant.testnet.behaviours import brotli_bomb, gzip_bomb
from revenant.testnet.dns import DnsTcp, DnsUdp, build_zone
from revenant.testnet.httpd import HttpConnection
from revenant.testnet.pki import LocalCA
from revenant.testnet.sites import CertSpec, Hostile, SiteSpec

_BACKLOG = 256
_PORT_ATTEMPTS = 20
_ACCEPT_BATCH = 64
_HANDSHAKE_SECONDS = 10.0
_instances = itertools.count()


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def allocate(count: int, seed: int, block: int) -> list[str]:
    """`count` distinct addresses in 127.block.0.0/16, shuffled by the seed; host parts
    ending in .0 or .255 are skipped."""
    usable = [o for o in range(1, 1 << 16) if o & 0xFF not in (0, 0xFF)]
    if count > len(usable):
        raise UsageError(f"testnet: {count} sites do not fit in one /16 (max {len(usable)})")
    picked = random.Random(seed).sample(usable, count)
    return [f"127.{block}.{o >> 8}.{o & 0xFF}" for o in picked]


def _listener(address: str, port: int, kind: int = socket.SOCK_STREAM) -> socket.socket:
    sock = socket.socket(socket.AF_INET, kind)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(_BACKLOG)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _bind_all(addresses: list[str]) -> tuple[int, list[socket.socket]]:
    """One port free on every address: take the kernel's pick for the first, retry on
    collision."""
    for _ in range(_PORT_ATTEMPTS):
        first = _listener(addresses[0], 0)
        port = first.getsockname()[1]
        socks = [first]
        try:
            socks.extend(_listener(a, port) for a in addresses[1:])
        except OSError:
            for s in socks:
                s.close()
            continue
        return port, socks
    raise UsageError(f"testnet: no port free on all {len(addresses)} addresses")


def _bind_dns() -> tuple[int, socket.socket, socket.socket]:
    for _ in range(_PORT_ATTEMPTS):
        udp = _listener("127.0.0.1", 0, socket.SOCK_DGRAM)
        port = udp.getsockname()[1]
        try:
            tcp = _listener("127.0.0.1", port)
        except OSError:
            udp.close()
            continue
        return port, udp, tcp
    raise UsageError("testnet: no port free for DNS on 127.0.0.1")


def _close_on_failure(conn: socket.socket, future: asyncio.Future[Any]) -> None:
    """A failed handshake leaves the accepted socket to us."""
    if future.cancelled() or future.exception() is not None:
        conn.close()


class Testnet:
    """A DNS server plus every site of `sites`, on loopback, in a background thread."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        sites: Iterable[SiteSpec],
        seed: int = 0,
        *,
        block: int | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.sites: tuple[SiteSpec, ...] = tuple(sites)
        if not self.sites:
            raise UsageError("testnet: no sites")
        self._by_name: dict[str, SiteSpec] = {}
        for site in self.sites:
            for name in site.names:
                key = name.lower()
                if key in self._by_name:
                    raise UsageError(f"testnet: name {name} declared by two sites")
                self._by_name[key] = site
        for site in self.sites:  # names only its DNS records declare (www CNAMEs, say)
            for name in site.dns_names():
                self._by_name.setdefault(name.lower(), site)
        if block is None:
            token = f"{seed}:{os.getpid()}:{next(_instances)}"
            block = random.Random(token).randrange(1, 255)
        if not 1 <= block <= 254:
            raise UsageError(f"testnet: block 127.{block}.0.0/16 is not allowed (1..254)")
        self.block = block
        self._clock = clock
        self._addresses = dict(
            zip((s.name for s in self.sites), allocate(len(self.sites), seed, block), strict=True)
        )
        self._zone = build_zone(self.sites, self._addresses)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._ca: LocalCA | None = None
        self._listeners: list[tuple[socket.socket, SiteSpec, bool]] = []
        self._dns_socks: list[socket.socket] = []
        self._dns_servers: list[asyncio.Server] = []
        self._dns_conns: set[asyncio.Transport] = set()
        self._live: set[HttpConnection] = set()
        self.hits: Counter[tuple[str, str]] = Counter()
        """Requests received: (site's primary name, path) -> count (tests assert on
        what reached the wire)."""
        self._tasks: set[asyncio.Future[Any]] = set()
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._ports = (0, 0, 0)

    # ------------------------------------------------------------------ public view
    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def http_port(self) -> int:
        return self._ports[0]

    @property
    def https_port(self) -> int:
        return self._ports[1]

    @property
    def resolver(self) -> str:
        """The DNS server as "127.0.0.1:PORT" (UDP and TCP)."""
        return f"127.0.0.1:{self._ports[2]}"

    @property
    def allow(self) -> str:
        """The CIDR holding every site address, for a prober's loopback allow-list."""
        return f"127.{self.block}.0.0/16"

    @property
    def ca_pem(self) -> Path:
        """The local CA certificate (PEM) clients must trust; exists while running."""
        if self._ca is None:
            raise UsageError("testnet: not started, no CA yet")
        return self._ca.ca_pem

    @property
    def addresses(self) -> Mapping[str, str]:
        """Primary site name -> its address."""
        return dict(self._addresses)

    def site_of(self, name: str) -> SiteSpec:
        """The site serving `name`."""
        try:
            return self._by_name[name.lower().rstrip(".")]
        except KeyError:
            raise UsageError(f"testnet: no site named {name}") from None

    def address_of(self, name: str) -> str:
        """The address the site serving `name` listens on. DNS gives the same unless the
        spec declares its own A record for that name."""
        return self._addresses[self.site_of(name).name]

    def url(self, name: str, https: bool = True, path: str = "/") -> str:
        """e.g. "https://brand.fr:40123/" for a site name."""
        self.site_of(name)
        scheme, port = ("https", self.https_port) if https else ("http", self.http_port)
        return f"{scheme}://{name}:{port}{path}"

    # ------------------------------------------------------------------- lifecycle
    def __enter__(self) -> Testnet:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Bind every socket, then serve from a background thread; returns when ready."""
        if self._thread is not None:
            raise UsageError("testnet: already started")
        raise_fd_limit()
        if any(s.hostile is Hostile.GZIP_BOMB for s in self.sites):
            gzip_bomb()  # built once per process, before serving, so no fetch waits on it
        if any(s.hostile is Hostile.BROTLI_BOMB for s in self.sites):
            brotli_bomb()
        self._tmp = tempfile.TemporaryDirectory(prefix="revenant-testnet-")
        try:
            self._ca = LocalCA(Path(self._tmp.name), self._clock)
            self._bind()
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._run, name=f"testnet-{self.block}", daemon=True
            )
            self._thread.start()
            asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=60)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Close every socket and connection, stop the thread, delete the CA files."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
        if loop is not None and not loop.is_running():
            loop.close()
        for sock, _, _ in self._listeners:
            sock.close()
        for sock in self._dns_socks:
            sock.close()
        self._listeners, self._dns_socks = [], []
        self._contexts.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
        self._loop = self._thread = self._tmp = self._ca = None

    # ---------------------------------------------------------------- machinery
    def _run(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _bind(self) -> None:
        ports = []
        for tls in (False, True):
            served = [s for s in self.sites if (s.https if tls else s.http)]
            if not served:
                ports.append(0)
                continue
            port, socks = _bind_all([self._addresses[s.name] for s in served])
            ports.append(port)
            self._listeners.extend(zip(socks, served, itertools.repeat(tls), strict=False))
        dns_port, udp, tcp = _bind_dns()
        self._dns_socks = [udp, tcp]
        self._ports = (ports[0], ports[1], dns_port)

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        for sock, site, tls in self._listeners:
            loop.add_reader(sock.fileno(), self._accept, sock, site, tls)
        udp, tcp = self._dns_socks
        loop.add_reader(udp.fileno(), DnsUdp(self._zone, udp).readable)
        server = await loop.create_server(lambda: DnsTcp(self._zone, self._dns_conns), sock=tcp)
        self._dns_servers.append(server)

    async def _shutdown(self) -> None:
        loop = asyncio.get_running_loop()
        for sock, _, _ in self._listeners:
            loop.remove_reader(sock.fileno())
            sock.close()
        if self._dns_socks:
            loop.remove_reader(self._dns_socks[0].fileno())
        for server in self._dns_servers:
            server.close()
        for conn in list(self._dns_conns):
            conn.abort()
        for http in list(self._live):
            http.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._dns_servers:
            await server.wait_closed()
        await asyncio.sleep(0)  # let aborted transports run connection_lost
        await loop.shutdown_default_executor()
        self._dns_servers = []

    def _spawn(self, future: asyncio.Future[Any]) -> None:
        self._tasks.add(future)
        future.add_done_callback(self._reap)

    def _reap(self, future: asyncio.Future[Any]) -> None:
        self._tasks.discard(future)
        if not future.cancelled():
            future.exception()  # handshake failures are the client's business

    def _context(self, site: SiteSpec) -> ssl.SSLContext:
        context = self._contexts.get(site.name)
        if context is None:
            assert self._ca is not None
            spec = site.cert
            if site.hostile is Hostile.BAD_CERT and spec == CertSpec():
                spec = CertSpec(self_signed=True)
            stem = f"site-{len(self._contexts)}"
            context = self._ca.server_context(stem, site.names, spec)
            self._contexts[site.name] = context
        return context

    def _accept(self, listener: socket.socket, site: SiteSpec, tls: bool) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # EMFILE and friends: leave it in the backlog
                return
            conn.setblocking(False)
            try:
                context = self._context(site) if tls else None
            except (OSError, ValueError, ssl.SSLError):
                conn.close()  # a certificate that cannot be built: refuse, keep serving
                continue

            def factory(site: SiteSpec = site) -> HttpConnection:
                return HttpConnection(site, self._clock, self._live, self._spawn, self.hits)

            coro = loop.connect_accepted_socket(
                factory,
                conn,
                ssl=context,
                ssl_handshake_timeout=_HANDSHAKE_SECONDS if context else None,
            )
            future: asyncio.Future[Any] = asyncio.ensure_future(coro)
            future.add_done_callback(functools.partial(_close_on_failure, conn))
            self._spawn(future)
