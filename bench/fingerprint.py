"""Feature-extraction throughput, the prober-side parse, near-duplicate index latency,
and the hostile set.

1. Rates over the real pages in ../shared/data/pages (each page's fastest of `--rounds`
   tries, every measurement of a page back to back): a bare selectolax (Lexbor) parse,
   the ceiling (goal: extract >= 0.33 of it); `revenant.fingerprint.extract` of a capture
   without a parse attached (read from a WARC: its parse goes through the parsing
   pool); `extract` of a capture the prober parsed (its parse attached, the watch's
   path); the prober-side parse (what the prober does to find the favicon, scripts and
   styles to fetch); the two together, per page; the same with parses running ahead
   in the pool's workers (wall time: do 2 workers raise throughput on 2 cores?); and a
   floor: what any extractor of these features built on selectolax's Python API must
   do at least (parse; visit the nodes the tag-path shingles read, with each node's tag
   and parent; drop what a visitor never sees; read the visible text; its word-shingle
   SimHash and MinHash, with the engine's own vectorised kernels). `--baseline DIR`
   times the source tree in DIR/src first, in a child process, and prints both side by
   side; `--cpu` counts CPU seconds (of this process and of the parsing workers)
   instead of wall seconds. Also checks that the bounds leave the features of every
   real page as they are (every cap lifted gives the same fingerprints).
2. median query time of the near-duplicate index holding N stored fingerprints
   (default 1,000,000; goal < 5 ms). `--n` shrinks it for a quick run.
3. the hostile set: captures written to make a parser or a pattern slow (a tag with
   200,000 attributes, 100,000 PGP armour headers, a run of every identifier prefix in
   code, attributes and visible text, floods of candidates that each need a checksum,
   deep and falsely closed nesting, huge lines, combining marks, formatting-element
   amplification...), each extracted in a child process (CPU seconds of the child and
   of its parsing workers, wall seconds, and the peak RSS of the child's whole process
   tree, sampled every 5 ms; a page over --timeout seconds is killed and reported as
   such). Prints every page, the slowest and the peak RSS (goal: no page over 1 s,
   peak RSS under 500 MB).
   `--hostile-only` skips 1 and 2; `--no-hostile` skips 3.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import hashlib
import itertools
import json
import os
import random
import select
import statistics
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psutil
from selectolax.lexbor import LexborHTMLParser

from revenant.fingerprint import extract
from revenant.fingerprint.text import minhash, shingle_hashes, simhash
from revenant.match import SimHashIndex
from revenant.model import Capture, Exchange, Outcome
from revenant.probe.links import page_links

try:  # this tree: one bounded parse per page (revenant.html)
    from revenant.html import default_pool
    from revenant.html.walk import _INVISIBLE, MAX_PATH_NODES
except ImportError:  # a baseline tree from before it (--baseline)
    from revenant.fingerprint.dom import _INVISIBLE, MAX_PATH_NODES  # type: ignore[no-redef]

    default_pool = None  # type: ignore[assignment]

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "pages"
T0 = datetime(2026, 11, 23, tzinfo=UTC)


def _captures() -> tuple[list[bytes], list[Capture]]:
    manifest = json.loads((PAGES / "manifest.json").read_text())
    bodies, caps = [], []
    for i, entry in enumerate(manifest):
        body = gzip.decompress((PAGES / entry["file"]).read_bytes())
        url = entry["url"] or f"https://page-{i}.example/"
        host = url.split("/")[2]
        ex = Exchange(
            role="page",
            url=url,
            started=T0,
            outcome=Outcome.OK,
            status=200,
            headers=(("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx")),
            content=body,
            payload=body,
        )
        bodies.append(body)
        caps.append(
            Capture(
                target=url, host=host, started=T0, finished=T0, outcome=Outcome.OK, exchanges=(ex,)
            )
        )
    return bodies, caps


def _floor(body: bytes) -> int:
    """The least an extractor on selectolax does: read every node the tag paths shingle
    (tag and parent) and the visible text, and sketch its word shingles. Returns the
    word count."""
    tree = LexborHTMLParser(body)
    root = tree.root
    if root is None:
        return 0
    for count, node in enumerate(root.traverse()):
        if count >= MAX_PATH_NODES:
            break
        _ = node.tag_id, node.parent
    for node in root.css(_INVISIBLE):
        node.decompose(recursive=False)
    text = tree.body.text(separator="\n", skip_empty=True) if tree.body is not None else ""
    words = text.lower().encode("utf-8", "surrogatepass").split()
    hashes = shingle_hashes(words)
    simhash(hashes)
    minhash(hashes)
    return len(words)


class _Clock:
    """Seconds of this process (wall or CPU) plus the CPU the parsing workers spent on
    its pages (each worker times its own pages), so a parse moved to a worker is still
    counted."""

    def __init__(self, cpu: bool) -> None:
        self.cpu = cpu

    def __call__(self) -> float:
        own = time.process_time() if self.cpu else time.perf_counter()
        if self.cpu and default_pool is not None:
            own += default_pool().stats.worker_cpu
        return own


ROWS = {
    "parse": "bare Lexbor parse (pages/s)",
    "extract": "extract(), no parse attached (captures/s)",
    "attached": "extract(), the prober's parse attached",
    "prober": "prober-side parse (pages/s)",
    "both": "prober-side parse + extract(), per page",
    "floor": "floor: nodes + text sketch (pages/s)",
    "ahead": "extract() with parses ahead in 2 workers (wall)",
}


def _prober_parse(body: bytes, url: str) -> object:
    """What the prober does to a page to find what it fetches next."""
    if default_pool is None:  # before: its own parse, in the prober's process
        return page_links(body, url, 20, "text/html; charset=utf-8")  # type: ignore[arg-type]
    parsed = default_pool().parse(body, "utf-8")
    page_links(parsed.summary, url, 20)
    return parsed


def _attach(cap: Capture, parsed: object) -> Capture:
    from dataclasses import replace

    return replace(cap, parsed=parsed)  # type: ignore[arg-type]


def _rates(
    bodies: list[bytes], caps: list[Capture], rounds: int, clock: _Clock
) -> dict[str, float]:
    """Pages per second of each measurement (ROWS). Each page is measured back to back
    in every way, `rounds` times, keeping each page's fastest time for each: load from
    other processes then lands on all of them alike instead of swinging the ratios."""
    names = ["parse", "extract", "prober", "floor", "attached"]
    best = {n: [float("inf")] * len(bodies) for n in names}
    for _ in range(rounds):
        for i, (body, cap) in enumerate(zip(bodies, caps, strict=True)):
            url = cap.target
            t0 = clock()
            LexborHTMLParser(body)
            t1 = clock()
            extract(cap)
            t2 = clock()
            parsed = _prober_parse(body, url)
            t3 = clock()
            _floor(body)
            t4 = clock()
            took = {"parse": t1 - t0, "extract": t2 - t1, "prober": t3 - t2, "floor": t4 - t3}
            if default_pool is not None:
                attached = _attach(cap, parsed)
                t5 = clock()
                extract(attached)
                took["attached"] = clock() - t5
            for name, seconds in took.items():
                best[name][i] = min(best[name][i], seconds)
    rates = {n: len(bodies) / sum(row) for n, row in best.items() if row[0] != float("inf")}
    per_page = rates.get("attached", rates["extract"])
    rates["both"] = 1 / (1 / rates["prober"] + 1 / per_page)
    rates["ahead"] = _ahead(bodies, caps, rounds)
    return rates


def _ahead(bodies: list[bytes], caps: list[Capture], rounds: int) -> float:
    """Pages per wall second of extract() over every page, the parses submitted to the
    pool first so that its workers parse while this process extracts (before: one
    extract() after another)."""
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        if default_pool is None:
            for cap in caps:
                extract(cap)
        else:
            pool = default_pool()
            futures = [pool.submit(body, "utf-8") for body in bodies]
            for cap, future in zip(caps, futures, strict=True):
                extract(_attach(cap, future.result()))
        best = min(best, time.perf_counter() - t)
    return len(caps) / best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="fingerprints in the index")
    ap.add_argument("--rounds", type=int, default=5, help="each page's best of this many")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--hostile-only", action="store_true")
    ap.add_argument("--no-hostile", action="store_true")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per hostile page")
    ap.add_argument("--only", default="", help="hostile pages whose name contains this")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--rates-json", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cpu", action="store_true", help="CPU seconds, not wall (shared machine)")
    ap.add_argument("--baseline", default="", help="a source tree to time first (DIR/src)")
    args = ap.parse_args(argv)
    if args.child:
        return _hostile_child()
    if args.rates_json:
        print(json.dumps(_real_rates(args)))
        return 0
    if not args.hostile_only:
        _real(args)
        _index(args)
    if not args.no_hostile:
        _, caps = _captures()
        _same_features(caps)
        _run_hostile(args.timeout, args.only)
    return 0


def _baseline(args: argparse.Namespace) -> dict[str, float]:
    """The real-page rates of another source tree (`--baseline DIR`, holding src/), in a
    child process: before and after in one run."""
    env = dict(os.environ, PYTHONPATH=str(Path(args.baseline) / "src"))
    cmd = [sys.executable, __file__, "--rates-json", "--rounds", str(args.rounds)]
    out = subprocess.run(cmd + (["--cpu"] if args.cpu else []), env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return dict(json.loads(out.splitlines()[-1]))


def _real_rates(args: argparse.Namespace) -> dict[str, float]:
    bodies, caps = _captures()
    extract(caps[0])  # warm caches (suffix list, numpy, the parsing workers)
    if default_pool is not None:
        default_pool().parse(bodies[0], "utf-8")
    return _rates(bodies, caps, args.rounds, _Clock(args.cpu))


def _real(args: argparse.Namespace) -> None:
    before = _baseline(args) if args.baseline else {}
    now = _real_rates(args)
    bodies, _ = _captures()
    mb = sum(len(b) for b in bodies) / len(bodies) / 1e6
    unit = "CPU seconds of this process and its parsing workers" if args.cpu else "wall seconds"
    print(
        f"real pages: {len(bodies)}, {mb:.2f} MB average; each page's best of {args.rounds} ({unit})"
    )
    print(f"  {'':50} {'baseline':>10} {'this tree':>10} {'ratio':>6}")
    for key, label in ROWS.items():
        b, n = before.get(key), now.get(key)
        shown_b = f"{b:10.1f}" if b else f"{'-':>10}"
        shown_n = f"{n:10.1f}" if n else f"{'-':>10}"
        ratio = f"{n / b:6.2f}" if b and n else ""
        print(f"  {label:50} {shown_b} {shown_n} {ratio}")
    parse, full, floor = now["parse"], now["extract"], now["floor"]
    print(f"extract() / bare parse: {full / parse:.2f} (goal >= 0.33); with the prober's parse "
          f"attached: {now.get('attached', full) / parse:.2f}")  # fmt: skip
    left = (1 / (0.33 * parse) - 1 / floor) * 1e6  # µs a page left under the goal
    print(
        f"floor: {floor / parse:.2f} of the bare parse, the most an extractor on selectolax "
        f"can reach; at the goal every other feature family must fit in {left:.0f} µs a page"
    )
    if args.baseline:
        print(f"(baseline: {args.baseline}/src)")


def _index(args: argparse.Namespace) -> None:
    """The near-duplicate index's query time."""
    rng = random.Random(7)
    sketches = [rng.getrandbits(64) for _ in range(args.n)]
    index = SimHashIndex(3)
    t = time.perf_counter()
    index.rebuild(enumerate(sketches))
    built = time.perf_counter() - t
    times = []
    hits = 0
    for _ in range(args.queries):
        base = sketches[rng.randrange(args.n)]
        flips = rng.sample(range(64), rng.randrange(4))
        query = base
        for bit in flips:
            query ^= 1 << bit
        t = time.perf_counter()
        found = index.query(query)
        times.append(time.perf_counter() - t)
        hits += bool(found)
    med = statistics.median(times) * 1000
    p99 = sorted(times)[int(len(times) * 0.99) - 1] * 1000
    print(
        f"index: {args.n:,} fingerprints built in {built:.1f} s; query median {med:.3f} ms, "
        f"p99 {p99:.3f} ms (goal < 5 ms); planted near-duplicates found {hits}/{args.queries}"
    )


