"""Re-checks: the watch probes confirmed names again and records the state each shows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from revenant.act.decisions import decide
from revenant.act.recheck import ConfirmedSource
from revenant.cli import app
from revenant.demo import probe_config_for
from revenant.evidence.verify import verify_case
from revenant.model import Score, Verdict
from revenant.pipeline import Pipeline
from revenant.probe import Prober
from revenant.settings import Settings
from revenant.store import open_store, queue
from revenant.store.alerts import raise_alert
from revenant.store.cases import create_case
from revenant.store.decisions import list_decisions
from revenant.store.ledger import mirrored_entries
from revenant.store.rechecks import rechecks_of
from revenant.store.schema import CandidateRow
from revenant.testnet import Page, SiteSpec, Testnet
from revenant.watch import Watch, WatchConfig
from tests.conftest import FakeClock

pytestmark = pytest.mark.slow

CHAT = (
    b"<html><head><title>bavardo chat</title></head><body><h1>bavardo</h1>"
    b"<p>Rejoins le chat sans inscription. Telegram t.me/bavardo_news</p>"
    b"<form action='/login'><input name='pseudo'><input name='age'></form>"
    b"<script>var ws = new WebSocket('/ws/chat'); gtag('config','G-BAVARD0123');</script>"
    b"<p>bc1qjeg92p5fpvyancqjlw6e9xtvt6w35y2ahmwnqa</p></body></html>"
)
SITES = [
    SiteSpec(names=("bavardo.test",), pages=(Page("/", CHAT),)),
    SiteSpec(names=("mirror.test",), pages=(Page("/", CHAT),)),
    SiteSpec(
        names=("seized.test",),
        pages=(Page("/", b"<html><h1>This domain has been seized</h1> by the police</html>"),),
    ),
    SiteSpec(names=("parked.test",), pages=(Page("/", b"<p>Buy this domain! 990 EUR</p>"),)),
    SiteSpec(names=("moved.test",), redirects=(("/", "https://elsewhere.test/"),)),
    SiteSpec(names=("elsewhere.test",), pages=(Page("/", b"<p>a recipe blog</p>"),)),
    SiteSpec(names=("changed.test",), pages=(Page("/", b"<p>a recipe blog, nothing else</p>"),)),
]


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    with Testnet(SITES, seed=7) as running:
        yield running


def test_watch_rechecks_confirmed_names_and_timeline_measures_them(
    tmp_path: Path, net: Testnet
) -> None:
    clock = FakeClock()
    settings = Settings.resolve(tmp_path / "data")
    store = open_store(settings.db_url)
    case = create_case(store, "coco", ["bavardo.test"], ["bavardo"])
    assert case.id is not None
    pipe = Pipeline(settings, store, probe_config_for(net), clock=clock)

    async def reference() -> int:
        async with Prober(pipe.probe_config, clock=clock) as prober:
            stored = await pipe.capture(
                prober, net.url("bavardo.test"), case="coco", background=False
            )
            return stored.capture_id

    pipe.fingerprint_case("coco", [asyncio.run(reference())])
    hosts = ["mirror.test", "seized.test", "parked.test", "moved.test", "changed.test", "gone.test"]
    ids = {}
    for host in hosts:
        with store.session() as session:
            score = Score(f"https://{host}/", "coco", 40.0, Verdict.REEMERGENCE)
            ids[host], _ = raise_alert(session, case.id, score, capture_id=None, now=clock())
        decide(store, settings.data_dir, ids[host], "confirm", actor="alice", clock=clock)
    clock.advance(hours=30)
    watch = Watch(
        pipe=pipe,
        sources=[ConfirmedSource(store)],
        prioritise=lambda names: [0.0] * len(names),
        config=WatchConfig(recheck_confirmed=timedelta(hours=2)),
    )
    stats = watch.run_once()
    assert stats.probed >= len(hosts)
    found = {host: rechecks_of(store, ids[host])[0] for host in hosts}
    assert {h: r.state for h, r in found.items()} == {
        "mirror.test": "up",
        "seized.test": "seized",
        "parked.test": "parked",
        "moved.test": "redirected",
        "changed.test": "changed",
        "gone.test": "down",
    }
    assert "this domain has been seized" in found["seized.test"].detail.lower()
    assert found["moved.test"].detail == "redirects to elsewhere.test"
    assert all(r.capture_id is not None for r in found.values())
    assert queue.sources_of(store, "elsewhere.test")  # the redirect target is a candidate
    # Each state is in the case's custody ledger, pointing at its capture, and verifies.
    noted = [d for d in list_decisions(store, case="coco") if d.action == "recheck"]
    assert {(d.name, d.actor) for d in noted} == {(h, "revenant-watch") for h in hosts}
    doc = json.loads((settings.data_dir / "evidence" / "coco" / noted[0].document).read_text())
    assert doc["state"] == found[noted[0].name].state
    assert doc["capture"]["id"] == found[noted[0].name].capture_id
    report = verify_case(settings.data_dir, "coco", expected=list(mirrored_entries(store, "coco")))
    assert report.ok, report.findings
    # Confirmed names come back on the --recheck schedule, not the 6 h alert default.
    with store.session() as session:
        due = session.scalar(
            select(CandidateRow.next_probe_at).where(CandidateRow.name == "gone.test")
        )
    assert due is not None and (due - clock()).total_seconds() == 2 * 3600
    pipe.close()
    run = CliRunner().invoke(
        app, ["--data-dir", str(settings.data_dir), "case", "timeline", "coco"]
    )
    assert run.exit_code == 0, run.output
    assert f"gone.test (alert #{ids['gone.test']}, confirmed; first seen by recheck)" in run.stdout
    assert "time to down" in run.stdout and "30.0 h" in run.stdout
