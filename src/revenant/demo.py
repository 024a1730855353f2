"""`revenant demo`: the whole job on the simulated internet, from a fresh clone.

Starts a seeded scenario on loopback (a seized French chat platform, its re-emergences,
look-alike decoys and background sites), builds the case from captures of the seized
site, captures and scores every other site, ranks them and records the alerts.
The demo only ever reaches the testnet's loopback addresses.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from revenant.errors import UsageError
from revenant.model import Score, Verdict
from revenant.pipeline import Pipeline, Stored
from revenant.probe import ProbeConfig, Prober, parse_allow
from revenant.settings import Settings
from revenant.store import open_store
from revenant.store.captures import set_background
from revenant.store.cases import create_case
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate

CASE = "coco"
_MAX_ROUNDS = 4
_MARKER = ".revenant-demo"


@dataclass(frozen=True)
class Ranked:
    """One scored scenario site, with the scenario's own label for it."""

    target: str
    host: str
    score: Score
    truth: str


@dataclass(frozen=True)
class DemoResult:
    ranking: tuple[Ranked, ...]
    alerts: int
    references: int

    def as_json(self) -> dict[str, object]:
        return {
            "ranking": [
                {
                    "target": r.target,
                    "bits": round(r.score.bits, 2),
                    "verdict": str(r.score.verdict),
                    "truth": r.truth,
                }
                for r in self.ranking
            ]
        }


def prepare_data_dir(settings: Settings) -> None:
    """The demo starts from scratch each run, but never wipes a directory it did not make."""
    root = settings.data_dir
    if root.exists() and any(root.iterdir()):
        if not (root / _MARKER).exists():
            raise UsageError(
                f"{root} holds data that is not a previous demo's; give the demo its own --data-dir"
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / _MARKER).write_text("made by `revenant demo`; wiped by the next demo run\n")


def probe_config_for(net: Testnet) -> ProbeConfig:
    """Probe settings that reach the testnet and nothing else."""
    return ProbeConfig(
        allow=parse_allow([net.allow]),
        resolver=net.resolver,
        http_port=net.http_port,
        https_port=net.https_port,
        ca_file=str(net.ca_pem),
    )


async def _capture_all(
    pipe: Pipeline, scenario: Scenario, net: Testnet, progress: Callable[[int, int], None]
) -> tuple[int, list[Stored]]:
    seized = scenario.seized
    async with Prober(pipe.probe_config, clock=pipe.clock) as prober:
        reference_paths = [p.path for p in seized.pages if p.content_type.startswith("text/html")]
        refs = [
            await pipe.capture(prober, net.url(seized.name, path=path), case=CASE, background=False)
            for path in reference_paths[:3]
        ]
        pipe.fingerprint_case(CASE, [r.capture_id for r in refs if r.capture.responded])
        targets = [s for s in scenario.sites if s.name != seized.name]
        done = 0

        async def one(host: str) -> Stored:
            nonlocal done
            stored = await pipe.capture(prober, net.url(host), case=None)
            done += 1
            progress(done, len(targets))
            return stored

        stored = await asyncio.gather(*(one(s.name) for s in targets))
    return len(refs), list(stored)


def run_demo(
    settings: Settings,
    *,
    seed: int,
    progress: Callable[[int, int], None] = lambda d, t: None,
    after: Callable[[DemoResult, Testnet], None] | None = None,
) -> DemoResult:
    """Run the scenario end to end; `after` runs with the result while the testnet is up
    (to print it, and to keep serving when asked)."""
    prepare_data_dir(settings)
    scenario = generate(seed)
    store = open_store(settings.db_url)
    create_case(store, CASE, scenario.case_domains, scenario.case_brands)
    with Testnet(scenario.sites, seed=seed) as net:
        pipe = Pipeline(settings=settings, store=store, probe_config=probe_config_for(net))
        try:
            n_refs, stored = asyncio.run(_capture_all(pipe, scenario, net, progress))
            ranking, alerts = _rank(pipe, scenario, stored)
        finally:
            pipe.close()
        result = DemoResult(ranking=tuple(ranking), alerts=alerts, references=n_refs)
        if after is not None:
            after(result, net)
    return result


def _rank(pipe: Pipeline, scenario: Scenario, stored: list[Stored]) -> tuple[list[Ranked], int]:
    """Score every capture, then alert on those that are not unrelated.

    A site that matches the case is not an unrelated site: its features must not count
    in the background that measures how common they are. So scoring repeats, taking
    matches out of the background, until the set of matches stops changing.
    """
    from revenant.store.cases import get_case

    case = get_case(pipe.store, CASE)
    related: set[int] = set()
    results: dict[int, Score] = {}
    for _ in range(_MAX_ROUNDS):
        results = {s.capture_id: pipe.score(CASE, s.fingerprint) for s in stored}
        now_related = {i for i, r in results.items() if r.verdict is not Verdict.UNRELATED}
        if now_related == related:
            break
        set_background(pipe.store, related - now_related, True)
        set_background(pipe.store, now_related - related, False)
        related = now_related
    ranking = []
    for s in stored:
        result = results[s.capture_id]
        host = s.capture.host
        ranking.append(
            Ranked(s.capture.target, host, result, scenario.truth.get(host, "background"))
        )
        if result.verdict is not Verdict.UNRELATED:
            pipe.alert(case, result, capture_id=s.capture_id)
    ranking.sort(key=lambda r: (-r.score.bits, r.host))
    return ranking, len(related)


def wait_for_interrupt(net: Testnet, announce: Callable[[str], None]) -> None:
    """Keep the simulated internet up until Ctrl-C, saying how to reach it."""
    announce(
        "The simulated internet stays up; try, in another shell:\n"
        f"  revenant --data-dir {Path('data/demo')} score {CASE} {net.url(next(iter(net.sites)).name)}"
        f" --resolver {net.resolver} --allow {net.allow} --ca-file {net.ca_pem}\n"
        "Ctrl-C stops it. (The dashboard arrives with the web/ issue.)"
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
