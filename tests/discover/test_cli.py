"""cli/discover.py (kept here, next to the code it fronts): `revenant permute` and the
tip function, through Typer's runner on a bare app so the test needs no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import typer
from typer.testing import CliRunner

from revenant.cli.discover import register, tip_candidate
from revenant.errors import BadFeed, UsageError
from revenant.model import Source


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps Typer in multi-command mode
        pass

    return app


def test_permute_json_lists_name_and_fuzzer(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["permute", "coco.gg", "--fuzzer", "omission", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {"name": "oco.gg", "fuzzer": "omission"},
        {"name": "cco.gg", "fuzzer": "omission"},
        {"name": "coo.gg", "fuzzer": "omission"},
        {"name": "coc.gg", "fuzzer": "omission"},
    ]


def test_permute_plain_prints_one_name_per_line(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["permute", "coco.gg", "--brand", "tchat", "--tld", "fr"])
    assert result.exit_code == 0
    rows = dict(line.split("\t") for line in result.output.splitlines())
    assert rows["coco.fr"] == "tld-swap"
    assert rows["tchat.gg"] == "brand"


def test_permute_unicode_display(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["permute", "coco.gg", "--fuzzer", "cyrillic", "--unicode"])
    assert result.output.split("\t")[0] == "сосо.gg"


def test_permute_bad_domain_raises_usage_error(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["permute", "not a domain"])
    assert isinstance(result.exception, UsageError)  # the main CLI maps it to exit 2


def test_tip_candidate() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    c = tip_candidate("coco", "https://coco-chat.fr/", clock=lambda: now)
    assert (c.name, c.source, c.case, c.seen_at) == ("coco-chat.fr", Source.TIP, "coco", now)
    with pytest.raises(BadFeed):
        tip_candidate("coco", "http://")
