"""cli/evidence.py (kept here: tests/cli belongs to the CLI's owner): exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli.evidence import app
from revenant.evidence.warc import case_dir, open_case_log

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, clock, make_capture) -> Path:
    with open_case_log(tmp_path, "coco", clock=clock) as w:
        w.write(make_capture(0))
    return tmp_path


def test_verify_ok_is_exit_0_with_json(data: Path) -> None:
    done = runner.invoke(app, ["verify", "coco", "--json", "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["ok"] is True


def test_verify_tampered_is_exit_1_naming_file_and_offset(data: Path) -> None:
    warc = next(case_dir(data, "coco").glob("*.warc.gz"))
    blob = bytearray(warc.read_bytes())
    blob[500] ^= 1
    warc.write_bytes(bytes(blob))
    done = runner.invoke(app, ["verify", "--data-dir", str(data)])
    assert done.exit_code == 1
    assert "TAMPERED" in done.output and f"{warc.name} offset" in done.output


def test_unknown_case_is_usage_exit_2(data: Path) -> None:
    done = runner.invoke(app, ["verify", "nope", "--data-dir", str(data)])
    assert done.exit_code == 2


def test_export_then_verify_wacz(data: Path) -> None:
    out = data / "coco.wacz"
    done = runner.invoke(app, ["wacz", "coco", "-o", str(out), "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["verify", "--wacz", str(out), "--data-dir", str(data)])
    assert done.exit_code == 0, done.output
    blob = bytearray(out.read_bytes())
    blob[200] ^= 1
    out.write_bytes(bytes(blob))
    done = runner.invoke(app, ["verify", "--wacz", str(out), "--json", "--data-dir", str(data)])
    assert done.exit_code == 1 and json.loads(done.output)["ok"] is False
