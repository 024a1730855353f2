"""The CLI driven through its runner: arguments, JSON output, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from revenant.cli import app


@pytest.fixture
def run(tmp_path: Path):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["--data-dir", str(tmp_path / "data"), *args])

    return invoke


def test_case_create_list_show_as_json(run) -> None:
    made = run(
        "case", "create", "coco", "--domain", "coco.gg", "--domain", "coco.fr", "--brand", "Coco"
    )
    assert made.exit_code == 0, made.output
    listed = json.loads(run("case", "list", "--json").stdout)
    assert listed[0]["domains"] == ["coco.gg", "coco.fr"]
    shown = json.loads(run("case", "show", "coco", "--json").stdout)
    assert shown["brands"] == ["coco"]
    assert shown["features"] == [] and shown["alerts"] == []


def test_unknown_case_is_one_line_and_exit_1(run) -> None:
    result = run("case", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "revenant: no case named 'nope' (see `revenant case list`)"
    ]
    assert "Traceback" not in result.output


def test_duplicate_case_exits_1(run) -> None:
    assert run("case", "create", "coco", "--domain", "coco.gg").exit_code == 0
    result = run("case", "create", "coco", "--domain", "coco.gg")
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_bad_domain_is_a_usage_error_exit_2(run) -> None:
    result = run("case", "create", "coco", "--domain", "not a domain")
    assert result.exit_code == 2
    assert "is not a hostname" in result.stderr


def test_missing_required_option_is_exit_2(run) -> None:
    assert run("case", "create", "coco").exit_code == 2


def test_debug_shows_the_traceback(run) -> None:
    result = run("--debug", "case", "show", "nope")
    assert result.exit_code == 1
    assert result.exception is not None


def test_pin_and_exclude_features(run) -> None:
    run("case", "create", "coco", "--domain", "coco.gg")
    assert run("case", "pin", "coco", "ws:/ws/chat").exit_code == 0
    assert run("case", "exclude", "coco", "ws:/ws/chat").exit_code == 0
    shown = json.loads(run("case", "show", "coco", "--json").stdout)
    assert shown["features"][0] | {} == {
        "kind": "ws",
        "value": "/ws/chat",
        "stability": 0.0,
        "pinned": True,
        "excluded": True,
    }
    assert run("case", "pin", "coco", "no-colon").exit_code == 2
