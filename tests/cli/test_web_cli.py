"""`revenant user ...` and `revenant audit`: accounts made and changed from the CLI are
the identities the dashboard logs in and decisions are recorded under."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from revenant.cli import app
from revenant.settings import Settings
from revenant.store import audit, open_store
from revenant.store.accounts import authenticate
from revenant.store.cases import create_case
from tests.conftest import FakeClock


def _run(data: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--data-dir", str(data), *args], input=stdin)


def test_user_add_prints_a_generated_password_once_that_logs_in(tmp_path: Path) -> None:
    create_case(open_store(Settings.resolve(tmp_path).db_url), "coco", ["coco.gg"])
    done = _run(tmp_path, "user", "add", "ana", "--role", "analyst", "--case", "coco")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("user ana: analyst, cases coco")
    password = done.stdout.split("password: ")[1].strip()
    store = open_store(Settings.resolve(tmp_path).db_url)
    assert authenticate(store, "ana", password) is not None
    listed = json.loads(_run(tmp_path, "user", "list", "--json").stdout)
    assert listed == [
        {
            "name": "ana",
            "role": "analyst",
            "tlp": None,
            "disabled": False,
            "cases": ["coco"],
            "created": listed[0]["created"],
        }
    ]


def test_password_from_stdin_role_tlp_disable_and_membership(tmp_path: Path) -> None:
    create_case(open_store(Settings.resolve(tmp_path).db_url), "coco", ["coco.gg"])
    made = _run(
        tmp_path,
        "user",
        "add",
        "agency",
        "--role",
        "partner",
        "--tlp",
        "amber",
        "--password-stdin",
        stdin="a partner's own password\n",
    )
    assert made.exit_code == 0 and "password:" not in made.stdout
    assert "up to TLP:AMBER" in made.stdout
    assert (
        _run(tmp_path, "user", "tlp", "agency", "green").stdout
        == "user agency: clearance TLP:GREEN\n"
    )
    assert _run(tmp_path, "user", "grant", "agency", "coco").exit_code == 0
    assert "no longer" in _run(tmp_path, "user", "revoke", "agency", "coco").stdout
    assert _run(tmp_path, "user", "disable", "agency").exit_code == 0
    store = open_store(Settings.resolve(tmp_path).db_url)
    assert authenticate(store, "agency", "a partner's own password") is None
    assert _run(tmp_path, "user", "enable", "agency").exit_code == 0
    assert authenticate(store, "agency", "a partner's own password") is not None
    assert "TLP:GREEN" in _run(tmp_path, "user", "list").stdout


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    bad_role = _run(tmp_path, "user", "add", "ana", "--role", "root")
    assert bad_role.exit_code == 2 and "admin, analyst, viewer, partner" in bad_role.stderr
    short = _run(
        tmp_path, "user", "add", "ana", "--role", "viewer", "--password-stdin", stdin="short\n"
    )
    assert short.exit_code == 2 and "at least 12" in short.stderr
    assert _run(tmp_path, "user", "role", "nobody", "viewer").exit_code == 2
    assert _run(tmp_path, "serve", "--port", "0").exit_code == 2
    assert _run(tmp_path, "audit", "--action", "nope").exit_code == 2


def test_audit_lists_newest_first(tmp_path: Path) -> None:
    store = open_store(Settings.resolve(tmp_path).db_url)
    clock = FakeClock()
    audit.record(
        store,
        time=clock(),
        actor="ana",
        action=audit.LOGIN,
        subject="user:ana",
        address="127.0.0.1",
    )
    clock.advance(minutes=1)
    audit.record(
        store, time=clock(), actor="ana", action=audit.VIEW, subject="alert:3", address="127.0.0.1"
    )
    rows = json.loads(_run(tmp_path, "audit", "--json").stdout)
    assert [(r["action"], r["subject"]) for r in rows] == [
        ("view", "alert:3"),
        ("login", "user:ana"),
    ]
    assert _run(tmp_path, "audit", "--user", "bob").stdout == ""


def test_case_add_adds_known_names_once(tmp_path: Path) -> None:
    create_case(open_store(Settings.resolve(tmp_path).db_url), "coco", ["coco.gg"])
    done = _run(
        tmp_path,
        "case",
        "add",
        "coco",
        "--domain",
        "Coco2.GG",
        "--domain",
        "coco.gg",
        "--brand",
        "Coco",
    )
    assert done.stdout == "case coco: 2 domain(s), 1 brand word(s)\n"
    # the rules of `case create` (issue 11): a URL is not a domain
    refused = _run(tmp_path, "case", "add", "coco", "--domain", "https://coco3.gg/x")
    assert refused.exit_code == 2 and "coco3.gg" in refused.stderr
    assert _run(tmp_path, "case", "add", "coco").exit_code == 2
    assert _run(tmp_path, "case", "add", "nope", "--domain", "x.gg").exit_code == 1
