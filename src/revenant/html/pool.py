"""A small pool of parsing processes (worker.py): every page any stage reads is parsed
there, so no markup can take more than its time and memory bound, and a page that goes
past them costs its own parse and nothing else.

A page past a bound is an outcome (`Parsed.outcome` TOO_COMPLEX or FAILED, with the
reason), never an exception and never a lost capture: the worker is ended (by its own
CPU timer, by its address-space limit, or by the pool after `wall` seconds) and a fresh
one takes its place. One thread per worker hands it pages from a shared queue, so the
pool serves threads (`parse`) and event loops (`parse_async`) alike, and pages parse
in parallel up to the number of workers.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import astuple, dataclass

from revenant.html.read import DEFAULT_LIMITS, ParseLimits
from revenant.html.worker import read_message, unpack, write_message
from revenant.model import PageSummary, Parsed, ParseOutcome

WORKERS = 2
"""Parsing processes of a pool: parses run beside the prober's event loop and the
feature extraction (2 cores here; more workers only queue for the same cores)."""
WALL = 30.0
"""Seconds of wall time past which a parse is ended whatever its CPU (a worker that
stalls, or a machine so loaded that the CPU bound alone would wait long)."""
_START = 60.0  # seconds a new worker may take to be ready (imports on a loaded machine)
_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class PoolStats:
    """What a pool has done: pages parsed, pages ended at a bound, workers started,
    and the most resident memory a worker reported after a page (bytes; a worker
    ended at a bound reports nothing, its address space being capped instead)."""

    parsed: int = 0
    ended: int = 0
    started: int = 0
    peak_rss: int = 0
    worker_cpu: float = 0.0  # seconds of workers' CPU spent on pages


@dataclass
class _Job:
    data: bytes
    encoding: str
    limits: ParseLimits
    future: Future[Parsed]


class _Worker:
    """One parsing process and the pipes to it."""

    def __init__(self, python: str) -> None:
        env = dict(os.environ, **_ENV)
        self.proc = subprocess.Popen(
            [python, "-m", "revenant.html"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin = self.proc.stdin.fileno()
        self.stdout = self.proc.stdout.fileno()
        ready = self.receive(time.monotonic() + _START)
        if not (isinstance(ready, tuple) and ready and ready[0] == "ready"):
            self.end()
            raise RuntimeError(f"parsing worker did not start ({self.reason()})")
        self.cpu = float(ready[4])  # its CPU seconds as of its last message

    def receive(self, deadline: float) -> object | None:
        """The worker's next message, or None if it ended or the deadline passed."""
        left = deadline - time.monotonic()
        readable, _, _ = select.select([self.stdout], [], [], max(left, 0))
        if not readable:
            return None
        try:
            return read_message(self.stdout)
        except (EOFError, ValueError, OSError):
            return None

    def end(self) -> tuple[int, float]:
        """Kill and reap the process: (its wait status, the CPU seconds it used)."""
        if self.proc.returncode is None:
            # (not Popen.kill: it would reap the process and lose its usage)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        try:
            _, status, usage = os.wait4(self.proc.pid, 0)
        except ChildProcessError:
            return 0, 0.0
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return status, usage.ru_utime + usage.ru_stime

    def alive(self) -> bool:
        """Whether the process still runs (it is not reaped here)."""
        if self.proc.returncode is not None:
            return False
        try:
            flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
            return os.waitid(os.P_PID, self.proc.pid, flags) is None
        except ChildProcessError:
            return False

    def reason(self) -> str:
        code = self.proc.returncode
        if code is None:
            return "running"
        return f"signal {-code}" if code < 0 else f"exit {code}"


