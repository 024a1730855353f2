"""Many writers, one chain: processes appending to one case at once, and writers killed
at each point of an append. Real processes, a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app
from revenant.evidence.ledger import LedgerEntry, read_entries
from revenant.evidence.verify import VerifyReport, verify
from revenant.evidence.warc import case_dir
from revenant.store import open_store
from revenant.store.ledger import mirrored_entries

ROOT = Path(__file__).resolve().parents[2]


def _writer(data: Path, url: str, first: int, count: int, *fault: str) -> subprocess.Popen[str]:
    args = [str(data), url, "coco", str(first), str(count), *fault]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.evidence.writer", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _verify(data: Path, url: str) -> tuple[int, dict]:
    done = CliRunner().invoke(
        app, ["--data-dir", str(data), "--db", url, "verify", "coco", "--json"]
    )
    return done.exit_code, json.loads(done.stdout)


def _uris(data: Path) -> Counter[str]:
    """How many WARC records the chain holds per target URI (3 per page capture:
    response, request, metadata)."""
    entries = [
        e
        for _, _, e in read_entries(case_dir(data, "coco") / "ledger.jsonl")
        if isinstance(e, LedgerEntry)  # a torn line is not (verify accounts for it)
    ]
    ids = [e.record_id for e in entries if e.action == "record"]
    assert len(ids) == len(set(ids)), "a record is in the chain twice"
    return Counter(e.uri for e in entries if e.action == "record")


def _many_writers(data: Path, url: str, writers: int, each: int) -> float:
    """N writers x M captures at once, one of them SIGKILLed mid-run."""
    started = time.monotonic()
    procs = [_writer(data, url, 1000 * (w + 1), each) for w in range(writers)]
    victim = procs[0]
    assert victim.stdout is not None
    # Verify over and over while they write: the snapshot taken under the lock never
    # shows an append half-way.
    reports: list[VerifyReport] = []
    killed = threading.Event()

    def verifying() -> None:
        directory = case_dir(data, "coco")
        while not killed.is_set():
            if (directory / "ledger.jsonl").exists():
                reports.append(verify(directory))
            killed.wait(0.1)

    watcher = threading.Thread(target=verifying)
    watcher.start()
    # Let it record a third of its captures, then kill it.
    first = [victim.stdout.readline().strip() for _ in range(each // 3)]
    killed.set()
    victim.send_signal(signal.SIGKILL)
    watcher.join()
    assert reports and all(r.ok for r in reports), [r.findings for r in reports if not r.ok]
    outputs = [p.communicate(timeout=600) for p in procs]
    elapsed = time.monotonic() - started
    assert victim.returncode == -signal.SIGKILL
    for proc, (_, err) in zip(procs[1:], outputs[1:], strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    done_targets = first + [t for out, _ in outputs for t in out.split()]
    assert len(done_targets) >= (writers - 1) * each + len(first)
    # The others may all have finished before the kill: the victim's last append can
    # then be entries in the file but not in the database, which verify reports until the
    # next append records them. That next append:
    after = _writer(data, url, 9000, 1)
    out, err = after.communicate(timeout=600)
    assert after.returncode == 0 and "Traceback" not in err, err
    done_targets += out.split()
    code, report = _verify(data, url)
    assert code == 0, report["findings"]
    uris = _uris(data)
    for target in done_targets:
        assert uris[target] == 3, target  # every recorded capture exactly once
    mirror = list(mirrored_entries(open_store(url), "coco"))
    assert [e.seq for e in mirror] == list(range(report["ledger_entries"]))
    return elapsed


@pytest.mark.slow
def test_many_writers_one_chain_on_sqlite(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'revenant.db'}"
    open_store(url).close()
    elapsed = _many_writers(data, url, writers=4, each=40)
    print(f"4 writers x 40 captures, one killed, on SQLite: {elapsed:.1f} s")


@pytest.mark.slow
def test_many_writers_one_chain_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    data = tmp_path / "data"
    open_store(postgres_url).close()
    elapsed = _many_writers(data, postgres_url, writers=4, each=40)
    print(f"4 writers x 40 captures, one killed, on PostgreSQL: {elapsed:.1f} s")


@pytest.mark.parametrize(
    ("fault", "finding", "note"),
    [
        ("after-warc", "its writer stopped before recording them", "stopped before recording"),
        ("torn-ledger", "last line is incomplete", "write cut short"),
        ("before-commit", "ledger entries are not in the database", "copied from the ledger"),
    ],
)
def test_a_writer_killed_mid_append_leaves_what_the_next_append_records(
    tmp_path: Path, fault: str, finding: str, note: str
) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'revenant.db'}"
    open_store(url).close()
    killed = _writer(data, url, 0, 3, fault, "1")
    out, _ = killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL and out.split() == ["https://coco0.test/"]
    ledger = case_dir(data, "coco") / "ledger.jsonl"
    before = ledger.read_bytes()
    # Until the next append, verify reports what the killed writer left.
    code, report = _verify(data, url)
    assert code == 1 and any(finding in f["problem"] for f in report["findings"]), report
    # The next writer appends, records it as it is (nothing rewritten), and succeeds.
    nxt = _writer(data, url, 7, 1)
    out, err = nxt.communicate(timeout=120)
    assert nxt.returncode == 0, err
    assert ledger.read_bytes().startswith(before)
    code, report = _verify(data, url)
    assert code == 0, report["findings"]
    assert any(note in n["problem"] for n in report["notes"]), report["notes"]
    uris = _uris(data)
    assert uris["https://coco0.test/"] == 3 and uris["https://coco7.test/"] == 3
    # The killed capture: each of its records once at most (a torn write may have ended
    # after some of its entries; the rest of its bytes are recorded as unrecorded).
    assert uris["https://coco1.test/"] <= 3
    assert not os.listdir(case_dir(data, "coco") / "writers")  # markers of both gone


def test_a_ledger_write_that_fails_in_a_live_process_is_recorded_and_writing_goes_on(
    tmp_path: Path, clock, make_capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from revenant.evidence import ledger as ledger_module
    from revenant.evidence.warc import open_case_log

    real = ledger_module._write_all

    def disk_full(fd: int, data: bytes) -> None:  # half the line, then ENOSPC (once)
        monkeypatch.setattr(ledger_module, "_write_all", real)
        real(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    with open_case_log(tmp_path, "coco", clock=clock) as log:
        log.write(make_capture(0))
        monkeypatch.setattr(ledger_module, "_write_all", disk_full)
        with pytest.raises(OSError, match="No space"):
            log.write(make_capture(1))
        log.write(make_capture(2))  # a new file; what the failed write left is recorded
    report = verify(case_dir(tmp_path, "coco"))
    assert report.ok, report.findings
    notes = " | ".join(n.problem for n in report.notes)
    assert "a write cut short" in notes and "stopped before recording them" in notes
    uris = _uris(tmp_path)
    assert uris["https://coco0.test/"] == uris["https://coco2.test/"] == 3
