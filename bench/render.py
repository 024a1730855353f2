"""Rendered capture throughput: N testnet sites captured with `--render always` at the
default rendering concurrency, side by side with two loops over the same sites, the
same number of pages in flight and the same Chromium build:

- bare (the issue's baseline): one Playwright context, `goto` until load, full-page
  screenshot, no interception; Chromium resolves the testnet names itself through a
  host-resolver map and fetches everything, images included.
- floor: the least work the issue requires of any safe renderer, and nothing else: a
  fresh context (profile) per page in a browser launched as Revenant launches it
  (closed proxy, no resolver), every request intercepted and answered from memory
  (bodies recorded beforehand) or aborted (images, video, audio, fonts, anything not
  a document, script, style, fetch or XMLHttpRequest, any non-GET), `goto` until
  load, full-page screenshot. No prober, no evidence, no settling, no DOM.
- rendered: `Prober.capture` with `render="always"`: the raw capture (DNS, TLS,
  page, favicon, assets), then the page in Chromium with every request fulfilled by
  the prober or refused, the settle, the DOM and the screenshot, the WARC and ledger
  written.

The testnet runs in a child process; each timed loop runs in its own fresh process,
and its peak RSS is the sum over that process and every process under it (Chromium's
browser, renderers, GPU and utility processes, Playwright's driver), sampled every
0.1 s, as are their CPU seconds. An untimed bare pass first issues the testnet's
certificates and records every response body for the floor. Each round runs the
three loops in a rotated order; the ratios are medians of the per-round ratios (the
machine is shared, so only figures from one run compare).

Last lines:
  bare:     median R pages/min (...), peak RSS M MB, CPU C s/page
  floor:    median R pages/min (...), peak RSS M MB, CPU C s/page
  rendered: median R captures/min (...), peak RSS M MB, CPU C s/capture
  ratio: rendered/bare = X (goal >= 0.5), rendered/floor = Y, floor/bare = Z
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import statistics
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
from revenant.probe.browser import FLAGS, VIEWPORT, Browser, ClosedPort

_BARE_FLAGS = tuple(f for f in FLAGS if not f.startswith("--host-resolver-rules"))
_FLOOR_TYPES = frozenset({"document", "script", "stylesheet", "fetch", "xhr"})
"""What the floor answers; everything else is aborted unrequested."""
_DROPPED = frozenset({"content-encoding", "content-length", "transfer-encoding"})
SIDES = ("bare", "floor", "rendered")

Recorded = dict[str, tuple[int, dict[str, str], bytes]]


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


def _resolver_map(info: dict[str, Any]) -> str:
    return "--host-resolver-rules=" + ",".join(
        f"MAP {name} {addr}" for name, addr in info["addresses"].items()
    )


async def _bare(info: dict[str, Any], inflight: int, record: bool) -> dict[str, Any]:
    """The issue's bare loop; with `record`, every response body is kept for the floor."""
    from playwright.async_api import async_playwright

    done = 0
    recorded: Recorded = {}
    pending: set[asyncio.Task[None]] = set()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=Browser().executable, args=[*_BARE_FLAGS, _resolver_map(info)]
        )
        context = await browser.new_context(ignore_https_errors=True, viewport=VIEWPORT)
        if record:

            async def keep(response: Any) -> None:
                try:
                    body = await response.body()
                except Exception:  # a redirect has no body; an aborted load is not kept
                    if not 300 <= response.status < 400:
                        return
                    body = b""
                headers = {k: v for k, v in response.headers.items() if k not in _DROPPED}
                recorded[response.url] = (response.status, headers, body)

            def on_response(response: Any) -> None:
                task = asyncio.ensure_future(keep(response))
                pending.add(task)
                task.add_done_callback(pending.discard)

            context.on("response", on_response)
        slots = asyncio.Semaphore(inflight)

        async def one(url: str) -> None:
            nonlocal done
            async with slots:
                page = await context.new_page()
                try:
                    await page.goto(url, wait_until="load", timeout=30_000)
                    await page.screenshot(full_page=True)
                    done += 1
                    if record:  # the requests a page's scripts make after its load event
                        await page.wait_for_load_state("networkidle", timeout=5_000)
                except Exception as exc:
                    print(f"  bare {url}: {str(exc).splitlines()[0][:120]}", file=sys.stderr)
                finally:
                    await page.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(one(u) for u in info["urls"]))
        took = time.perf_counter() - t0
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        await browser.close()
    return {"n": done, "seconds": took, "recorded": recorded}


