"""The watch loop against the testnet: queue, alerts, and SIGKILL of a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from revenant.demo import probe_config_for
from revenant.pipeline import Pipeline
from revenant.settings import Settings
from revenant.store import open_store, queue
from revenant.store.alerts import list_alerts
from revenant.store.cases import create_case
from revenant.store.schema import CandidateRow, CaptureRow
from revenant.testnet import Testnet
from revenant.testnet.scenario import Scenario, generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(11, reemergences=3, decoys=6, background=60)


@pytest.fixture(scope="module")
def net(scenario: Scenario) -> Iterator[Testnet]:
    with Testnet(scenario.sites, seed=11) as running:
        yield running


def _cli(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "revenant", "--data-dir", str(data), *args]


def _net_options(net: Testnet) -> list[str]:
    return [
        "--resolver",
        net.resolver,
        "--allow",
        net.allow,
        "--ca-file",
        str(net.ca_pem),
        "--http-port",
        str(net.http_port),
        "--https-port",
        str(net.https_port),
    ]


def _prepare_case(data: Path, scenario: Scenario, net: Testnet) -> None:
    """Case 'coco' fingerprinted from a capture of the seized site, as an analyst would."""
    settings = Settings.resolve(data)
    store = open_store(settings.db_url)
    create_case(store, "coco", scenario.case_domains, scenario.case_brands)
    pipe = Pipeline(settings, store, probe_config_for(net))
    from revenant.probe import Prober

    async def take() -> int:
        async with Prober(pipe.probe_config) as prober:
            stored = await pipe.capture(
                prober, net.url(scenario.seized.name), case="coco", background=False
            )
            return stored.capture_id

    import asyncio

    pipe.fingerprint_case("coco", [asyncio.run(take())])
    pipe.close()


def _names_file(tmp_path: Path, scenario: Scenario) -> Path:
    names = [h for h in scenario.truth if h not in scenario.seized.names]
    path = tmp_path / "nrd.txt"
    path.write_text("\n".join(names) + "\n")
    return path


def test_sigkill_mid_run_loses_no_candidate_and_duplicates_no_alert(
    tmp_path: Path, scenario: Scenario, net: Testnet
) -> None:
    data = tmp_path / "data"
    _prepare_case(data, scenario, net)
    nrd = _names_file(tmp_path, scenario)
    total = len(nrd.read_text().split())
    args = _cli(
        data,
        "watch",
        "--once",
        "--no-permutations",
        "--nrd",
        str(nrd),
        "--batch",
        "4",
        *_net_options(net),
    )
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = open_store(Settings.resolve(data).db_url)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline:
        done = queue.counts(store).get("done", 0)
        if done >= total // 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < done < total, f"kill did not land mid-run ({done} of {total} done)"

    # Restart: leases of the killed worker must be reclaimable, so make them expire.
    with store.session() as session:
        session.execute(
            CandidateRow.__table__.update()
            .where(CandidateRow.state == "leased")
            .values(lease_until=CandidateRow.first_seen)
        )
    rerun = subprocess.run([*args, "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    # Every name of the feed is done (pivots may have added more, also done).
    assert set(queue.counts(store)) == {"done"}
    with store.session() as session:
        done_names = set(session.scalars(select(CandidateRow.name)))
    assert set(nrd.read_text().split()) <= done_names
    with store.session() as session:
        per_host = Counter(
            dict(
                session.execute(
                    select(CaptureRow.host, func.count())
                    .where(CaptureRow.case_id.is_(None))
                    .group_by(CaptureRow.host)
                ).all()
            )
        )
        attempts = dict(session.execute(select(CandidateRow.name, CandidateRow.attempts)).all())
    assert set(per_host) <= set(attempts)
    for host, n in per_host.items():
        # Probed twice only when the kill interrupted it: the attempt count says so.
        assert n <= attempts[host], host
    alerts = list_alerts(store, case="coco")
    assert len({a.host for a in alerts}) == len(alerts)
    reemerged = {h for h, label in scenario.truth.items() if label == "re-emergence"}
    assert reemerged <= {a.host for a in alerts}


def test_sigterm_stops_cleanly_and_gives_leases_back(
    tmp_path: Path, scenario: Scenario, net: Testnet
) -> None:
    data = tmp_path / "data"
    _prepare_case(data, scenario, net)
    nrd = _names_file(tmp_path, scenario)
    args = _cli(
        data, "watch", "--no-permutations", "--nrd", str(nrd), "--batch", "4", *_net_options(net)
    )
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    store = open_store(Settings.resolve(data).db_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and queue.counts(store).get("done", 0) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "leased" not in queue.counts(store)
    # Not a TTY: the log is JSON lines.
    for line in err.splitlines():
        json.loads(line)


def test_alerts_depend_on_the_input_not_on_which_probe_finishes_first(
    tmp_path: Path, scenario: Scenario, net: Testnet, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import random

    from revenant.discover.sources import build_sources, capture_pivots, case_prioritiser
    from revenant.probe import Prober
    from revenant.watch import Watch, WatchConfig

    nrd = _names_file(tmp_path, scenario)
    real = Prober.capture
    results = []
    for seed in (1, 2):
        data = tmp_path / f"data{seed}"
        _prepare_case(data, scenario, net)
        rng = random.Random(seed)

        async def late(self: Prober, target: str, _rng: random.Random = rng) -> object:
            # The real capture, handed back after a seeded delay: the two runs see
            # their probes finish in different orders (timing, not content, differs).
            capture = await real(self, target)
            await asyncio.sleep(_rng.random() * 0.2)
            return capture

        monkeypatch.setattr(Prober, "capture", late)
        settings = Settings.resolve(data)
        store = open_store(settings.db_url)
        pipe = Pipeline(settings, store, probe_config_for(net))
        Watch(
            pipe=pipe,
            sources=build_sources(store, nrd_files=[nrd], permutations=False, follow=False),
            prioritise=case_prioritiser(store),
            pivot=capture_pivots,
            config=WatchConfig(batch=25),
        ).run_once()
        monkeypatch.setattr(Prober, "capture", real)
        results.append({a.host: (a.bits, a.verdict, a.state) for a in list_alerts(store)})
        pipe.close()
    assert results[0] == results[1]
    assert len(results[0]) >= 3
