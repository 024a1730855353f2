"""Prober throughput: N testnet sites probed with 500 in flight, the full prober
(DNS, TLS chain, page, redirects, favicon, same-site assets, WARC + ledger written)
side by side with a bare aiohttp GET loop over the same sites (the ceiling).

The testnet runs in a child process so it does not share the prober's GIL; each timed
loop runs in its own fresh process (so each peak RSS is its own); all pay for the same
server. Certificates are issued lazily by the testnet, so a warm-up
bare pass runs first (untimed); then bare and full are timed on warm servers.

Three ceilings: the bare loop with names looked up in a table (no DNS at all: the
issue's ceiling), with one A query per name to the testnet DNS (what any client must
do), and a bare loop making the same requests as the prober (page, favicon, assets, one
after another on one connection, URLs taken from the full run): the cost of the HTTP
alone, so that ratio is the prober's own overhead; and that loop again after asking
the four record types the prober must record (A, AAAA, NS, MX): the required network
work and nothing else, so its rate over bare bounds what any aiohttp prober can reach. The full prober asks A, AAAA,
NS and MX per name. The same bare loop written with httpx runs too: the issue leaves
aiohttp or httpx to this benchmark, and the faster ceiling is the prober's client.

Last lines:
  bare:  N targets in S s = R targets/s (names from a table) ...
  bare+dns: N targets in S s = R targets/s (one A query per name) ...
  bare-httpx: N targets in S s = R targets/s (httpx instead of aiohttp, names from a table)
  bare-same: N targets in S s = R targets/s (the prober's K requests, names from a table)
  bare-same+dns: N targets in S s = R targets/s (the same requests after the four DNS
         queries: F of bare, a bound on any aiohttp prober doing the issue's work)
  full:  N targets in S s = R targets/s, M MB of WARC, outcomes {...}
  ratio: full/bare = X, full/bare+dns = Y (goal >= 0.5), full/bare-same = Z, full/bare-same+dns = W;
         full peak RSS M MB (goal < 400)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from aiohttp.abc import AbstractResolver, ResolveResult

from revenant.evidence import open_case_log
from revenant.probe import Bounds, Concurrency, ProbeConfig, Prober, parse_allow
from revenant.probe.dns import lookup, make_client


def _serve(sites: int, seed: int, conn: Connection) -> None:
    """Child process: run a testnet of `sites` scenario sites until told to stop."""
    from revenant.testnet import Testnet
    from revenant.testnet.scenario import generate

    specs = generate(seed, background=max(0, sites - 31)).sites[:sites]
    with Testnet(specs, seed=seed) as net:
        conn.send(
            {
                "resolver": net.resolver,
                "http_port": net.http_port,
                "https_port": net.https_port,
                "allow": net.allow,
                "ca_pem": str(net.ca_pem),
                "addresses": {s.name: net.address_of(s.name) for s in specs},
            }
        )
        conn.recv()  # any message: stop


class _StaticResolver(AbstractResolver):
    """The bare loop's resolver: a dict lookup, the cheapest possible (a ceiling)."""

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=self._table[host],
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=0,
            )
        ]

    async def close(self) -> None:
        return None


class _DnsResolver(AbstractResolver):
    """The bare loop's other resolver: one A query per host to the testnet's DNS, what
    any client must do to reach a name (aiohttp's own resolvers cannot be pointed at a
    DNS server on another port without aiodns)."""

    def __init__(self, server: str) -> None:
        self._r = make_client(server, 5.0)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        answers = await lookup(self._r, host, ("A",))
        return [
            ResolveResult(hostname=host, host=a, port=port, family=socket.AF_INET, proto=0, flags=0)
            for a in answers.addresses
        ]

    async def close(self) -> None:
        await self._r.close()


async def _bounded(n: int, items: list[str], job: Callable[[str], Any]) -> list[Any]:
    sem = asyncio.Semaphore(n)

    async def one(item: str) -> Any:
        async with sem:
            return await job(item)

    return await asyncio.gather(*(one(i) for i in items))


