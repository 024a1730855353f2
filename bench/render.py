"""Rendered capture throughput: N testnet sites captured with `--render always` at the
default rendering concurrency (raw probe, then Chromium with every request fulfilled
by the prober, WARC + ledger written), side by side with a bare Playwright loop over
the same sites (goto until load, full-page screenshot, no interception, same number
of pages in flight, Chromium resolving the testnet names itself through a
host-resolver map).

The testnet runs in a child process (its own GIL); each timed loop runs in its own
fresh process, and its peak RSS is the sum over that process and every process under
it (the Chromium browser, its renderers and Playwright's driver), sampled every 0.1 s.
A warm-up bare pass runs first (certificates are issued on first contact).

Last lines:
  bare:     N pages in S s = R pages/min (goto + screenshot), peak RSS M MB, CPU C s/page
  rendered: N captures in S s = R captures/min (K fetched by the prober, J refused),
            peak RSS M MB, CPU C s/capture
  ratio: rendered/bare = X (goal >= 0.5)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import shutil
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

from revenant.evidence import open_case_log
from revenant.probe import Bounds, Concurrency, ProbeConfig, Prober, parse_allow
from revenant.probe.browser import CHROMIUM, FLAGS

_BARE_FLAGS = tuple(f for f in FLAGS if not f.startswith("--host-resolver-rules"))


def _serve(sites: int, seed: int, conn: Connection) -> None:
    """Child process: a testnet of `sites` scenario sites (SPA re-emergences among
    them) until told to stop."""
    from revenant.testnet import Testnet
    from revenant.testnet.scenario import generate

    spa = max(1, sites // 10)
    scenario = generate(seed, background=max(0, sites - 31 - spa), spa=spa)
    specs = [*scenario.sites[: sites - spa], *scenario.sites[-spa:]]
    with Testnet(specs, seed=seed) as net:
        conn.send(
            {
                "resolver": net.resolver,
                "https_port": net.https_port,
                "http_port": net.http_port,
                "allow": net.allow,
                "ca_pem": str(net.ca_pem),
                "urls": [net.url(s.name) for s in specs],
                "addresses": {s.name: net.address_of(s.name) for s in specs},
            }
        )
        conn.recv()


class _PeakRss:
    """Peak of the summed RSS of this process and all its descendants, and the CPU
    seconds they used (each process's last sample: a renderer that exits between two
    samples loses at most 0.1 s of its time)."""

    def __init__(self) -> None:
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                    times = proc.cpu_times()
                    self.cpu[proc.pid] = times.user + times.system
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


async def _bare(info: dict[str, Any], inflight: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    rules = ",".join(f"MAP {name} {addr}" for name, addr in info["addresses"].items())
    done = 0
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[*_BARE_FLAGS, f"--host-resolver-rules={rules}"],
        )
        context = await browser.new_context(
            ignore_https_errors=True, viewport={"width": 1280, "height": 800}
        )
        slots = asyncio.Semaphore(inflight)

        async def one(url: str) -> None:
            nonlocal done
            async with slots:
                page = await context.new_page()
                try:
                    await page.goto(url, wait_until="load", timeout=30_000)
                    await page.screenshot(full_page=True)
                    done += 1
                except Exception as exc:
                    print(f"  bare {url}: {str(exc).splitlines()[0][:120]}", file=sys.stderr)
                finally:
                    await page.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(one(u) for u in info["urls"]))
        took = time.perf_counter() - t0
        await browser.close()
    return {"n": done, "seconds": took}


async def _rendered(info: dict[str, Any], out: Path) -> dict[str, Any]:
    config = ProbeConfig(
        allow=parse_allow([info["allow"]]),
        resolver=info["resolver"],
        http_port=info["http_port"],
        https_port=info["https_port"],
        ca_file=info["ca_pem"],
        render="always",
        bounds=Bounds(),
        concurrency=Concurrency(),
    )
    rendered = fetched = refused = 0
    log = open_case_log(out, "bench")
    async with Prober(config) as prober:
        t0 = time.perf_counter()

        async def one(url: str) -> None:
            nonlocal rendered, fetched, refused
            capture = await prober.capture(url)
            log.write(capture)
            if capture.rendering is not None and capture.rendering.screenshot:
                rendered += 1
                fetched += sum(1 for e in capture.exchanges if e.role.startswith("render:"))
                refused += len(capture.rendering.refused) + capture.rendering.refused_more

        await asyncio.gather(*(one(u) for u in info["urls"]))
        took = time.perf_counter() - t0
    log.close()
    return {"n": rendered, "seconds": took, "fetched": fetched, "refused": refused}


def _run(side: str, info: dict[str, Any], inflight: int, conn: Connection) -> None:
    """Child process: one timed loop, with its peak RSS."""
    rss = _PeakRss()
    tmp = Path(tempfile.mkdtemp(prefix="revenant-bench-render-"))
    try:
        if side == "bare":
            result = asyncio.run(_bare(info, inflight))
        else:
            result = asyncio.run(_rendered(info, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["rss"] = rss.stop()
    result["cpu"] = sum(rss.cpu.values())
    conn.send(result)


def _timed(side: str, info: dict[str, Any], inflight: int) -> dict[str, Any]:
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_run, args=(side, info, inflight, child))
    proc.start()
    result: dict[str, Any] = parent.recv()
    proc.join()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=60)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=1, help="bare/rendered pairs, alternated")
    args = ap.parse_args(argv)
    inflight = Concurrency().renders
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(args.sites, args.seed, child))
    server.start()
    try:
        info = parent.recv()
        _timed("bare", info, inflight)  # warm-up: certificates, page cache of the OS
        pairs = []
        for _ in range(args.rounds):
            pairs.append((_timed("bare", info, inflight), _timed("rendered", info, inflight)))
    finally:
        parent.send("stop")
        server.join(30)
    for bare, rendered in pairs:
        bare_rate = 60 * bare["n"] / bare["seconds"]
        rate = 60 * rendered["n"] / rendered["seconds"]
        print(
            f"bare:     {bare['n']} pages in {bare['seconds']:.1f} s = {bare_rate:.0f} pages/min "
            f"(goto + screenshot, {inflight} in flight), peak RSS {bare['rss'] / 2**20:.0f} MB, "
            f"CPU {bare['cpu'] / max(1, bare['n']):.2f} s/page"
        )
        print(
            f"rendered: {rendered['n']} captures in {rendered['seconds']:.1f} s = {rate:.0f} "
            f"captures/min ({rendered['fetched']} requests fetched by the prober, "
            f"{rendered['refused']} refused), peak RSS {rendered['rss'] / 2**20:.0f} MB, "
            f"CPU {rendered['cpu'] / max(1, rendered['n']):.2f} s/capture"
        )
        print(f"ratio: rendered/bare = {rate / bare_rate:.2f} (goal >= 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
