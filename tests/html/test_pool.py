"""html/pool.py: every page parsed in a worker process within its time and memory
bounds; a page past them is an outcome, its worker is replaced, the next pages parse."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from revenant.html import DEFAULT_LIMITS, ParseLimits, ParsePool
from revenant.model import ParseOutcome

FAST = ParseLimits(cpu=0.3, memory=128 * 1024 * 1024)
ORDINARY = b"<title>ok</title><p>a few words</p><script src='/a.js'></script>"
# Lexbor reconstructs 36 formatting elements in every paragraph: seconds of CPU
RECONSTRUCTING = (
    b"<div>" + b"".join(b"<%s>" % n * 3 for n in b"b big code em font i s small strike strong tt u".split())
    + b"</div>" + b"<p>x</p>" * 200_000
)  # fmt: skip
# each paragraph copies a 50 KB attribute (lexbor/lexbor#340): gigabytes
COPYING = b'<p><a href="' + b"A" * 50_000 + b'">' + b"<p>a" * 200_000


@pytest.fixture
def pool() -> Iterator[ParsePool]:
    with ParsePool(1) as running:
        yield running


def test_a_page_is_parsed_in_a_worker(pool: ParsePool) -> None:
    parsed = pool.parse(ORDINARY, "utf-8")
    assert parsed.outcome is ParseOutcome.OK and parsed.reason == ""
    assert parsed.summary.title == "ok" and parsed.summary.script_srcs == ["/a.js"]
    assert parsed.of(ORDINARY) and not parsed.of(bytes(bytearray(ORDINARY)))
    assert pool.stats.parsed == 1 and pool.stats.started == 1


def test_a_page_past_the_cpu_bound_is_ended_and_the_worker_replaced(pool: ParsePool) -> None:
    pool.parse(ORDINARY, "utf-8")
    parsed = pool.parse(RECONSTRUCTING, "utf-8", FAST)
    assert parsed.outcome is ParseOutcome.TOO_COMPLEX
    assert parsed.reason == (
        "page too complex to parse within 0.3 s of CPU and 128 MB: it took more CPU"
    )
    # the kernel's timer, on its tick-sampled CPU time (the measured time may differ by ticks)
    assert FAST.cpu / 2 <= parsed.cpu < FAST.cpu + 0.3
    assert parsed.summary.text == [] and parsed.summary.links == []
    assert pool.parse(ORDINARY, "utf-8").outcome is ParseOutcome.OK
    assert pool.stats.started == 2 and pool.stats.ended == 1


def test_a_page_past_the_memory_bound_is_ended(pool: ParsePool) -> None:
    parsed = pool.parse(COPYING, "utf-8", FAST)
    assert parsed.outcome is ParseOutcome.TOO_COMPLEX
    assert parsed.reason.endswith("it took more memory")
    assert pool.parse(ORDINARY, "utf-8").summary.title == "ok"


def test_a_worker_past_the_wall_time_is_killed() -> None:
    # room in CPU and memory alike: on a quiet machine this page passes the default
    # 192 MB within half a second, and the memory bound would end it first
    patient = ParseLimits(cpu=30, memory=4 * DEFAULT_LIMITS.memory)
    with ParsePool(1, wall=0.5) as pool:
        pool.parse(ORDINARY, "utf-8")  # the worker started
        started = time.monotonic()
        parsed = pool.parse(RECONSTRUCTING, "utf-8", patient)
        assert time.monotonic() - started < 5
        assert parsed.outcome is ParseOutcome.TOO_COMPLEX
        assert parsed.reason == "page not parsed within 0.5 s of wall time"
        assert pool.parse(ORDINARY, "utf-8").outcome is ParseOutcome.OK


def test_a_worker_killed_from_outside_is_replaced(pool: ParsePool) -> None:
    pool.parse(ORDINARY, "utf-8")
    for pid in _workers(pool):
        os.kill(pid, signal.SIGKILL)
    assert pool.parse(ORDINARY, "utf-8").outcome is ParseOutcome.OK


# A parser that crashes on demand (Lexbor cannot be made to): the real worker, its
# read_html wrapped to abort on a page holding CRASH and to dawdle on one holding SLOW.
FAULTY = """
import os, sys, time
import revenant.html.worker as worker
real = worker.read_html
def faulty(data, encoding, *limits):
    if b"CRASH" in data:
        os.abort()
    if b"SLOW" in data:
        time.sleep(2)
    return real(data, encoding, *limits)
worker.read_html = faulty
raise SystemExit(worker.main())
"""


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[ParsePool]:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} -c '{FAULTY}'\n")
    script.chmod(0o755)
    with ParsePool(1, python=str(script)) as running:
        yield running


def test_a_page_that_crashes_the_parser_twice_is_an_outcome(faulty: ParsePool) -> None:
    parsed = faulty.parse(b"<p>CRASH</p>", "utf-8")
    assert parsed.outcome is ParseOutcome.TOO_COMPLEX
    assert parsed.reason == "the parsing process ended (signal 6), twice"
    assert faulty.parse(ORDINARY, "utf-8").outcome is ParseOutcome.OK
    assert faulty.stats.started == 3  # one per try, and one after


def test_a_page_whose_worker_was_killed_is_parsed_again(faulty: ParsePool) -> None:
    faulty.parse(ORDINARY, "utf-8")
    future = faulty.submit(b"<title>SLOW</title>", "utf-8")
    time.sleep(0.5)
    for pid in _workers(faulty):
        os.kill(pid, signal.SIGKILL)
    assert future.result(timeout=60).summary.title == "SLOW"
    assert faulty.stats.started == 2


def test_pages_parse_in_parallel_from_an_event_loop() -> None:
    async def many(pool: ParsePool) -> list[str]:
        pages = [b"<title>%d</title>" % i for i in range(20)]
        done = await asyncio.gather(*(pool.parse_async(p, "utf-8") for p in pages))
        return [d.summary.title for d in done]

    with ParsePool(2) as pool:
        assert asyncio.run(many(pool)) == [str(i) for i in range(20)]
        assert pool.stats.started == 2


def test_a_page_still_queued_can_be_cancelled(pool: ParsePool) -> None:
    busy = pool.submit(RECONSTRUCTING, "utf-8", FAST)
    queued = pool.submit(ORDINARY, "utf-8")
    assert queued.cancel()
    assert busy.result(timeout=30).outcome is ParseOutcome.TOO_COMPLEX
    assert pool.stats.parsed == 1


def test_a_closed_pool_takes_no_page() -> None:
    pool = ParsePool(1)
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.parse(ORDINARY, "utf-8")


def test_markup_past_the_byte_bound_is_read_up_to_it(pool: ParsePool) -> None:
    limits = ParseLimits(markup=1000)
    parsed = pool.parse(b"<title>t</title>" + b"<p>word</p>" * 1000, "utf-8", limits)
    assert parsed.outcome is ParseOutcome.CUT
    assert parsed.reason == "markup over 1,000 bytes: the first 1,000 read"
    assert 80 <= parsed.summary.words <= 90


def _workers(pool: ParsePool) -> list[int]:
    """Pids of the pool's live workers (its children running revenant.html)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if ppid == os.getpid() and b"revenant.html" in cmdline:
            pids.append(int(entry))
    assert pids, "no worker running"
    return pids
