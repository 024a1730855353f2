"""Feature-extraction throughput and near-duplicate index latency.

1. captures/second of `revenant.fingerprint.extract` over the real pages in
   ../shared/data/pages, side by side with a bare selectolax (Lexbor) parse of the same
   pages, the ceiling (goal: extract >= 0.33 of it); each page is parsed and extracted
   back to back and its fastest of `--rounds` tries is kept for each;
   A third figure is a floor: what any extractor of these features built on
   selectolax's Python API must do at least (parse; visit the nodes the tag-path
   shingles read, with each node's tag and parent; drop what a visitor never sees; read
   the visible text; its word-shingle SimHash and MinHash, with the engine's own
   vectorised kernels), and no other feature. Its rate over the parse bounds what such
   an extractor can reach, and the time it leaves under the goal is what every other
   feature family (identifiers, assets, forms, DOM sketch...) would have to fit in;
2. median query time of the near-duplicate index holding N stored fingerprints
   (default 1,000,000; goal < 5 ms). `--n` shrinks it for a quick run.
3. the hostile set: captures written to make a parser or a pattern slow (a tag with
   200,000 attributes, 100,000 PGP armour headers, a run of every identifier prefix in
   code, attributes and visible text, floods of candidates that each need a checksum,
   deep and falsely closed nesting, huge lines, combining marks, formatting-element
   amplification...), each extracted in a child process (its time and peak RSS; a
   page over --timeout seconds is killed and reported as such). Prints every page, the
   slowest and the peak RSS (goal: no page over 1 s, peak RSS under 500 MB). Also
   checks that the bounds leave the features of every real page as they are (the
   extractor run with its caps lifted gives the same fingerprints).
   `--hostile-only` skips 1 and 2; `--no-hostile` skips 3.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import itertools
import json
import random
import resource
import select
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from revenant.fingerprint import extract
from revenant.fingerprint.text import minhash, shingle_hashes, simhash
from revenant.html.walk import _INVISIBLE, MAX_PATH_NODES
from revenant.match import SimHashIndex
from revenant.model import Capture, Exchange, Outcome

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


def _paired_rates(
    bodies: list[bytes], caps: list[Capture], rounds: int, clock: Callable[[], float]
) -> tuple[float, float, float]:
    """(parse, extract, floor) rates in pages/s. Each page is parsed, extracted and put
    through the floor back to back, `rounds` times, keeping each page's fastest time for
    each: load from other processes then lands on all three alike instead of swinging
    the ratios."""
    best = [[float("inf")] * len(bodies) for _ in range(3)]
    for _ in range(rounds):
        for i, (body, cap) in enumerate(zip(bodies, caps, strict=True)):
            t = clock()
            LexborHTMLParser(body)
            t1 = clock()
            extract(cap)
            t2 = clock()
            _floor(body)
            t3 = clock()
            for row, took in zip(best, (t1 - t, t2 - t1, t3 - t2), strict=True):
                row[i] = min(row[i], took)
    parse, full, floor = (len(bodies) / sum(row) for row in best)
    return parse, full, floor


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
    ap.add_argument("--cpu", action="store_true", help="CPU seconds, not wall (shared machine)")
    ap.add_argument("--baseline", default="", help="a source tree to time first (DIR/src)")
    args = ap.parse_args(argv)
    if args.child:
        return _hostile_child()
    if not args.hostile_only:
        _real(args)
    if not args.no_hostile:
        _, caps = _captures()
        _same_features(caps)
        _run_hostile(args.timeout, args.only)
    return 0


def _baseline(args: argparse.Namespace) -> None:
    """The real-page rates of another source tree (`--baseline DIR`, holding src/), in a
    child process, printed before this tree's: before and after in one run."""
    import os

    env = dict(os.environ, PYTHONPATH=str(Path(args.baseline) / "src"))
    cmd = [sys.executable, __file__, "--no-hostile", "--rounds", str(args.rounds), "--n", "1000"]
    out = subprocess.run(cmd + (["--cpu"] if args.cpu else []), env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    for line in out.splitlines()[1:4]:
        print(f"baseline {args.baseline}: {line}")


def _real(args: argparse.Namespace) -> None:
    if args.baseline:
        _baseline(args)
    bodies, caps = _captures()
    extract(caps[0])  # warm caches (suffix list, numpy)
    clock = time.process_time if args.cpu else time.perf_counter
    parse, full, floor = _paired_rates(bodies, caps, args.rounds, clock)
    mb = sum(len(b) for b in bodies) / len(bodies) / 1e6
    print(f"pages: {len(bodies)} real pages, {mb:.2f} MB average")
    print(f"bare selectolax parse: {parse:8.1f} pages/s")
    print(
        f"revenant extract():    {full:8.1f} captures/s  ({full / parse:.2f} of the ceiling; goal >= 0.33)"
    )
    left = (1 / (0.33 * parse) - 1 / floor) * 1e6  # µs a page left under the goal
    print(
        f"floor (nodes + text sketch): {floor:8.1f} pages/s ({floor / parse:.2f} of the "
        f"ceiling, the most an extractor on selectolax can reach; at the goal every other "
        f"feature family must fit in {left:.0f} µs a page)"
    )

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
    # Not bounded (docs/scoring.md, "Hostile pages"): Lexbor's tree construction.
    unbounded: dict[str, Callable[[], bytes]] = {
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
    return pages | unbounded


def _hostile_child() -> int:
    """Extract the pages named on stdin, one JSON line of figures each on stdout."""
    pages = _hostile_pages()
    extract(Capture("https://warm.example/", "warm.example", T0, T0, Outcome.OK))
    for line in sys.stdin:
        name = line.rstrip("\n")
        body = pages[name]()
        cap = _hostile_capture(body)
        t, cpu = time.perf_counter(), time.process_time()
        fp = extract(cap)
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        doc = {"name": name, "seconds": took, "cpu": cpu, "rss_mb": rss}
        doc["features"] = len(fp.features)
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


def _run_hostile(timeout: float, only: str) -> None:
    """The hostile pages in a child process, one after the other (RSS is the child's
    peak so far); a page past `timeout` seconds is killed and the rest go on in a new
    child."""
    todo = [n for n in _hostile_pages() if only in n]
    rows: list[tuple[str, float | None, float | None, int]] = []
    print(
        f"hostile set: {len(todo)} pages of up to {SIZE >> 20} MiB "
        "(seconds of CPU for extract(); wall seconds beside them)"
    )
    while todo:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(n + "\n" for n in todo))
        proc.stdin.close()
        while todo:
            ready, _, _ = select.select([proc.stdout], [], [], timeout + 30)
            line = proc.stdout.readline() if ready else ""
            if not line:  # too slow (or died): killed, and the rest in a new child
                proc.kill()
                proc.wait()
                rows.append(_shown((todo.pop(0), None, None, 0)))
                break
            doc = json.loads(line)
            print(f"  {doc['seconds']:7.3f} s wall", end="")
            rows.append(_shown((todo.pop(0), doc["cpu"], doc["rss_mb"], doc["features"])))
        proc.kill()
        proc.wait()
    bounded = [r for r in rows if not r[0].startswith(_UNBOUNDED) and r[1] is not None]
    killed = [r[0] for r in rows if r[1] is None]
    if bounded:
        slow = max(bounded, key=lambda r: r[1] or 0.0)
        fat = max(bounded, key=lambda r: r[2] or 0.0)
        print(f"slowest hostile page: {slow[1]:.3f} s CPU ({slow[0]}); goal: none over 1 s")
        print(f"peak RSS: {fat[2]:.0f} MB (by {fat[0]}); goal: under 500 MB")
        print("(the 'tree builder' pages, run last, are not bounded: docs/scoring.md)")
    if killed:
        print(f"killed after {timeout + 30:.0f} s: {'; '.join(killed)}")


_UNBOUNDED = "tree builder:"


def _shown(
    row: tuple[str, float | None, float | None, int],
) -> tuple[str, float | None, float | None, int]:
    took = "killed" if row[1] is None else f"{row[1]:7.3f} s"
    rss = "" if row[2] is None else f"{row[2]:6.0f} MB"
    print(f"  {took:>10}  {rss:>9}  {row[3]:6d} features  {row[0]}", flush=True)
    return row


@contextmanager
def _caps_lifted() -> Iterator[None]:
    """Every bound of the extractor raised out of reach, for the comparison below."""
    from revenant.fingerprint import assets, identifiers, literals, text, wallets

    modules = (literals, identifiers, wallets, assets, text)
    names = ("MAX_TRIED", "MAX_CHECKED", "MAX_FILE_NAME", "MAX_TEXT")
    saved: list[tuple[object, str, object]] = [
        (m, n, getattr(m, n)) for m in modules for n in names if hasattr(m, n)
    ]
    for module, name, _ in saved:
        setattr(module, name, 1 << 60)
    # (the package exports the function `extract`, which hides the module of that name)
    parse = sys.modules["revenant.fingerprint.extract"]
    saved.append((parse, "bound_attributes", parse.bound_attributes))
    parse.bound_attributes = lambda data: data  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def _same_features(caps: list[Capture]) -> None:
    """The bounds leave real pages as they are: each fingerprint equals the one made with
    every cap lifted."""
    bounded = [extract(c) for c in caps]
    with _caps_lifted():
        lifted = [extract(c) for c in caps]
    same = sum(a == b for a, b in zip(bounded, lifted, strict=True))
    print(f"real pages with the same fingerprint, caps lifted or not: {same}/{len(caps)}")


if __name__ == "__main__":
    raise SystemExit(main())
