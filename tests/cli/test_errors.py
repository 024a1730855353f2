"""The one error path of the CLI: every kind of error is one line and its exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app


def _run(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), *args])


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["capture"], 2, "Missing argument 'url'. (see `"),
        (["capture", "x.test", "--nope"], 2, "No such option: --nope"),
        (["bogus"], 2, "No such command 'bogus'"),
        (["capture", "ftp://x.test/"], 2, "need an http(s) URL or a hostname"),
        (["case", "show", "nobody"], 1, "no case named 'nobody'"),
        (["score", "nobody", "--warc", "x.warc"], 1, "no case named 'nobody'"),
    ],
)
def test_each_error_is_one_line_and_its_exit_code(
    tmp_path: Path, args: list[str], code: int, says: str
) -> None:
    result = _run(tmp_path, *args)
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("revenant: ") and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_a_file_system_error_is_a_failure_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(app, ["--data-dir", str(blocker / "data"), "alerts"])
    assert result.exit_code == 1
    assert result.stderr.startswith("revenant: ") and "Traceback" not in result.output


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "data"), "--debug", "case", "show", "nobody"]
    )
    assert result.exit_code == 1
    assert result.exception is not None and "nobody" in str(result.exception)