class ParsePool:
    """Parses pages in `workers` processes, each page within its `ParseLimits`."""

    def __init__(
        self, workers: int = WORKERS, *, wall: float = WALL, python: str = sys.executable
    ) -> None:
        self.wall = wall
        self.stats = PoolStats()
        self._python = python
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._serve, name=f"revenant-parse-{slot}", daemon=True)
            for slot in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(
        self, data: bytes, encoding: str, limits: ParseLimits = DEFAULT_LIMITS
    ) -> Future[Parsed]:
        """Queue one page (`encoding`: a Python codec name); its future holds the `Parsed`."""
        if self._closed:
            raise RuntimeError("parse pool is closed")
        future: Future[Parsed] = Future()
        self._jobs.put(_Job(data, encoding, limits, future))
        return future

    def parse(self, data: bytes, encoding: str, limits: ParseLimits = DEFAULT_LIMITS) -> Parsed:
        """Parse one page, waiting for it."""
        return self.submit(data, encoding, limits).result()

    async def parse_async(
        self, data: bytes, encoding: str, limits: ParseLimits = DEFAULT_LIMITS
    ) -> Parsed:
        """Parse one page without blocking the event loop (cancelling it drops a page
        still queued)."""
        return await asyncio.wrap_future(self.submit(data, encoding, limits))

    def close(self) -> None:
        """End every worker (pages still queued are cancelled)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=self.wall + 5)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ per worker

    def _serve(self) -> None:
        worker: _Worker | None = None
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                if not job.future.set_running_or_notify_cancel():
                    continue
                try:
                    parsed: Parsed | None = None
                    for last in (False, True):  # a crash not of the page's bounds: once more
                        worker = self._live(worker)
                        parsed, worker = self._run(worker, job, last=last)
                        if parsed is not None:
                            break
                except BaseException as exc:  # a worker that cannot start: the caller hears it
                    job.future.set_exception(exc)
                    if worker is not None:
                        worker.end()
                        worker = None
                else:
                    assert parsed is not None
                    job.future.set_result(parsed)
        finally:
            if worker is not None:
                worker.end()

    def _live(self, worker: _Worker | None) -> _Worker:
        """`worker` if its process still runs, else a new one."""
        if worker is not None and worker.alive():
            return worker
        if worker is not None:
            worker.end()
        worker = _Worker(self._python)
        with self._lock:
            self.stats.started += 1
        return worker

    def _run(
        self, worker: _Worker, job: _Job, *, last: bool
    ) -> tuple[Parsed | None, _Worker | None]:
        """(the page's `Parsed`, the worker if it goes on). The `Parsed` is None when the
        worker ended for a reason other than the page's bounds and this was not the
        `last` try."""
        limits = job.limits
        # one byte past the bound: the worker then says the page was longer than it read
        request = (next(_JOBS), job.data[: limits.markup + 1], job.encoding, astuple(limits))
        started = time.monotonic()
        try:
            write_message(worker.stdin, request)
            reply = worker.receive(started + self.wall)
        except OSError:  # (a broken pipe: the worker ended)
            reply = None
        summary = None
        if isinstance(reply, tuple) and len(reply) == 8 and reply[0] == request[0]:
            _, status, payload, note, cpu, total, peak, retire = reply
            worker.cpu = float(total)
            if status == "ok":
                try:
                    summary = unpack(payload)
                except (ValueError, TypeError, EOFError):
                    reply = None  # as if the worker had crashed
        else:
            reply = None
        if reply is not None:
            self._note(int(peak), float(cpu), ended=status != "ok")
            if retire:
                worker.end()
            going = None if retire else worker
            if summary is not None:
                outcome = ParseOutcome.CUT if note else ParseOutcome.OK
                return Parsed(summary, outcome, str(note), job.data, float(cpu)), going
            what = "memory" if status == "memory" else "failed"
            return self._ended(job, what, float(cpu), str(note)), going
        # no reply: the worker ended (its CPU timer, a crash) or went past the wall time
        late = time.monotonic() - started >= self.wall
        before = worker.cpu
        status, total_cpu = worker.end()
        cpu = max(total_cpu - before, 0.0)
        self._note(0, cpu, ended=True)  # (a killed process's peak is not known)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGPROF:
            return self._ended(job, "cpu", cpu, ""), None
        if late:
            return self._ended(job, "wall", cpu, ""), None
        if not last:
            return None, None
        return self._ended(job, "crash", cpu, worker.reason()), None

    def _ended(self, job: _Job, what: str, cpu: float, detail: str) -> Parsed:
        limits = job.limits
        bound = f"{limits.cpu:g} s of CPU and {limits.memory >> 20} MB"
        reason = {
            "cpu": f"page too complex to parse within {bound}: it took more CPU",
            "memory": f"page too complex to parse within {bound}: it took more memory",
            "wall": f"page not parsed within {self.wall:g} s of wall time",
            "failed": f"the parser refused the page ({detail})",
            "crash": f"the parsing process ended ({detail}), twice",
        }[what]
        outcome = ParseOutcome.FAILED if what == "failed" else ParseOutcome.TOO_COMPLEX
        return Parsed(PageSummary(), outcome, reason, job.data, cpu)

    def _note(self, peak: int, cpu: float, *, ended: bool) -> None:
        with self._lock:
            s = self.stats
            s.parsed += 1
            s.ended += ended
            s.worker_cpu += cpu
            s.peak_rss = max(s.peak_rss, peak)


_JOBS = itertools.count(1)


# ------------------------------------------------------------------ the process's pool

_DEFAULT: ParsePool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> ParsePool:
    """The process's shared pool, started on first use and closed at exit."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = ParsePool()
            atexit.register(_DEFAULT.close)
        return _DEFAULT


def _forget_in_child() -> None:
    """A forked child has the pool's objects but not its threads or workers."""
    global _DEFAULT
    _DEFAULT = None


os.register_at_fork(after_in_child=_forget_in_child)
