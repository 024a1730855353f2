"""cli/watch.py: the file arguments of `revenant watch` (--nrd, --ct-replay, --zone-diff):
unusable files are a one-line usage error; endless ones are bounded and stop on SIGTERM.
Real `revenant` processes where signals matter."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app


def _run(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    return CliRunner().invoke(app, ["--data-dir", str(data), "watch", "--once", *args])


@pytest.mark.parametrize(
    ("option", "value", "why"),
    [
        ("--nrd", "{missing}", "--nrd {missing}: no such file or directory"),
        ("--ct-replay", "{missing}", "--ct-replay {missing}: no such file or directory"),
        ("--ct-replay", "{folder}", "--ct-replay {folder}: is a directory, not a file"),
        ("--zone-diff", "{ok}:{missing}", "--zone-diff {missing}: no such file or directory"),
        ("--zone-diff", "{ok}", "--zone-diff '{ok}': expected OLD:NEW"),
    ],
)
def test_an_unusable_file_is_one_line_and_exit_2(
    tmp_path: Path, option: str, value: str, why: str
) -> None:
    names = {"missing": tmp_path / "missing.txt", "folder": tmp_path, "ok": tmp_path / "ok.zone"}
    names["ok"].write_text("")
    result = _run(tmp_path, "--no-permutations", option, value.format(**names))
    assert result.exit_code == 2, result.output
    assert result.stderr == f"revenant: {why.format(**names)}\n"
    assert result.stdout == ""


def _cli(tmp_path: Path, *args: str) -> list[str]:
    data = tmp_path / "data"
    return [sys.executable, "-m", "revenant", "--data-dir", str(data), "watch", *args]


@pytest.mark.slow
def test_an_endless_replay_without_newlines_is_bounded(tmp_path: Path) -> None:
    args = _cli(tmp_path, "--once", "--no-permutations", "--ct-replay", "/dev/zero", "--json")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    feed = json.loads(done.stdout)["feeds"]["ct-replay:zero"]
    assert feed["skipped_by_reason"] == {"too_long": 1}
    assert feed["recent"] == [
        f"feed zero line 1: line over {1 << 20} bytes and no line end in the next {16 << 20}; "
        "rest of the file not read; skipped"
    ]


@pytest.mark.slow
def test_sigterm_stops_a_watch_reading_an_endless_replay(tmp_path: Path) -> None:
    fifo = tmp_path / "endless.json"
    os.mkfifo(fifo)
    log = tmp_path / "watch.log"
    args = _cli(tmp_path, "--once", "--no-permutations", "--ct-replay", str(fifo))
    junk = b"x" * 100_000 + b"\n"  # not JSON: each line a logged, counted skip
    with open(log, "w") as err:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
        try:
            # an endless certstream replay: one name, then junk lines for ever
            with open(fifo, "wb", buffering=0) as writer, contextlib.suppress(BrokenPipeError):
                writer.write(b'{"message_type": "dns_entries", "data": ["first.example"]}\n')
                deadline = time.monotonic() + 60
                while "line 3: " not in log.read_text() and time.monotonic() < deadline:
                    writer.write(junk)
                proc.send_signal(signal.SIGTERM)  # reading by now: handlers in place
                while proc.poll() is None and time.monotonic() < deadline:
                    writer.write(junk)
            out, _ = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, log.read_text()[-2000:]
    assert "1 names pulled" in out and "skipped (see the log)" in out
    assert "watch stopping, rest not read" in log.read_text()
