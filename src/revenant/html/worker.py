"""A parsing process: reads pages from its stdin, one at a time, and writes each one's
summary to its stdout (`python -m revenant.html`, started by pool.py).

Each page is read under hard limits the kernel enforces, whatever the parser does:
a CPU timer (ITIMER_PROF, whose signal's default action ends the process) and an
address-space limit (RLIMIT_AS, over what the process held before the page: the
parser's allocations then fail and it reports an error). A worker never outlives its
parent (PR_SET_PDEATHSIG, and it ends when its stdin closes), imports nothing but the
parser, and writes replies with marshal (plain values; unlike pickle, reading a reply
runs no code a compromised worker could have chosen).
"""

from __future__ import annotations

import ctypes
import marshal
import os
import resource
import signal
import struct
import sys
import time
from typing import Any

from revenant.html.read import ParseLimits, read_html
from revenant.model import Form, PageSummary

HEADER = struct.Struct("<Q")  # length of the marshalled message that follows
_RECYCLE = 64 * 1024 * 1024  # resident bytes past its start after which a worker is replaced
FIELDS = tuple(f for f in PageSummary.__dataclass_fields__ if f != "forms")


def pack(summary: PageSummary) -> tuple[Any, ...]:
    """A summary as plain values (marshal writes only those)."""
    forms = tuple((f.action, f.method, f.fields) for f in summary.forms)
    return (*(getattr(summary, f) for f in FIELDS), forms)


def unpack(payload: object) -> PageSummary:
    """The summary `pack` made, from its marshalled bytes, checked in shape (a reply is
    never trusted)."""
    if not isinstance(payload, bytes):
        raise ValueError("malformed summary")
    values = marshal.loads(payload)
    if not isinstance(values, tuple) or len(values) != len(FIELDS) + 1:
        raise ValueError("malformed summary")
    summary = PageSummary(**dict(zip(FIELDS, values[:-1], strict=True)))  # type: ignore[arg-type]
    summary.forms = [Form(str(a), str(m), list(fs)) for a, m, fs in values[-1]]  # type: ignore[attr-defined]
    summary.link_texts = [(str(h), str(w)) for h, w in summary.link_texts]
    return summary


def read_message(fd: int) -> object | None:
    """The next message on `fd`, or None at its end."""
    head = _read(fd, HEADER.size)
    if head is None:
        return None
    (length,) = HEADER.unpack(head)
    body = _read(fd, length)
    if body is None:
        raise EOFError("message cut short")
    return marshal.loads(body)


def write_message(fd: int, message: Any) -> None:
    """`message` (plain values only) on `fd`."""
    data = marshal.dumps(message)
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _request(message: object) -> tuple[int, bytes, str, ParseLimits]:
    """(job number, page bytes, encoding, limits) of a request from the pool."""
    if not (isinstance(message, tuple) and len(message) == 4):
        raise ValueError("malformed request")
    job, data, encoding, limits = message
    if not (isinstance(job, int) and isinstance(data, bytes) and isinstance(encoding, str)):
        raise ValueError("malformed request")
    return job, data, encoding, ParseLimits(*limits)


def _status(field: str) -> int:
    """A /proc/self/status value in bytes (VmSize, VmRSS, VmPeak...)."""
    with open("/proc/self/status", "rb") as f:
        for line in f:
            if line.startswith(field.encode() + b":"):
                return int(line.split()[1]) * 1024
    return 0


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: stdin's end still ends the worker
        pass
    if os.getppid() == 1:  # the parent is already gone
        os._exit(0)


def main() -> int:
    signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the CPU timer ends the process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    read_html(b"<p>warm</p>", "utf-8")  # first-use costs before the baseline
    base, rss = _status("VmSize"), _status("VmRSS")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    write_message(stdout, ("ready", os.getpid(), base, rss, time.process_time()))
    while True:
        started = time.process_time()  # (waiting for a request takes no CPU)
        request = read_message(stdin)
        if request is None:
            return 0
        job, data, encoding, bounds = _request(request)
        cap = base + bounds.memory
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        status, payload, note = "ok", b"", ""
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        signal.setitimer(signal.ITIMER_PROF, bounds.cpu)
        try:
            summary, note = read_html(data, encoding, bounds)
            payload = marshal.dumps(pack(summary))
        except MemoryError:
            status = "memory"
        except Exception as exc:  # the parser refused the markup (Lexbor: "Can't parse HTML")
            status = "memory" if _status("VmPeak") >= base + 0.9 * bounds.memory else "failed"
            note = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        del data
        grown = _status("VmRSS") - rss
        retire = status != "ok" or grown > _RECYCLE
        peak = _status("VmHWM")  # (ru_maxrss would count the parent's, kept across exec)
        now = time.process_time()
        write_message(stdout, (job, status, payload, note, now - started, now, peak, retire))
        if retire:  # a fresh process rather than a heap grown or left odd by one page
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