async def _floor(info: dict[str, Any], inflight: int, recorded: Recorded) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    done = answered = aborted = 0
    closed = ClosedPort()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=Browser().executable,
            args=list(FLAGS),
            proxy={"server": f"http://127.0.0.1:{closed.port}"},
            chromium_sandbox=False,
        )
        slots = asyncio.Semaphore(inflight)

        async def answer(route: Any) -> None:
            nonlocal answered, aborted
            request = route.request
            kept = recorded.get(request.url)
            if request.resource_type not in _FLOOR_TYPES or request.method != "GET" or not kept:
                aborted += 1
                await route.abort("blockedbyclient")
                return
            answered += 1
            status, headers, body = kept
            await route.fulfill(status=status, headers=headers, body=body)

        async def one(url: str) -> None:
            nonlocal done
            async with slots:
                context = await browser.new_context(ignore_https_errors=True, viewport=VIEWPORT)
                try:
                    await context.route("**/*", answer)
                    page = await context.new_page()
                    await page.goto(url, wait_until="load", timeout=30_000)
                    await page.screenshot(full_page=True)
                    done += 1
                except Exception as exc:
                    print(f"  floor {url}: {str(exc).splitlines()[0][:120]}", file=sys.stderr)
                finally:
                    await context.close()

        t0 = time.perf_counter()
        await asyncio.gather(*(one(u) for u in info["urls"]))
        took = time.perf_counter() - t0
        await browser.close()
    closed.close()
    return {"n": done, "seconds": took, "answered": answered, "aborted": aborted}


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
    browser = ""
    log = open_case_log(out, "bench")
    async with Prober(config) as prober:
        t0 = time.perf_counter()

        async def one(url: str) -> None:
            nonlocal rendered, fetched, refused, browser
            capture = await prober.capture(url)
            log.write(capture)
            if capture.rendering is not None and capture.rendering.screenshot:
                rendered += 1
                browser = capture.rendering.browser
                fetched += sum(1 for e in capture.exchanges if e.role.startswith("render:"))
                refused += len(capture.rendering.refused) + capture.rendering.refused_more

        await asyncio.gather(*(one(u) for u in info["urls"]))
        took = time.perf_counter() - t0
    log.close()
    return {
        "n": rendered,
        "seconds": took,
        "fetched": fetched,
        "refused": refused,
        "browser": browser,
    }


def _run(side: str, info: dict[str, Any], inflight: int, extra: Any, conn: Connection) -> None:
    """Child process: one timed loop, with the peak RSS and CPU of its process tree."""
    rss = _PeakRss()
    tmp = Path(tempfile.mkdtemp(prefix="revenant-bench-render-"))
    try:
        if side == "bare":
            result = asyncio.run(_bare(info, inflight, record=bool(extra)))
        elif side == "floor":
            result = asyncio.run(_floor(info, inflight, extra))
        else:
            result = asyncio.run(_rendered(info, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["rss"] = rss.stop()
    result["cpu"] = sum(rss.cpu.values())
    conn.send(result)


def _timed(side: str, info: dict[str, Any], inflight: int, extra: Any = None) -> dict[str, Any]:
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_run, args=(side, info, inflight, extra, child))
    proc.start()
    result: dict[str, Any] = parent.recv()
    proc.join()
    result["rate"] = 60 * result["n"] / result["seconds"]
    return result


def _median(rounds: list[dict[str, dict[str, Any]]], side: str, key: str) -> float:
    return statistics.median(r[side][key] for r in rounds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=60)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the three loops")
    ap.add_argument(
        "--chromium", help="the Chromium build for all three loops (default: Revenant's)"
    )
    args = ap.parse_args(argv)
    if args.chromium:
        os.environ["REVENANT_CHROMIUM"] = args.chromium  # read by every child's Browser()
    inflight = Concurrency().renders
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(args.sites, args.seed, child))
    server.start()
    rounds: list[dict[str, dict[str, Any]]] = []
    try:
        info = parent.recv()
        # untimed: certificates issued, every body the pages ask for recorded for the floor
        recorded = _timed("bare", info, inflight, extra=True)["recorded"]
        for r in range(args.rounds):
            order = SIDES[r % 3 :] + SIDES[: r % 3]
            extras = {"bare": None, "floor": recorded, "rendered": None}
            results = {side: _timed(side, info, inflight, extras[side]) for side in order}
            rounds.append(results)
            b, f, x = results["bare"], results["floor"], results["rendered"]
            print(
                f"round {r + 1} ({' '.join(order)}): bare {b['rate']:.0f} pages/min, "
                f"floor {f['rate']:.0f} pages/min, rendered {x['rate']:.0f} captures/min; "
                f"rendered/bare {x['rate'] / b['rate']:.2f}, rendered/floor "
                f"{x['rate'] / f['rate']:.2f}, floor/bare {f['rate'] / b['rate']:.2f}",
                flush=True,
            )
    finally:
        parent.send("stop")
        server.join(30)
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    last = rounds[-1]["rendered"]
    print(
        f"{args.sites} sites, {inflight} in flight, {len(rounds)} round(s), browser "
        f"{last['browser']} ({Browser().executable}), {len(recorded)} bodies recorded"
    )

    def line(side: str, what: str, unit: str) -> str:
        rss = _median(rounds, side, "rss") / 2**20
        cpu = statistics.median(r[side]["cpu"] / max(1, r[side]["n"]) for r in rounds)
        return (
            f"median {_median(rounds, side, 'rate'):.0f} {unit}s/min ({what}), "
            f"peak RSS {rss:.0f} MB, CPU {cpu:.2f} s/{unit}"
        )

    print(
        "bare:     "
        + line("bare", "goto + screenshot, one context, no interception, images fetched", "page")
    )
    print(
        "floor:    "
        + line(
            "floor",
            "fresh context per page, every request answered from memory or aborted, "
            "images/media/fonts aborted, full-page screenshot",
            "page",
        )
    )
    print(
        "rendered: "
        + line(
            "rendered",
            f"raw capture, then Chromium; {last['fetched']} requests fetched by the prober, "
            f"{last['refused']} refused in the last round; WARC and ledger written",
            "capture",
        )
    )

    def ratio(a: str, b: str) -> float:
        return statistics.median(r[a]["rate"] / r[b]["rate"] for r in rounds)

    print(
        f"ratio: rendered/bare = {ratio('rendered', 'bare'):.2f} (goal >= 0.5), "
        f"rendered/floor = {ratio('rendered', 'floor'):.2f}, "
        f"floor/bare = {ratio('floor', 'bare'):.2f} (medians of the per-round ratios)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
