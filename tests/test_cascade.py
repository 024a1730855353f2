"""The background cascade of a near-empty store, end to end: one `watch --once` pass over
decoys that run the case's chat software (and some on its hosting), with a store that
holds nothing but the seized site.

Before the fix each decoy scored "re-emergence" on the software alone left the
background, so the next decoy's copy of the software looked unseen again and it scored
"re-emergence" too. Now a match resting on no operator identifier stays in the
background, and the pass ends by scoring its undecided alerts again against the
background it built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from revenant.demo import probe_config_for
from revenant.discover.sources import build_sources
from revenant.model import Verdict
from revenant.pipeline import Pipeline
from revenant.probe import ProbeConfig, Prober
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.store.alerts import Alert, list_alerts
from revenant.store.captures import capture_row, load_fingerprint
from revenant.store.cases import create_case
from revenant.store.schema import CaptureRow
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate
from revenant.watch import Watch, WatchConfig, WatchStats

pytestmark = pytest.mark.slow

SEED = 2026


@dataclass(frozen=True)
class Pass:
    """One watch pass over the scenario's names, and what it left in the store."""

    scenario: Scenario
    settings: Settings
    store: Store
    stats: WatchStats
    alerts: dict[str, Alert]

    def hosts(self, label: str) -> set[str]:
        return {h for h, truth in self.scenario.truth.items() if truth == label}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    # No background sites: the store holds the seized site and nothing else.
    return generate(SEED, reemergences=3, decoys=12, background=0)


@pytest.fixture(scope="module")
def one_pass(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pass]:
    tmp = tmp_path_factory.mktemp("cascade")
    settings = Settings.resolve(tmp / "data")
    store = open_store(settings.db_url)
    create_case(store, "coco", scenario.case_domains, scenario.case_brands)
    with Testnet(scenario.sites, seed=SEED) as net:
        pipe = Pipeline(settings, store, probe_config_for(net))

        async def seized() -> int:
            async with Prober(pipe.probe_config) as prober:
                stored = await pipe.capture(
                    prober, net.url(scenario.seized.name), case="coco", background=False
                )
                return stored.capture_id

        pipe.fingerprint_case("coco", [asyncio.run(seized())])
        nrd = tmp / "nrd.txt"
        names = [h for h in scenario.truth if h not in scenario.seized.names]
        nrd.write_text("\n".join(names) + "\n")
        watch = Watch(
            pipe=pipe,
            sources=build_sources(store, nrd_files=[nrd], permutations=False, follow=False),
            prioritise=lambda batch: [1.0] * len(batch),
            config=WatchConfig(batch=100),
        )
        try:
            stats = watch.run_once()
        finally:
            pipe.close()
    alerts = {a.host: a for a in list_alerts(store, case="coco")}
    yield Pass(scenario, settings, store, stats, alerts)


def _decoy_captures(run: Pass) -> dict[int, str]:
    """Capture id -> host of every capture of a decoy."""
    with run.store.session() as session:
        rows = session.execute(
            select(CaptureRow.id, CaptureRow.host).where(CaptureRow.host.in_(run.hosts("decoy")))
        )
        return {int(i): str(h) for i, h in rows}


def test_the_scenario_has_decoys_on_the_case_software(one_pass: Pass) -> None:
    on_software = {
        host
        for capture_id, host in _decoy_captures(one_pass).items()
        if any(
            f.kind == "asset_url" and "opentchat" in f.value
            for f in load_fingerprint(one_pass.store, capture_id).features
        )
    }
    assert len(on_software) >= 4


def test_decoys_scored_on_software_alone_stay_in_the_background(one_pass: Pass) -> None:
    out = sorted(
        host
        for capture_id, host in _decoy_captures(one_pass).items()
        if not capture_row(one_pass.store, capture_id).background
    )
    assert out == []


def test_after_the_pass_no_decoy_is_alerted_as_a_reemergence(one_pass: Pass) -> None:
    flagged = {
        host: round(a.bits, 1)
        for host, a in one_pass.alerts.items()
        if host in one_pass.hosts("decoy") and a.verdict == str(Verdict.REEMERGENCE)
    }
    assert flagged == {}
    assert one_pass.stats.rescored  # the pass ended by scoring its alerts again


def test_every_reemergence_is_alerted_above_every_decoy(one_pass: Pass) -> None:
    mirrors = {h: one_pass.alerts.get(h) for h in one_pass.hosts("re-emergence")}
    assert all(a is not None and a.verdict != str(Verdict.UNRELATED) for a in mirrors.values())
    lowest_mirror = min(a.bits for a in mirrors.values() if a is not None)
    decoys = [a.bits for h, a in one_pass.alerts.items() if h in one_pass.hosts("decoy")]
    assert max(decoys, default=0.0) < lowest_mirror


def test_a_pass_that_adds_nothing_does_not_score_them_again(one_pass: Pass) -> None:
    pipe = Pipeline(one_pass.settings, one_pass.store, ProbeConfig())
    idle = Watch(pipe=pipe, sources=[], prioritise=lambda batch: [0.0] * len(batch))
    try:
        assert idle.run_once().rescored == {}
    finally:
        pipe.close()
