"""Evidence appends: the cost of recording a capture (WARC records + custody ledger
entries) under the case lock, alone and with writers competing for one case.

Each line is one fresh process writing hand-built captures (no network) through the
pipeline's evidence path:
  none:   N captures, no database (flock on ledger.jsonl only)
  sqlite: N captures, the SQLite mirror (BEGIN IMMEDIATE + flock, one commit each)
  4 proc: 4 processes x N/4 captures into one case at once, SQLite mirror
The figure beside each is CPU per capture of the writer process (the machine is shared:
wall times are noisy, compare lines of one run). Before issue 11 (one database commit
per ledger entry, no lock) a capture with the SQLite mirror cost about 4.6 ms of CPU.

    .venv/bin/python bench/evidence_append.py [--captures 1000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import sys, time
from pathlib import Path
from revenant.evidence import open_case_log
from revenant.store import open_store
from revenant.store.ledger import StoreMirror
from tests.evidence.conftest import make_capture
data, url, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
caps = [make_capture(n) for n in range(first, first + count)]
kw = {"mirror": StoreMirror(open_store(url), "bench")} if url != "-" else {}
cpu = time.process_time()
with open_case_log(data, "bench", **kw) as log:
    for cap in caps:
        log.write(cap)
print(time.process_time() - cpu)
"""


def _run(data: Path, url: str, procs: int, total: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds per capture) for `procs` writers sharing `total`."""
    each = total // procs
    started = time.monotonic()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(data), url, str(k * each), str(each)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(procs)
    ]
    cpu = sum(float(c.communicate()[0]) for c in children)
    # the wall time includes each process's start (imports): compare lines, not totals
    return time.monotonic() - started, cpu / (each * procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=1000)
    n = parser.parse_args().captures
    with tempfile.TemporaryDirectory() as tmp:
        for label, url, procs in (
            ("none", "-", 1),
            ("sqlite", f"sqlite:///{tmp}/a.db", 1),
            ("4 proc", f"sqlite:///{tmp}/b.db", 4),
        ):
            if url != "-":
                from revenant.store import open_store

                open_store(url).close()
            wall, cpu = _run(Path(tmp) / label.replace(" ", ""), url, procs, n)
            print(f"{label:7} {n} captures: {cpu * 1e3:.2f} ms CPU per capture, {wall:.1f} s wall")


if __name__ == "__main__":
    main()
