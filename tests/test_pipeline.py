"""`Pipeline.process` (the one path from a capture to its alerts) and `Pipeline.rescore`
(the same background policy over stored captures), on a real SQLite store and real
evidence files, with scenario sites turned into captures in-process (no network)."""

from __future__ import annotations

import importlib.util
import random
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revenant.act.decisions import decide
from revenant.match.score import operator_evidence
from revenant.model import Capture, Outcome, Score, Verdict
from revenant.pipeline import Pipeline, Processed
from revenant.probe import ProbeConfig
from revenant.settings import Settings
from revenant.store import Store
from revenant.store.alerts import list_alerts, raise_alert
from revenant.store.captures import background_size, capture_row
from revenant.store.cases import case_features, create_case, edit_case_feature, get_case
from revenant.store.schema import AlertRow, CaptureRow
from revenant.testnet.scenario import Scenario, generate
from tests.conftest import FakeClock

pytestmark = pytest.mark.slow

_spec = importlib.util.spec_from_file_location(
    "eval_match", Path(__file__).resolve().parents[1] / "bench" / "eval_match.py"
)
assert _spec and _spec.loader
eval_match = importlib.util.module_from_spec(_spec)
sys.modules["eval_match"] = eval_match  # dataclasses look their module up there
_spec.loader.exec_module(eval_match)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(3, reemergences=3, decoys=4, background=25)


@pytest.fixture
def pipe(tmp_path: Path, store: Store, clock: object) -> Pipeline:
    settings = Settings.resolve(tmp_path / "data", "unused://")
    return Pipeline(settings=settings, store=store, probe_config=ProbeConfig(), clock=clock)  # type: ignore[arg-type]


def _captures(scenario: Scenario) -> dict[str, Capture]:
    rng = random.Random(3)
    return {s.name: eval_match.site_capture(s, rng) for s in scenario.sites}


def _with_case(pipe: Pipeline, scenario: Scenario, caps: dict[str, Capture]) -> None:
    create_case(pipe.store, "coco", scenario.case_domains, scenario.case_brands)
    seized = pipe.record(caps[scenario.seized.name], case="coco", background=False)
    pipe.fingerprint_case("coco", [seized.capture_id])


