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


def _with_feature(tmp_path: Path) -> None:
    from revenant.model import CaseFeature, Feature
    from revenant.store import open_store
    from revenant.store.cases import save_case_features

    store = open_store(f"sqlite:///{tmp_path / 'data' / 'revenant.db'}")
    save_case_features(store, "coco", [CaseFeature(Feature("ws", "/ws/chat"), 0.5)])
    store.close()


def test_pin_and_exclude_features(run, tmp_path: Path) -> None:
    run("case", "create", "coco", "--domain", "coco.gg")
    _with_feature(tmp_path)
    assert run("case", "pin", "coco", "ws:/ws/chat").exit_code == 0
    assert run("case", "exclude", "coco", "ws:/ws/chat").exit_code == 0
    shown = json.loads(run("case", "show", "coco", "--json").stdout)
    assert shown["features"][0] | {} == {
        "kind": "ws",
        "value": "/ws/chat",
        "stability": 0.5,
        "pinned": True,
        "excluded": True,
    }
    assert run("case", "pin", "coco", "no-colon").exit_code == 2


@pytest.mark.parametrize("verb", ["pin", "exclude"])
def test_pin_or_exclude_of_a_feature_the_case_lacks_is_exit_2(run, verb: str) -> None:
    run("case", "create", "coco", "--domain", "coco.gg")
    result = run("case", verb, "coco", "ga:UA-404-1")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "revenant: case 'coco' has no feature ga:UA-404-1 (see `revenant case show coco`)"
    )


@pytest.mark.parametrize(
    "domain", ["https://coco.gg", "coco.gg:443", "coco.gg/x", "*.coco.gg", "co_co.gg"]
)
def test_case_create_refuses_what_permute_refuses_exit_2(run, domain: str) -> None:
    result = run("case", "create", "coco", "--domain", domain)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"revenant: domain {domain!r} is not a hostname: ")
    assert run("case", "list", "--json").stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["decide", "99999999999999999999", "confirmed"], "alert id 99999999999999999999"),
        (["decide", "0", "confirmed"], "alert id 0"),
        (["decide", "--", "-1", "confirmed"], "alert id -1"),
        (["decide", "7", "confirmed"], "no alert with id 7"),
        (["decide", "1", "maybe"], "decision 'maybe'"),
        (["alerts", "--state", "closed"], "--state 'closed'"),
    ],
)
def test_alert_arguments_out_of_range_are_exit_2(run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"revenant: {message}")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"]
)
def test_an_in_memory_database_is_refused(tmp_path: Path, url: str) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "--db", url, "case", "list"])
    assert result.exit_code == 2
    assert "in-memory SQLite database: nothing would be kept" in result.stderr


def test_a_database_in_a_missing_directory_is_refused_not_created(tmp_path: Path) -> None:
    where = tmp_path / "no" / "such"
    url = f"sqlite:///{where / 'r.db'}"
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), "--db", url, "case", "create", "c", "--domain", "c.gg"]
    )
    assert result.exit_code == 2
    assert f"directory {where} does not exist" in result.stderr
    assert not where.parent.exists()
