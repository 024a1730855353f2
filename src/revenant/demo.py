"""`revenant demo`: the whole job on the simulated internet, from a fresh clone.

Starts a seeded scenario on loopback (a seized French chat platform, its re-emergences,
look-alike decoys and background sites), builds the case from captures of the seized
site, captures and scores every other site, ranks them and records the alerts.
The demo only ever reaches the testnet's loopback addresses.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from revenant.act.channels import Channels, RdapAccess
from revenant.act.handoff import Shared, rdap_servers, share_case
from revenant.act.showcase import SUPERVISOR, Acted, act_on_case
from revenant.errors import UsageError
from revenant.model import Score, Verdict
from revenant.pipeline import Pipeline, Processed
from revenant.probe import ProbeConfig, Prober, parse_allow
from revenant.settings import Settings
from revenant.store import open_store
from revenant.store.alerts import list_alerts
from revenant.store.cases import create_case
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate

CASE = "coco"
_WATCH_BUDGET = 200  # low-priority CT names the demo's watch probes besides urgent ones
_MARKER = ".revenant-demo"


@dataclass(frozen=True)
class Ranked:
    """One scored scenario site, with the scenario's own label for it."""

    target: str
    host: str
    score: Score
    truth: str


@dataclass(frozen=True)
class Discovery:
    """What the watch found on its own, from the CT replay and the pivots it followed."""

    ct_entries: int
    ct_host: str  # the re-emergence whose certificate the replay carries
    probed: int
    alerted: tuple[str, ...]  # hosts the watch raised alerts for, highest score first
    queued: int  # names left queued (probed as capacity allows, never dropped)

    def as_json(self) -> dict[str, object]:
        return {
            "ct_entries": self.ct_entries,
            "ct_host": self.ct_host,
            "probed": self.probed,
            "alerted": list(self.alerted),
            "queued": self.queued,
        }


@dataclass(frozen=True)
class DemoResult:
    ranking: tuple[Ranked, ...]
    alerts: int
    references: int
    discovery: Discovery | None = None
    acted: Acted | None = None
    shared: Shared | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "discovery": self.discovery.as_json() if self.discovery else None,
            "act": self.acted.as_json() if self.acted else None,
            "share": self.shared.as_json() if self.shared else None,
            "ranking": [
                {
                    "target": r.target,
                    "bits": round(r.score.bits, 2),
                    "verdict": str(r.score.verdict),
                    "truth": r.truth,
                }
                for r in self.ranking
            ],
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


async def _references(pipe: Pipeline, scenario: Scenario, net: Testnet) -> int:
    """Capture the seized site's pages and build the case fingerprint from them."""
    seized = scenario.seized
    paths = [p.path for p in seized.pages if p.content_type.startswith("text/html")][:3]
    async with Prober(pipe.probe_config, clock=pipe.clock) as prober:
        refs = [
            await pipe.capture(prober, net.url(seized.name, path=path), case=CASE, background=False)
            for path in paths
        ]
    pipe.fingerprint_case(CASE, [r.capture_id for r in refs if r.capture.responded])
    return len(refs)


async def _sweep(
    pipe: Pipeline, scenario: Scenario, net: Testnet, progress: Callable[[int, int], None]
) -> list[Processed]:
    """Capture every other scenario site through the one path (the ranking's ground
    truth is the scenario's)."""
    targets = [s for s in scenario.sites if s.name != scenario.seized.name]
    done = 0
    async with Prober(pipe.probe_config, clock=pipe.clock) as prober:

        async def one(host: str) -> Processed:
            nonlocal done
            processed = await pipe.probe(prober, net.url(host))
            done += 1
            progress(done, len(targets))
            return processed

        return list(await asyncio.gather(*(one(s.name) for s in targets)))


def _discover(
    pipe: Pipeline, scenario: Scenario, settings: Settings, *, seed: int, ct_entries: int
) -> Discovery:
    """Write a CT replay carrying the first re-emergence's certificate among `ct_entries`
    unrelated ones, and let one pass of the watch find it (and follow its pivots)."""
    from revenant.discover.sources import build_sources, capture_pivots, case_prioritiser
    from revenant.store import queue
    from revenant.testnet.certstream import write_replay
    from revenant.testnet.ctlog import CertFactory
    from revenant.watch import Watch, WatchConfig

    mirror = scenario.hosts("re-emergence")[0]
    site = next(s for s in scenario.sites if mirror in s.names)
    feeds = settings.data_dir / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    replay = write_replay(
        feeds / "ct-replay.jsonl.gz",
        [CertFactory().issue(list(site.names))],
        unrelated=ct_entries,
        seed=seed,
        avoid=tuple(scenario.case_brands),
    )
    sources = build_sources(pipe.store, ct_replays=[replay.path], permutations=False, follow=False)
    watch = Watch(
        pipe=pipe,
        sources=sources,
        prioritise=case_prioritiser(pipe.store),
        pivot=capture_pivots,
        config=WatchConfig(batch=100, budget=_WATCH_BUDGET),
    )
    stats = watch.run_once()
    alerted = tuple(a.host for a in list_alerts(pipe.store, case=CASE))
    return Discovery(
        ct_entries=replay.entries,
        ct_host=mirror,
        probed=stats.probed,
        alerted=alerted,
        queued=queue.counts(pipe.store).get("queued", 0),
    )


