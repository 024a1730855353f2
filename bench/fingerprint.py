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
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from revenant.fingerprint import extract
from revenant.fingerprint.dom import _INVISIBLE, MAX_PATH_NODES
from revenant.fingerprint.text import minhash, shingle_hashes, simhash
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
    bodies: list[bytes], caps: list[Capture], rounds: int
) -> tuple[float, float, float]:
    """(parse, extract, floor) rates in pages/s. Each page is parsed, extracted and put
    through the floor back to back, `rounds` times, keeping each page's fastest time for
    each: load from other processes then lands on all three alike instead of swinging
    the ratios."""
    best = [[float("inf")] * len(bodies) for _ in range(3)]
    for _ in range(rounds):
        for i, (body, cap) in enumerate(zip(bodies, caps, strict=True)):
            t = time.perf_counter()
            LexborHTMLParser(body)
            t1 = time.perf_counter()
            extract(cap)
            t2 = time.perf_counter()
            _floor(body)
            t3 = time.perf_counter()
            for row, took in zip(best, (t1 - t, t2 - t1, t3 - t2), strict=True):
                row[i] = min(row[i], took)
    parse, full, floor = (len(bodies) / sum(row) for row in best)
    return parse, full, floor


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="fingerprints in the index")
    ap.add_argument("--rounds", type=int, default=5, help="each page's best of this many")
    ap.add_argument("--queries", type=int, default=1000)
    args = ap.parse_args(argv)

    bodies, caps = _captures()
    extract(caps[0])  # warm caches (suffix list, numpy)
    parse, full, floor = _paired_rates(bodies, caps, args.rounds)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
