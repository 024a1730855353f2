"""A writer process for the concurrency tests: records M captures into one case through
the pipeline's evidence path (the same EvidenceLog and database mirror as `revenant
capture` and the watch), printing each capture's target once it is recorded.

`python -m tests.evidence.writer DATA DB_URL CASE FIRST M [FAULT AT]`: captures FIRST ..
FIRST+M-1. FAULT kills this process with SIGKILL at one point of capture AT, to test what
an interrupted writer leaves (fault injection, in this test process only):
  after-warc     its WARC records are written, its ledger entries not
  torn-ledger    half of its ledger line(s) written
  before-commit  ledger entries written, the database not yet committed
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from revenant.evidence import ledger as ledger_module
from revenant.pipeline import Pipeline
from revenant.probe import ProbeConfig
from revenant.settings import Settings
from revenant.store import ledger as store_ledger
from revenant.store import open_store
from tests.evidence.conftest import make_capture


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(fault: str) -> None:
    write = ledger_module._write_all
    if fault == "after-warc":
        ledger_module._write_all = lambda fd, data: _die()  # type: ignore[assignment]
    elif fault == "torn-ledger":

        def torn(fd: int, data: bytes) -> None:
            write(fd, data[: len(data) // 2])
            _die()

        ledger_module._write_all = torn  # type: ignore[assignment]
    elif fault == "before-commit":
        store_ledger._Transaction.commit = lambda self: _die()  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown fault {fault}")


def main(argv: list[str]) -> None:
    data, url, case, first, count = argv[:5]
    fault, at = (argv[5], int(argv[6])) if len(argv) > 6 else ("", -1)
    settings = Settings.resolve(Path(data), url)
    pipe = Pipeline(settings=settings, store=open_store(url), probe_config=ProbeConfig())
    log = pipe.evidence(case)
    for n in range(int(first), int(first) + int(count)):
        if n == at:
            _arm(fault)
        log.write(make_capture(n))
        print(make_capture(n).target, flush=True)
    pipe.close()


if __name__ == "__main__":
    main(sys.argv[1:])