async def bare_loop(
    info: dict[str, Any], names: list[str], inflight: int, *, dns: bool = False
) -> Counter[str]:
    ctx = ssl.create_default_context(cafile=info["ca_pem"])
    resolver: AbstractResolver = (
        _DnsResolver(info["resolver"]) if dns else _StaticResolver(info["addresses"])
    )
    connector = aiohttp.TCPConnector(resolver=resolver, limit=inflight, ssl=ctx)
    timeout = aiohttp.ClientTimeout(total=30)
    seen: Counter[str] = Counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def get(name: str) -> None:
            try:
                async with session.get(f"https://{name}:{info['https_port']}/") as resp:
                    await resp.read()
                    seen[str(resp.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                seen[type(exc).__name__] += 1

        await _bounded(inflight, names, get)
    await resolver.close()  # a resolver passed in is the caller's to close
    return seen


async def bare_httpx_loop(info: dict[str, Any], names: list[str], inflight: int) -> Counter[str]:
    """The bare loop with httpx: the address from the table in the URL, the name as Host
    and as TLS server name (httpx takes no resolver object)."""
    import httpx

    ctx = ssl.create_default_context(cafile=info["ca_pem"])
    seen: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=inflight, max_keepalive_connections=inflight)
    async with httpx.AsyncClient(verify=ctx, limits=limits, timeout=30) as client:

        async def get(name: str) -> None:
            url = f"https://{info['addresses'][name]}:{info['https_port']}/"
            try:
                resp = await client.get(
                    url, headers={"Host": name}, extensions={"sni_hostname": name}
                )
                seen[str(resp.status_code)] += 1
            except httpx.HTTPError as exc:
                seen[type(exc).__name__] += 1

        await _bounded(inflight, names, get)
    return seen


async def same_requests_loop(
    info: dict[str, Any], requests: dict[str, list[str]], inflight: int, *, dns: bool = False
) -> Counter[str]:
    """Per site, the prober's own GETs (page, favicon, assets) one after another, as
    bare aiohttp calls with names from a table: what the HTTP alone costs. With `dns`,
    the four record types the prober must record (A, AAAA, NS, MX) are asked first, with
    the prober's own DNS client: the network work the issue requires, and nothing else
    (no TLS chain parsed, no policy, no evidence written)."""
    ctx = ssl.create_default_context(cafile=info["ca_pem"])
    resolver = _StaticResolver(info["addresses"])
    client = make_client(info["resolver"], 5.0) if dns else None
    connector = aiohttp.TCPConnector(resolver=resolver, limit=inflight, ssl=ctx)
    timeout = aiohttp.ClientTimeout(total=30)
    seen: Counter[str] = Counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def site(name: str) -> None:
            if client is not None:
                answers = await lookup(client, name, ("A", "AAAA", "NS", "MX"))
                if answers.error:
                    seen["dns error"] += 1
            for url in requests[name]:
                try:
                    async with session.get(url, allow_redirects=False) as resp:
                        await resp.read()
                        seen[str(resp.status)] += 1
                except (aiohttp.ClientError, TimeoutError) as exc:
                    seen[type(exc).__name__] += 1

        await _bounded(inflight, sorted(requests), site)
    await resolver.close()
    if client is not None:
        await client.close()
    return seen


async def full_loop(
    info: dict[str, Any], names: list[str], inflight: int, data_dir: Path
) -> tuple[Counter[str], int, dict[str, list[str]]]:
    config = ProbeConfig(
        allow=parse_allow([info["allow"]]),
        resolver=info["resolver"],
        http_port=info["http_port"],
        https_port=info["https_port"],
        ca_file=info["ca_pem"],
        bounds=Bounds(total=60),
        concurrency=Concurrency(targets=inflight),
    )
    seen: Counter[str] = Counter()
    requests: dict[str, list[str]] = {}
    with open_case_log(data_dir, "bench", max_bytes=256 * 1024 * 1024) as log:
        async with Prober(config) as prober:

            async def one(name: str) -> None:
                capture = await prober.capture(name)
                log.write(capture)
                seen[str(capture.outcome)] += 1
                requests[name] = [e.url for e in capture.exchanges]

            await asyncio.gather(*(one(n) for n in names))
        written = sum(p.stat().st_size for p in log.directory.glob("*.warc.gz"))
    return seen, written, requests


class _PeakRss:
    """Samples this process's RSS every 50 ms in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _measured(
    kind: str,
    info: dict[str, Any],
    names: list[str],
    inflight: int,
    conn: Connection,
    requests: dict[str, list[str]] | None,
) -> None:
    """Child process: run one loop, send back (seconds, counts, WARC bytes, peak RSS,
    the URLs each site was asked for)."""
    data_dir = Path(tempfile.mkdtemp(prefix="revenant-bench-"))
    try:
        with _PeakRss() as rss:
            t0 = time.perf_counter()
            written = 0
            asked: dict[str, list[str]] = {}
            if kind == "full":
                seen, written, asked = asyncio.run(full_loop(info, names, inflight, data_dir))
            elif kind == "bare-httpx":
                seen = asyncio.run(bare_httpx_loop(info, names, inflight))
            elif kind.startswith("bare-same"):
                assert requests is not None
                seen = asyncio.run(
                    same_requests_loop(info, requests, inflight, dns=kind.endswith("+dns"))
                )
            else:
                seen = asyncio.run(bare_loop(info, names, inflight, dns=kind == "bare+dns"))
            took = time.perf_counter() - t0
        conn.send((took, dict(seen), written, rss.peak, asked))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _run(
    kind: str,
    info: dict[str, Any],
    names: list[str],
    inflight: int,
    requests: dict[str, list[str]] | None = None,
) -> tuple[float, dict[str, int], int, int, dict[str, list[str]]]:
    """One loop in a fresh process, so each peak RSS is its own."""
    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(
        target=_measured, args=(kind, info, names, inflight, child, requests)
    )
    proc.start()
    result = parent.recv()
    proc.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--inflight", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    parent, child = mp.Pipe()
    server = mp.get_context("fork").Process(target=_serve, args=(args.sites, args.seed, child))
    server.start()
    began = time.perf_counter()
    info = parent.recv()
    names = sorted(info["addresses"])
    print(f"testnet: {len(names)} sites up in {time.perf_counter() - began:.1f} s", flush=True)
    try:
        t0 = time.perf_counter()
        _run("bare", info, names, args.inflight)
        print(f"warm-up: {time.perf_counter() - t0:.1f} s (certificates issued)", flush=True)
        bare_s, bare, _, bare_rss, _ = _run("bare", info, names, args.inflight)
        bare_dns_s, bare_dns, _, _, _ = _run("bare+dns", info, names, args.inflight)
        httpx_s, httpx_seen, _, _, _ = _run("bare-httpx", info, names, args.inflight)
        full_s, full, written, full_rss, asked = _run("full", info, names, args.inflight)
        same_s, same, _, _, _ = _run("bare-same", info, names, args.inflight, asked)
        floor_s, floor, _, _, _ = _run("bare-same+dns", info, names, args.inflight, asked)
    finally:
        parent.send("stop")
        server.join(30)
    n = len(names)
    bare_rate, dns_rate, full_rate = n / bare_s, n / bare_dns_s, n / full_s
    same_rate, per_site = n / same_s, sum(map(len, asked.values())) / max(1, len(asked))
    mb = 2**20
    print(
        f"bare:  {n} targets in {bare_s:.1f} s = {bare_rate:.0f} targets/s "
        f"(names from a table), statuses {bare}, peak RSS {bare_rss / mb:.0f} MB"
    )
    print(
        f"bare+dns: {n} targets in {bare_dns_s:.1f} s = {dns_rate:.0f} targets/s "
        f"(one A query per name), statuses {bare_dns}"
    )
    print(
        f"bare-httpx: {n} targets in {httpx_s:.1f} s = {n / httpx_s:.0f} targets/s "
        f"(httpx instead of aiohttp, names from a table), statuses {httpx_seen}; "
        f"aiohttp/httpx = {httpx_s / bare_s:.2f}"
    )
    print(
        f"bare-same: {n} targets in {same_s:.1f} s = {same_rate:.0f} targets/s "
        f"(the prober's {per_site:.2f} requests per site, names from a table), statuses {same}"
    )
    print(
        f"bare-same+dns: {n} targets in {floor_s:.1f} s = {n / floor_s:.0f} targets/s "
        f"(the same requests after the four DNS queries the prober must record: "
        f"{n / floor_s / bare_rate:.2f} of bare, the most any prober doing the issue's "
        f"work with aiohttp could reach), statuses {floor}"
    )
    print(
        f"full:  {n} targets in {full_s:.1f} s = {full_rate:.0f} targets/s, "
        f"{written / mb:.1f} MB of WARC, outcomes {full}"
    )
    print(
        f"ratio: full/bare = {full_rate / bare_rate:.2f}, full/bare+dns = {full_rate / dns_rate:.2f} "
        f"(goal >= 0.5), full/bare-same = {full_rate / same_rate:.2f}, "
        f"full/bare-same+dns = {full_rate * floor_s / n:.2f}; "
        f"full peak RSS {full_rss / mb:.0f} MB (goal < 400)"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
