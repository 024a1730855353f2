"""cli/evidence.py through the main CLI (its one error path): exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app
from revenant.evidence.warc import case_dir, open_case_log

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, clock, make_capture) -> Path:
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        w.write(make_capture(0))
    return tmp_path


def _run(data: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(data), *args])


def test_verify_ok_is_exit_0_with_json(data: Path) -> None:
    done = _run(data, "verify", "coco", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["ok"] is True


def test_verify_tampered_is_exit_1_naming_file_and_offset(data: Path) -> None:
    warc = next(case_dir(data, "coco").glob("*.warc.gz"))
    blob = bytearray(warc.read_bytes())
    blob[500] ^= 1
    warc.write_bytes(bytes(blob))
    done = _run(data, "verify")
    assert done.exit_code == 1
    assert "TAMPERED" in done.stdout and f"{warc.name} offset" in done.stdout


def test_unknown_case_is_usage_exit_2_in_one_line(data: Path) -> None:
    done = _run(data, "verify", "nope")
    assert done.exit_code == 2
    assert done.stderr.startswith("revenant: ") and len(done.stderr.splitlines()) == 1


def test_export_then_verify_wacz(data: Path) -> None:
    out = data / "coco.wacz"
    done = _run(data, "export", "wacz", "coco", "-o", str(out))
    assert done.exit_code == 0, done.output
    done = _run(data, "verify", "--wacz", str(out))
    assert done.exit_code == 0, done.output
    blob = bytearray(out.read_bytes())
    blob[200] ^= 1
    out.write_bytes(bytes(blob))
    done = _run(data, "verify", "--wacz", str(out), "--json")
    assert done.exit_code == 1 and json.loads(done.stdout)["ok"] is False


def test_export_of_tampered_evidence_is_exit_1_in_one_line(data: Path) -> None:
    warc = next(case_dir(data, "coco").glob("*.warc.gz"))
    blob = bytearray(warc.read_bytes())
    blob[500] ^= 1
    warc.write_bytes(bytes(blob))
    done = _run(data, "export", "wacz", "coco", "-o", str(data / "x.wacz"))
    assert done.exit_code == 1
    assert done.stderr.startswith("revenant: case coco: evidence does not verify")
    assert "Traceback" not in done.output


def test_verify_with_a_damaged_database_verifies_the_files_and_says_so(data: Path) -> None:
    (data / "revenant.db").write_bytes(b"not a database" * 100)
    done = _run(data, "verify", "coco", "--json")
    report = json.loads(done.stdout)
    assert done.exit_code == 1, done.output
    assert report["records"] > 0  # the files were verified
    (db,) = [f for f in report["findings"] if f["file"] == "database"]
    assert "verified from its files alone" in db["problem"]
    assert [f for f in report["findings"] if f["file"] != "database"] == []


def test_verify_with_a_read_only_database_uses_its_mirror(data: Path) -> None:
    assert _run(data, "export", "wacz", "coco", "-o", str(data / "a.wacz")).exit_code == 0
    ledger = case_dir(data, "coco") / "ledger.jsonl"
    lines = ledger.read_bytes().splitlines(keepends=True)
    ledger.write_bytes(b"".join(lines[:-1]))  # only the mirror can tell
    # A read-only connection (as on a read-only mount): no lock can be taken, the
    # mirror is still read, and the cut is found.
    url = f"sqlite:///file:{data / 'revenant.db'}?mode=ro&uri=true"
    done = runner.invoke(app, ["--data-dir", str(data), "--db", url, "verify", "coco", "--json"])
    assert done.exit_code == 1, done.output
    problems = [f["problem"] for f in json.loads(done.stdout)["findings"]]
    assert any("missing from the ledger file" in p for p in problems), problems
    assert not any(f.startswith("database") for f in problems)