# ------------------------------------------------------------------ the hostile set

SIZE = 4 * 1024 * 1024  # extract reads at most MAX_HTML (4 MiB) of a page
_RNG = random.Random(11)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _fill(unit: Callable[[int], str], size: int) -> str:
    """`unit(0) + unit(1) + ...` up to `size` characters."""
    out: list[str] = []
    total = 0
    for i in itertools.count():
        piece = unit(i)
        out.append(piece)
        total += len(piece)
        if total >= size:
            return "".join(out)[:size]
    raise AssertionError


def _page(script: str = "", attrs: str = "", text: str = "", head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><title>hostile</title>{head}</head><body>"
        f'<script>{script}</script><a href="{attrs}">x</a><p>{text}</p></body></html>'
    ).encode("utf-8", "surrogatepass")


def _everywhere(unit: Callable[[int], str]) -> bytes:
    """The same run in code, in an attribute value and in the visible text."""
    third = SIZE // 3 - 200
    return _page(_fill(unit, third), _fill(unit, third).replace('"', "'"), _fill(unit, third))


class _Names:
    """Distinct attribute names, made on first use (not every page needs 200,000)."""

    def __init__(self) -> None:
        self._all: list[str] = []

    def __getitem__(self, index: slice) -> list[str]:
        if not self._all:
            letters = string.ascii_lowercase
            self._all = ["".join(p) for p in itertools.product(letters, repeat=4)][:200_000]
        return self._all[index]


