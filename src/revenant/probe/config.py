"""What a prober may do, as one frozen value: allowed address ranges, resolver, ports,
trust roots, identity, proxy, and every bound on time, bytes and concurrency.

This module only describes limits; it must never relax them at run time. Defaults are
the safe production values; tests loosen only `allow` (loopback) and shorten times.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from revenant import __version__
from revenant.html.read import PARSE_CPU, PARSE_MEMORY

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_USER_AGENT = f"Revenant/{__version__} (+evidence collection; contact your operator)"


@dataclass(frozen=True)
class Bounds:
    """Time (seconds), byte and count limits of one capture."""

    connect: float = 10.0
    read: float = 15.0  # longest silence between two reads
    exchange: float = 30.0  # one request, headers to last body byte
    total: float = 90.0  # one whole capture (DNS, page, redirects, favicon, assets)
    body: int = 2 * 1024 * 1024
    decompressed: int = 10 * 1024 * 1024
    header_line: int = 8190  # one header line (and the status line)
    headers: int = 100  # number of header fields
    redirects: int = 5
    favicon: int = 100 * 1024
    assets: int = 20
    asset: int = 1024 * 1024
    dns: float = 5.0
    # A rendered capture (probe/render.py): one browser page, every request through here.
    render: float = 30.0  # one rendering, navigation to screenshot
    render_settle: float = 3.0  # after the load event: longest wait for requests to stop
    render_requests: int = 150  # requests one rendered page may make (the rest refused)
    render_bytes: int = 20 * 1024 * 1024  # body bytes handed to one rendered page
    render_dom: int = 10 * 1024 * 1024  # bytes of rendered DOM kept (UTF-8)
    render_refusals: int = 200  # refused requests listed one by one (the rest counted)
    screenshot_height: int = 8000  # pixels of a full-page screenshot (1280 wide)
    screenshot: int = 10 * 1024 * 1024  # PNG bytes; a bigger one is retaken, first screen only
    # One page's parse (and a rendered DOM's), in a worker process (revenant.html).
    parse_cpu: float = PARSE_CPU  # seconds of CPU
    parse_memory: int = PARSE_MEMORY  # bytes of address space added to the worker


RENDER_MODES = ("never", "auto", "always")
"""`auto`: render when the raw page has little visible text or looks like an app shell."""


@dataclass(frozen=True)
class Concurrency:
    """How much runs at once: captures in flight, requests per host and per IP, DNS
    queries."""

    targets: int = 500
    per_host: int = 4
    per_ip: int = 8
    dns: int = 100  # DNS queries in flight
    renders: int = 4  # browser pages rendering at once (2 cores: Chromium is the cost)


@dataclass(frozen=True)
class ProbeConfig:
    """Everything a `Prober` needs to know, fixed for its lifetime.

    `allow` is the only way to reach private, reserved or loopback addresses;
    `resolver` is "IP:PORT" (None: the system's configured name servers);
    `ca_file` adds a trust root (the testnet CA): verification is recorded, an invalid
    certificate never stops the capture. `proxy` is "socks5://host:port" or
    "http://host:port". `render` is one of RENDER_MODES.
    """

    allow: tuple[IPNetwork, ...] = ()
    resolver: str | None = None
    http_port: int = 80
    https_port: int = 443
    ca_file: str | None = None
    user_agent: str = DEFAULT_USER_AGENT
    proxy: str | None = None
    bounds: Bounds = Bounds()
    concurrency: Concurrency = Concurrency()
    fetch_favicon: bool = True
    fetch_assets: bool = True
    render: str = "never"
