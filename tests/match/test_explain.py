"""What a report quotes: observed counts apart from assumptions, and the sentence.

The rule (docs/scoring.md, "Words"): a count in a sentence is only ever what the store
showed; a prior, the seed or a cap is named as such. These tests score a generated
scenario and read every contribution the way a defence expert would.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from pathlib import Path

import pytest

from revenant.fingerprint import extract
from revenant.match import Background, build_case_fingerprint, lr, score
from revenant.model import Fingerprint, Score

scenario = pytest.importorskip("revenant.testnet.scenario")
_spec = importlib.util.spec_from_file_location(
    "eval_match", Path(__file__).resolve().parents[2] / "bench" / "eval_match.py"
)
assert _spec and _spec.loader
eval_match = importlib.util.module_from_spec(_spec)
sys.modules["eval_match"] = eval_match
_spec.loader.exec_module(eval_match)

_SITES = re.compile(r"([\d,]+) unrelated sites?\b")
_PAIRS = re.compile(r"([\d,]+) unrelated pairs?\b")
_ONE_IN = re.compile(r"1 (?:site|pair) in [\d,.]+")


@pytest.fixture(scope="module")
def sites() -> tuple[object, dict[str, Fingerprint]]:
    sc = scenario.generate(13, reemergences=5, decoys=20, background=50)
    rng = random.Random(13)
    return sc, {s.name: extract(eval_match.site_capture(s, rng)) for s in sc.sites}


def _scores(sc: object, fps: dict[str, Fingerprint], bg: Background) -> list[Score]:
    case_fp = build_case_fingerprint(sc.case(), [fps[sc.seized.name]])  # type: ignore[attr-defined]
    return [
        score(case_fp, fps[s.name], bg)
        for s in sc.sites  # type: ignore[attr-defined]
        if s.label != "seized"
    ]


def _clauses(why: str) -> list[str]:
    return why.split("; ")


def test_no_contribution_quotes_a_population_that_was_not_observed(
    sites: tuple[object, dict[str, Fingerprint]],
) -> None:
    sc, fps = sites
    unrelated = [fps[s.name] for s in sc.sites if s.operator != "case"]  # type: ignore[attr-defined]
    bg = Background.from_fingerprints(unrelated[:40])
    pair_counts = {len(v) for v in bg.calibration.samples.values()}
    checked = 0
    for result in _scores(sc, fps, bg):
        for c in result.contributions:
            for n in _SITES.findall(c.why):
                assert int(n.replace(",", "")) == bg.observed == 40, c.why
            for n in _PAIRS.findall(c.why):
                assert int(n.replace(",", "")) in pair_counts, c.why
            if c.observed is not None:
                assert c.observed.n in ({40} if c.observed.unit == "sites" else pair_counts)
            for clause in _clauses(c.why):
                # any "1 site in N" is an assumption and says which
                if _ONE_IN.search(clause):
                    assert "(prior)" in clause or "seed" in clause or "prior model" in clause, c.why
            checked += 1
    assert checked > 100


def test_on_an_empty_store_nothing_is_said_to_have_been_seen(
    sites: tuple[object, dict[str, Fingerprint]],
) -> None:
    sc, fps = sites
    results = _scores(sc, fps, Background((), 0))
    whys = [c.why for r in results for c in r.contributions]
    assert whys
    assert not any(_SITES.search(w) or _PAIRS.search(w) for w in whys)
    discrete = [
        c for r in results for c in r.contributions if not c.feature.startswith("similarity:")
    ]
    assert all("no unrelated site in this store yet" in c.why for c in discrete)
    assert all(c.observed is not None and c.observed.n == 0 for c in discrete)
    assert all(c.prior or c.seed or c.cap for c in discrete)  # the bits came from an assumption


def test_every_sentence_quotes_the_reported_ratio_of_the_shipped_calibration(
    sites: tuple[object, dict[str, Fingerprint]],
) -> None:
    sc, fps = sites
    unrelated = [fps[s.name] for s in sc.sites if s.operator != "case"]  # type: ignore[attr-defined]
    model = lr.shipped_model()
    results = _scores(sc, fps, Background.from_fingerprints(unrelated))
    for result in results:
        assert result.lr is not None and result.reported_lr == result.lr.value
        assert f"{model.same + model.different:,} validation pairs" in result.sentence
        assert "ELUB" in result.sentence and "2^" not in result.sentence
        assert 10**model.lower <= result.lr.value <= 10**model.upper
        if result.lr.favours != "neither":
            assert f"this provides {result.verbal} for the proposition" in result.sentence
    strongest = max(results, key=lambda r: r.bits)
    assert strongest.lr is not None and strongest.lr.favours == "same-operator"
    assert "times more probable if" in strongest.sentence


def test_json_carries_observed_prior_cap_and_reported_ratio(
    sites: tuple[object, dict[str, Fingerprint]],
) -> None:
    sc, fps = sites
    doc = _scores(sc, fps, Background({}, 25))[0].as_json()
    assert set(doc["reported_lr"]) >= {"value", "verbal", "elub", "validation_pairs"}  # type: ignore[arg-type]
    for c in doc["contributions"]:  # type: ignore[attr-defined]
        assert set(c) >= {"observed", "prior", "cap", "seed"}