def _hostile_pages() -> dict[str, Callable[[], bytes]]:
    """Each hostile page by name, made when asked (4 MiB each)."""
    from revenant.fingerprint.extract import _CODE_LITERALS

    names = _Names()
    rand = _RNG
    pages: dict[str, Callable[[], bytes]] = {
        "attributes: one tag with 200,000": lambda: f"<div {' '.join(names[:])}></div>".encode(),
        "attributes: tags of 1,000 each": lambda: _fill(
            lambda i: f"<b {' '.join(names[(i % 50) * 1000 : (i % 50 + 1) * 1000])}></b>", SIZE
        ).encode(),
        "attributes: 2,000 <body> tags of 100 each": lambda: (
            "<body>"
            + "".join(f"<body {' '.join(names[i * 100 : i * 100 + 100])}>" for i in range(2000))
        ).encode(),
        "pgp: 100,000 armour headers": lambda: _page(
            text="-----BEGIN PGP PUBLIC KEY BLOCK-----\n" * 100_000
        ),
        "pgp: armour headers in code": lambda: _page(
            script="-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: x\n" * 80_000
        ),
        "nesting: 200,000 <div>": lambda: b"<div>" * 200_000,
        "huge line: 4 MiB of text": lambda: _page(text="a" * (SIZE - 200)),
        "huge line: 4 MiB of code": lambda: _page(script="a" * (SIZE - 200)),
        "huge line: 4 MiB attribute": lambda: _page(attrs="a" * (SIZE - 200)),
        "huge line: 4 MiB of markup, one tag": lambda: b"<p " + b"a" * (SIZE - 10) + b">",
        "text: combining marks": lambda: _page(text="a" + "\u0301\u0316" * (SIZE // 6)),
        "text: 4 MiB of words": lambda: _page(text=_fill(lambda i: f"w{i} ", SIZE - 200)),
        "links: 200,000 hosts": lambda: _fill(
            lambda i: f'<a href="//h{i}.example/">', SIZE
        ).encode(),
        "forms: 100,000 inputs": lambda: (
            "<form>" + _fill(lambda i: f'<input name="f{i}">', SIZE - 20) + "</form>"
        ).encode(),
        "classes: 200,000": lambda: _fill(lambda i: f'<i class="c{i} d{i}"></i>', SIZE).encode(),
        "scripts: 100,000 inline": lambda: _fill(
            lambda i: (
                f"<script>var x{i} = 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghij';</script>"
            ),
            SIZE,
        ).encode(),
        "assets: build-hash look-alike path": lambda: (
            '<script src="/' + "-a" * (SIZE // 4) + '.js"></script>'
        ).encode(),
        "candidates: 200,000 tracker ids": lambda: _everywhere(lambda i: f"UA-{i:07d}-1 "),
        "candidates: e-mail addresses": lambda: _everywhere(lambda i: f"u{i}@d{i}.fr "),
        "candidates: 64-character local parts": lambda: _everywhere(lambda i: "a" * 64 + "@b.fr "),
        "candidates: phone numbers": lambda: _everywhere(
            lambda i: f"+33 6 {i % 100:02d} {i // 100 % 100:02d} {i // 10000 % 100:02d} 10 "
        ),
        "candidates: mixed-case 0x addresses": lambda: _everywhere(
            lambda i: "0x" + "".join(rand.choice("0123456789abcdefABCDEF") for _ in range(40)) + " "
        ),
        "candidates: bech32 addresses": lambda: _everywhere(
            lambda i: "bc1q" + "".join(rand.choice(_BECH) for _ in range(38)) + " "
        ),
        "candidates: base58 addresses": lambda: _everywhere(
            lambda i: "1" + "".join(rand.choice(_B58) for _ in range(33)) + " "
        ),
        "candidates: monero addresses": lambda: _everywhere(
            lambda i: "4" + "".join(rand.choice(_B58) for _ in range(94)) + " "
        ),
        "candidates: onion addresses": lambda: _everywhere(
            lambda i: (
                base64.b32encode(hashlib.sha256(str(i).encode()).digest()[:35]).decode().lower()
                + ".onion "
            )
        ),
        "candidates: API paths": lambda: _everywhere(lambda i: f"'/api/x{i}' a/api/ "),
        "candidates: PGP key blocks": lambda: _everywhere(
            lambda i: (
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQ"
                + base64.b64encode(hashlib.sha256(str(i).encode()).digest()).decode()
                + "\n-----END PGP PUBLIC KEY BLOCK-----\n"
            )
        ),
    }
    for literal in _CODE_LITERALS.literals:
        pages[f"prefix run: {literal!r}"] = lambda lit=literal: _everywhere(
            lambda i: lit if i % 2 else lit + "a1" * 40 + " "
        )
    # Lexbor's tree construction driven without limit (docs/scoring.md, "Hostile pages")
    tree_builder: dict[str, Callable[[], bytes]] = {
        "tree builder: <div></i> x 200,000": lambda: b"<div></i>" * 200_000,
        "tree builder: <div><table></div></table> x 100,000": lambda: (
            b"<div><table></div></table>" * 100_000
        ),
        "tree builder: <p><a href=50 KB> then <p>a": lambda: (
            '<p><a href="' + "A" * 50_000 + '">' + "<p>a" * ((SIZE - 50_100) // 4)
        ).encode(),
        "tree builder: 36 formatting elements, then <p>x</p>": lambda: (
            "<div>"
            + "".join(
                f"<{n}>" * 3
                for n in [
                    "b",
                    "big",
                    "code",
                    "em",
                    "font",
                    "i",
                    "s",
                    "small",
                    "strike",
                    "strong",
                    "tt",
                    "u",
                ]
            )
            + "</div>"
            + "<p>x</p>" * ((SIZE - 200) // 8)
        ).encode(),
    }
    return pages | tree_builder


def _hostile_child() -> int:
    """Extract the pages named on stdin, one JSON line of figures each on stdout."""
    pages = _hostile_pages()
    pool = default_pool()
    extract(Capture("https://warm.example/", "warm.example", T0, T0, Outcome.OK))
    pool.parse(b"<p>warm</p>", "utf-8")
    for line in sys.stdin:
        name = line.rstrip("\n")
        body = pages[name]()
        cap = _hostile_capture(body)
        stats = pool.stats
        ended, workers = stats.ended, stats.worker_cpu
        t, cpu = time.perf_counter(), time.process_time()
        fp = extract(cap)
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        doc = {"name": name, "seconds": took, "cpu": cpu + stats.worker_cpu - workers}
        doc["features"] = len(fp.features)
        doc["ended"] = stats.ended > ended  # the parse went past its bound
        print(json.dumps(doc), flush=True)
    return 0


def _hostile_capture(body: bytes) -> Capture:
    ex = Exchange(
        role="page",
        url="https://hostile.example/",
        started=T0,
        outcome=Outcome.OK,
        status=200,
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        content=body,
        payload=body,
    )
    return Capture("https://hostile.example/", "hostile.example", T0, T0, Outcome.OK,
                   exchanges=(ex,))  # fmt: skip


class _TreePeak:
    """The most resident memory a process and all its descendants held at once,
    sampled every 5 ms in a thread (a peak shorter than that can be missed)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def take(self) -> int:
        """The peak since the last call (bytes)."""
        peak, self.peak = self.peak, 0
        return peak

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            total = 0
            try:
                for proc in [self.root, *self.root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
            except psutil.Error:
                return
            self.peak = max(self.peak, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _run_hostile(timeout: float, only: str) -> None:
    """The hostile pages in a child process, one after the other; a page past `timeout`
    seconds is killed and the rest go on in a new child."""
    todo = [n for n in _hostile_pages() if only in n]
    rows: list[tuple[str, float | None, float, float, int]] = []
    print(
        f"hostile set: {len(todo)} pages of up to {SIZE >> 20} MiB: CPU seconds of extract() "
        "(the child's and its parsing workers'), wall seconds, peak RSS of the child's process "
        "tree (the child and its parsing workers, sampled every 5 ms), features; 'ended' when "
        "the parse went past its bound"
    )
    while todo:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        tree = _TreePeak(proc.pid)
        proc.stdin.write("".join(n + "\n" for n in todo))
        proc.stdin.close()
        while todo:
            ready, _, _ = select.select([proc.stdout], [], [], timeout + 30)
            line = proc.stdout.readline() if ready else ""
            peak = tree.take() / 2**20
            if not line:  # too slow (or died): killed, and the rest in a new child
                proc.kill()
                proc.wait()
                rows.append(_shown((todo.pop(0), None, 0.0, peak, 0), False))
                break
            doc = json.loads(line)
            row = (todo.pop(0), doc["cpu"], doc["seconds"], peak, doc["features"])
            rows.append(_shown(row, doc["ended"]))
        tree.stop()
        proc.kill()
        proc.wait()
    done = [r for r in rows if r[1] is not None]
    killed = [r[0] for r in rows if r[1] is None]
    if done:
        slow = max(done, key=lambda r: r[1] or 0.0)
        late = max(done, key=lambda r: r[2])
        fat = max(rows, key=lambda r: r[3])
        print(f"slowest hostile page: {slow[1]:.3f} s CPU, {slow[2]:.3f} s wall ({slow[0]}); "
              f"goal: none over 1 s")  # fmt: skip
        print(f"longest wall time: {late[2]:.3f} s ({late[0]}; {late[1]:.3f} s CPU)")
        print(
            f"peak RSS of the process tree: {fat[3]:.0f} MB (during {fat[0]}); goal: under 500 MB"
        )
    if killed:
        print(f"killed after {timeout + 30:.0f} s: {'; '.join(killed)}")


def _shown(
    row: tuple[str, float | None, float, float, int], ended: bool
) -> tuple[str, float | None, float, float, int]:
    name, cpu, wall, peak, features = row
    took = "killed" if cpu is None else f"{cpu:7.3f} s"
    print(f"  {took:>10}  {wall:7.3f} s wall  {peak:6.0f} MB  {features:6d} features  "
          f"{'ended ' if ended else ''}{name}", flush=True)  # fmt: skip
    return row


@contextmanager
def _caps_lifted() -> Iterator[None]:
    """Every bound of the extractor raised out of reach, for the comparison below (the
    cuts before the parse are lifted by its limits, in `_same_features`)."""
    from revenant.fingerprint import assets, identifiers, literals, text, wallets

    modules = (literals, identifiers, wallets, assets, text)
    names = ("MAX_TRIED", "MAX_CHECKED", "MAX_FILE_NAME", "MAX_TEXT")
    saved: list[tuple[object, str, object]] = [
        (m, n, getattr(m, n)) for m in modules for n in names if hasattr(m, n)
    ]
    for module, name, _ in saved:
        setattr(module, name, 1 << 60)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _same_features(caps: list[Capture]) -> None:
    """The bounds leave real pages as they are: each fingerprint equals the one made with
    every cap lifted."""
    from revenant.html import DEFAULT_LIMITS

    bounded = [extract(c) for c in caps]
    with _caps_lifted():
        lifted = [extract(c, limits=DEFAULT_LIMITS.cuts_lifted()) for c in caps]
    same = sum(a == b for a, b in zip(bounded, lifted, strict=True))
    print(f"real pages with the same fingerprint, caps lifted or not: {same}/{len(caps)}")


if __name__ == "__main__":
    raise SystemExit(main())