def run_demo(
    settings: Settings,
    *,
    seed: int,
    ct_entries: int = 100_000,
    progress: Callable[[int, int], None] = lambda d, t: None,
    after: Callable[[DemoResult, Testnet, RdapAccess], None] | None = None,
) -> DemoResult:
    """Run the scenario end to end; `after` runs with the result while the testnet and
    its RDAP servers are up (to print it, and to keep serving when asked)."""
    prepare_data_dir(settings)
    scenario = generate(seed)
    store = open_store(settings.db_url)
    create_case(store, CASE, scenario.case_domains, scenario.case_brands)
    with Testnet(scenario.sites, seed=seed) as net:
        pipe = Pipeline(settings=settings, store=store, probe_config=probe_config_for(net))
        try:
            n_refs = asyncio.run(_references(pipe, scenario, net))
            discovery = (
                _discover(pipe, scenario, settings, seed=seed, ct_entries=ct_entries)
                if ct_entries
                else None
            )
            stored = asyncio.run(_sweep(pipe, scenario, net, progress))
            ranking, alerts = _rank(pipe, scenario, stored)
            acted = act_on_case(store, settings.data_dir, CASE, clock=pipe.clock)
            alerted = [a.host for a in list_alerts(store, case=CASE)]
            with rdap_servers(net, alerted) as rdap:
                shared = share_case(store, settings.data_dir, CASE, rdap, clock=pipe.clock)
                pipe.close()  # its evidence logs: the dashboard writes its own
                result = DemoResult(
                    ranking=tuple(ranking),
                    alerts=alerts,
                    references=n_refs,
                    discovery=discovery,
                    acted=acted,
                    shared=shared,
                )
                if after is not None:
                    after(result, net, rdap)
        finally:
            pipe.close()
    return result


def _rank(pipe: Pipeline, scenario: Scenario, stored: list[Processed]) -> tuple[list[Ranked], int]:
    """Score every capture again now that all are stored, as `Pipeline.rescore` does for
    any set (background membership settled, alerts brought up to date), and rank."""
    results = pipe.rescore(stored, case=CASE)
    ranking = []
    for s in stored:
        (result,) = results[s.capture_id] or (_no_page(s),)
        host = s.capture.host
        ranking.append(
            Ranked(s.capture.target, host, result, scenario.truth.get(host, "background"))
        )
    ranking.sort(key=lambda r: (-r.score.bits, r.host))
    return ranking, sum(1 for r in ranking if r.score.verdict is Verdict.REEMERGENCE)


def _no_page(stored: Processed) -> Score:
    return Score(stored.capture.target, CASE, 0.0, Verdict.UNRELATED)


DEMO_USER = "demo"
SECOND_USER = SUPERVISOR
"""The second person of the two-person rule: the demo's own approvals were made under
this name, and it logs in to approve what the demo user extends."""


def demo_login(settings: Settings, name: str = DEMO_USER) -> str:
    """A demo analyst, member of the case; returns its password (made now, printed once)."""
    from revenant.store.accounts import Role, add_user, grant, new_password

    store = open_store(settings.db_url)
    password = new_password()
    add_user(store, name, Role.ANALYST, password)
    grant(store, name, CASE)
    return password


def serve_dashboard(
    net: Testnet,
    announce: Callable[[str], None],
    *,
    settings: Settings,
    example: str,
    rdap: RdapAccess | None = None,
    port: int = 8000,
) -> None:
    """Serve the dashboard on loopback until Ctrl-C, the simulated internet (and its RDAP
    servers, which the page's look-ups ask) up beside it, saying how to log in and how
    to reach the testnet. No SMTP server, DNS primary or MISP: the page says so."""
    from revenant.web.serve import serve

    password = demo_login(settings)
    second = demo_login(settings, SECOND_USER)
    data_dir = settings.data_dir
    options = f"--resolver {net.resolver} --allow {net.allow} --ca-file {net.ca_pem}"
    announce(
        f"Dashboard: http://127.0.0.1:{port}/  log in as {DEMO_USER} / {password}\n"
        f"  (a second person, for two-person approvals: {SECOND_USER} / {second})\n"
        "The simulated internet stays up; try, in another shell:\n"
        f"  revenant --data-dir {data_dir} score {CASE} {net.url(example)} {options}\n"
        f"  revenant --data-dir {data_dir} case show {CASE}"
    )
    serve(
        settings,
        host="127.0.0.1",
        port=port,
        announce=announce,
        channels=Channels(rdap=rdap) if rdap is not None else None,
    )
