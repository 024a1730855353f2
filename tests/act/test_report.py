"""The case report: HTML and a real PDF (WeasyPrint, read back with poppler's pdftotext),
every section present, the hops plot embedded, captured strings never rendered as markup,
nothing fetched."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from revenant.act.notice_text import Notifier
from revenant.act.notices import approve, draft
from revenant.act.orders import add_order
from revenant.act.rdap import who_to_tell
from revenant.act.report import fetcher, render, write
from revenant.cli import app
from revenant.errors import UsageError
from revenant.store.rdap import answers_for_alert
from revenant.store.schema import AlertRow
from revenant.testnet import Testnet
from tests.act.sharing import World, build_world, fresh_log, running_net
from tests.components import need_binary
from tests.conftest import FakeClock

HOSTILE = "<script>alert('x')</script><img src=https://evil.test/a.png>"


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


@pytest.fixture(scope="module")
def world(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    w = build_world(net, tmp_path_factory.mktemp("report"), FakeClock())
    store, clock = w.pipe.store, w.pipe.clock

    async def contacts() -> None:
        async with w.prober() as prober:
            await who_to_tell(prober, w.rdap, store, w.alert, evidence=fresh_log(w), clock=clock)

    asyncio.run(contacts())
    add_order(
        store,
        w.data_dir,
        "coco",
        authority="Tribunal judiciaire de Paris",
        reference="RG 24/01234",
        basis="article 6-3 LCEN",
        issued=clock().date() - timedelta(days=10),
        expires=None,
        domains=["bavardo.net"],
        covers_mirrors=True,
        actor="prosecutor",
        clock=clock,
    )
    made = draft(
        store,
        w.data_dir,
        w.alert.id,
        answers_for_alert(store, w.alert.id),
        roles=["registrar"],
        notifier=Notifier("Sophie Martin", "pharos@interieur-gouv.test"),
        actor="analyst-a",
        clock=clock,
    )
    approve(store, w.data_dir, made.notices[0].id, actor="analyst-b", clock=clock)
    # A contribution whose words came from a hostile page must stay text.
    explanation = dict(w.alert.explanation)
    contributions = list(explanation["contributions"])  # type: ignore[call-overload]
    contributions.append({"feature": "title", "bits": 0.5, "why": f"shares title {HOSTILE}"})
    explanation["contributions"] = contributions
    with store.session() as session:
        session.execute(
            update(AlertRow)
            .where(AlertRow.id == w.alert.id)
            .values(explanation=json.dumps(explanation))
        )
    return w


def test_the_html_report_has_every_section_and_escapes_captured_strings(world: World) -> None:
    report = render(world.pipe.store, world.data_dir, "coco", now=world.pipe.clock())
    html = report.html
    for section in (
        "1. Hops of the platform over time",
        "2. Confirmed re-emergences",
        "3. Orders and zone entries",
        "4. Notices and their outcome",
        "5. Evidence and how to verify it",
        "6. What was assumed",
    ):
        assert section in html
    assert "bavard0.net" in html and "RG 24/01234" in html and "article 6-3 LCEN" in html
    assert "abuse@registrar-exemple.test" in html and "approved" in html
    assert "revenant verify coco" in html and "OK</span>" in html
    assert "re-emergence" in html and "bits" in html
    assert "time to detect" in html
    # The hops plot is embedded as a PNG.
    (png,) = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert base64.b64decode(png).startswith(b"\x89PNG\r\n\x1a\n")
    # Captured strings are text, never markup; the only <img> is the plot.
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert html.count("<img") == 1
    assert report.tlp == "AMBER" and "TLP:AMBER" in html


def test_the_pdf_report_is_a_real_pdf_with_the_same_content(world: World, tmp_path: Path) -> None:
    pdftotext = need_binary("pdftotext")
    report = render(world.pipe.store, world.data_dir, "coco", now=world.pipe.clock())
    out = write(report, tmp_path / "coco.pdf")
    assert out.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        [pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "Case coco",
        "bavard0.net",
        "RG 24/01234",
        "revenant verify coco",
        "TLP:AMBER",
    ):
        assert expected in text
    assert "<script>alert" in text  # shown as the text it is, not run or dropped


def test_the_pdf_renderer_fetches_nothing() -> None:
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher().fetch("https://evil.test/a.png")
    with pytest.raises(ValueError, match="disallowed protocol"):
        fetcher().fetch("file:///etc/passwd")
    data = fetcher().fetch("data:image/png;base64," + base64.b64encode(b"x").decode())
    assert data.read() == b"x"


def test_a_report_is_html_or_pdf_only(world: World, tmp_path: Path) -> None:
    report = render(world.pipe.store, world.data_dir, "coco", now=world.pipe.clock())
    with pytest.raises(UsageError, match=r"\.html or \.pdf"):
        write(report, tmp_path / "coco.docx")


def test_export_report_cli(world: World, tmp_path: Path) -> None:
    out = tmp_path / "coco.html"
    result = CliRunner().invoke(
        app, ["--data-dir", str(world.data_dir), "export", "report", "coco", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "1 confirmed re-emergence(s), marked TLP:AMBER" in result.stdout
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_importing_weasyprint_leaves_pillow_strict() -> None:
    from PIL import ImageFile

    from revenant.act.report import _weasyprint

    _weasyprint()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