def _count(store: Store, table: type) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_mirror_is_stored_alerted_and_kept_out_of_the_background(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    for site in scenario.sites:
        if site.label == "background":
            pipe.process(caps[site.name])
    mirror = scenario.hosts("re-emergence")[0]
    done = pipe.process(caps[mirror])
    assert [s.verdict.value for s in done.scores] == ["re-emergence"]
    assert not done.background and not capture_row(pipe.store, done.capture_id).background
    (alert,) = done.alerts
    assert alert.new and alert.case == "coco"
    assert mirror in {a.host for a in list_alerts(pipe.store)}
    assert done.capture.warc_file and Path(done.capture.warc_file).exists()


def _claimed(result: Score) -> bool:
    return result.verdict is Verdict.REEMERGENCE and bool(operator_evidence(result.contributions))


def test_only_reemergences_on_operator_identifiers_leave_and_every_verdict_alerts_as_scored(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    for site in scenario.sites:
        if site.label in ("decoy", "background"):
            done = pipe.process(caps[site.name])
            (result,) = done.scores
            assert done.background is not _claimed(result)
            assert capture_row(pipe.store, done.capture_id).background is done.background
            assert bool(done.alerts) is (result.verdict is not Verdict.UNRELATED)


def test_work_done_on_commit_shares_the_capture_s_transaction(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    before = _count(pipe.store, CaptureRow)

    def fail(session: Session, done: Processed) -> None:
        assert session.get(CaptureRow, done.capture_id) is not None
        raise RuntimeError("killed mid-transaction")

    with pytest.raises(RuntimeError):
        pipe.process(caps[scenario.hosts("re-emergence")[0]], on_commit=fail)
    assert _count(pipe.store, CaptureRow) == before
    assert _count(pipe.store, AlertRow) == 0


def test_without_a_case_fingerprint_nothing_is_scored(pipe: Pipeline, scenario: Scenario) -> None:
    caps = _captures(scenario)
    create_case(pipe.store, "coco", scenario.case_domains, scenario.case_brands)
    done = pipe.process(caps[scenario.hosts("re-emergence")[0]])
    assert done.scores == () and done.background


def test_a_capture_without_a_page_is_stored_and_not_scored(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    dead = replace(caps[scenario.hosts("re-emergence")[0]], outcome=Outcome.DNS_ERROR, exchanges=())
    done = pipe.process(dead)
    assert done.scores == () and not done.alerts
    assert capture_row(pipe.store, done.capture_id).outcome == "dns_error"


def test_rescore_takes_mirrors_out_once_the_case_has_a_fingerprint(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    create_case(pipe.store, "coco", scenario.case_domains, scenario.case_brands)
    seized = pipe.record(caps[scenario.seized.name], case="coco", background=False)
    stored = [pipe.process(caps[s.name]) for s in scenario.sites if s.label != "seized"]
    assert all(s.background for s in stored)  # nothing to score against yet
    pipe.fingerprint_case("coco", [seized.capture_id])

    results = pipe.rescore(stored)
    assert all(len(r) == 1 for r in results.values())
    scored = {s.capture.host: results[s.capture_id][0] for s in stored}
    out = {s.capture.host for s in stored if not capture_row(pipe.store, s.capture_id).background}
    assert out == {h for h, r in scored.items() if _claimed(r)}
    mirrors = set(scenario.hosts("re-emergence"))
    assert mirrors <= out
    alerted = {a.host for a in list_alerts(pipe.store)}
    assert alerted == {h for h, r in scored.items() if r.verdict is not Verdict.UNRELATED}
    assert capture_row(pipe.store, seized.capture_id).background is False


def test_rescore_never_leaves_an_alert_saying_more_than_the_evidence(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    mirror = pipe.process(caps[scenario.hosts("re-emergence")[0]])
    assert mirror.alerts and not mirror.background
    for cf in case_features(pipe.store, "coco"):  # the analyst excludes everything
        edit_case_feature(pipe.store, "coco", cf.feature, pinned=None, excluded=True)

    pipe.rescore([mirror])
    (alert,) = list_alerts(pipe.store)
    assert alert.verdict == "unrelated" and alert.bits < 15
    assert capture_row(pipe.store, mirror.capture_id).background is True


def test_a_confirmed_host_stops_counting_as_unrelated_at_once(
    pipe: Pipeline, scenario: Scenario, clock: FakeClock
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    site = next(pipe.process(caps[s.name]) for s in scenario.sites if s.label == "background")
    before = background_size(pipe.store)
    case_id = get_case(pipe.store, "coco").id
    assert case_id is not None
    with pipe.store.session() as session:
        claim = Score(site.capture.target, "coco", 20.0, Verdict.PROBABLE)
        alert_id, _ = raise_alert(session, case_id, claim, capture_id=site.capture_id, now=clock())
    decide(pipe.store, pipe.settings.data_dir, alert_id, "confirm", actor="alice", clock=clock)
    # The flag is the policy's, from scores; the confirmation counts before any re-score.
    assert capture_row(pipe.store, site.capture_id).background is True
    assert background_size(pipe.store) == before - 1
    pipe.rescore([site])
    assert capture_row(pipe.store, site.capture_id).background is False


def test_a_dismissed_mirror_counts_as_unrelated_once_scored_again(
    pipe: Pipeline, scenario: Scenario, clock: FakeClock
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    mirror = pipe.process(caps[scenario.hosts("re-emergence")[0]])
    assert not mirror.background
    (alert,) = mirror.alerts
    decide(
        pipe.store, pipe.settings.data_dir, alert.alert_id, "dismiss", actor="alice", clock=clock
    )
    (again,) = pipe.rescore([mirror]).values()
    assert again[0].verdict is Verdict.REEMERGENCE  # the score stands; the analyst decided
    assert capture_row(pipe.store, mirror.capture_id).background is True


def test_alerts_raised_on_an_empty_store_are_scored_again_against_what_came_after(
    pipe: Pipeline, scenario: Scenario
) -> None:
    caps = _captures(scenario)
    _with_case(pipe, scenario, caps)
    first = {}
    for site in scenario.sites:  # decoys first, on an empty store
        if site.label == "decoy":
            done = pipe.process(caps[site.name])
            first.update({a.alert_id: a.score.bits for a in done.alerts})
    assert first, "no decoy alerted on an empty store"
    for site in scenario.sites:
        if site.label == "background":
            pipe.process(caps[site.name])
    pipe.rescore_undecided()
    now = {a.id: a.bits for a in list_alerts(pipe.store)}
    assert all(now[i] < bits for i, bits in first.items()), (first, now)
