"""match/lr.py: calibration, ELUB, Cllr, the verbal scale and the shipped model."""

from __future__ import annotations

import gzip
import json
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.errors import BadInput
from revenant.match import lr


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (1.0, "weak support"),
        (9.9, "weak support"),
        (10.0, "moderate support"),
        (99.0, "moderate support"),
        (100.0, "moderately strong support"),
        (1_000.0, "strong support"),
        (10_000.0, "very strong support"),
        (999_999.0, "very strong support"),
        (1_000_000.0, "extremely strong support"),
    ],
)
def test_verbal_scale_is_enfsi(ratio: float, words: str) -> None:
    assert lr.verbal(ratio) == words


def test_verbal_scale_refuses_a_ratio_below_one() -> None:
    with pytest.raises(ValueError):
        lr.verbal(0.5)


@given(st.floats(min_value=1.0, max_value=1e12))
def test_rounded_ratio_never_claims_more_and_keeps_two_figures(x: float) -> None:
    shown = lr.round_ratio(x)
    assert 1.0 <= shown <= x * (1 + 1e-9)
    assert shown >= x / 1.11 or shown == 1.0


def _data(rng: random.Random, n_same: int, n_diff: int) -> tuple[list[float], list[bool]]:
    scores = [rng.gauss(30, 10) for _ in range(n_same)] + [
        max(0.0, rng.gauss(4, 5)) for _ in range(n_diff)
    ]
    return scores, [True] * n_same + [False] * n_diff


def _elub_by_definition(llrs: list[float], same: list[bool], step: float) -> tuple[float, float]:
    """Vergeer et al. 2016 written out pair by pair, for comparison: the cost of the
    system with one added misleading pair against the neutral system's 1."""
    hp = [v for v, s in zip(llrs, same, strict=True) if s]
    hd = [v for v, s in zip(llrs, same, strict=True) if not s]
    upper = 0.0
    rho = 0.0
    while rho <= math.log10(len(hd) + 1) + step:
        accepted = (sum(v >= rho for v in hd) + 1) / (len(hd) + 1)
        cost = 10**rho * accepted + sum(v < rho for v in hp) / len(hp)
        if cost >= 1:
            break
        upper = rho
        rho = round(rho + step, 10)
    lower = 0.0
    rho = 0.0
    while rho >= -math.log10(len(hp) + 1) - step:
        rejected = (sum(v <= rho for v in hp) + 1) / (len(hp) + 1)
        cost = rejected / 10**rho + sum(v > rho for v in hd) / len(hd)
        if cost >= 1:
            break
        lower = rho
        rho = round(rho - step, 10)
    return lower, upper


@pytest.mark.parametrize("seed", range(4))
def test_elub_matches_its_definition(seed: int) -> None:
    rng = random.Random(seed)
    scores, same = _data(rng, rng.randrange(20, 80), rng.randrange(100, 600))
    llrs = lr.pav_llrs(scores, same)
    lower, upper = lr.elub(llrs, same)
    ref_lower, ref_upper = _elub_by_definition(list(llrs), same, lr.ELUB_STEP)
    assert lower == pytest.approx(ref_lower, abs=1e-9)
    assert upper == pytest.approx(ref_upper, abs=1e-9)


def test_elub_of_a_perfect_system_is_about_the_number_of_pairs() -> None:
    scores = [50.0] * 30 + [0.0] * 999
    same = [True] * 30 + [False] * 999
    lower, upper = lr.elub(lr.pav_llrs(scores, same), same)
    assert math.log10(1000) - 0.02 <= upper < math.log10(1000)
    assert -math.log10(31) < lower <= -math.log10(31) + 0.02


def test_cllr_of_a_neutral_system_is_one_and_of_a_perfect_one_zero() -> None:
    same = [True, False, True, False]
    assert lr.cllr([0.0] * 4, same) == pytest.approx(1.0)
    assert lr.cllr([math.inf, -math.inf, math.inf, -math.inf], same) == 0.0
    assert lr.cllr([-3.0, 3.0, -3.0, 3.0], same) > 1.0  # misleading ratios cost more


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_fitted_ratio_never_drops_as_the_score_rises(seed: int) -> None:
    rng = random.Random(seed)
    scores, same = _data(rng, rng.randrange(3, 40), rng.randrange(3, 200))
    model = lr.fit(scores, same)
    grid = np.linspace(-5, 80, 300)
    values = [model.log10(float(b))[0] for b in grid]
    assert values == sorted(values)
    assert all(model.lower <= v <= model.upper for v in values)
    assert lr.cllr_min(scores, same) <= lr.cllr([model.log10(s)[0] for s in scores], same) + 1e-9


def test_a_score_between_validation_scores_takes_the_lower_step() -> None:
    model = lr.fit([0, 0, 10, 10, 20, 20, 20], [False, False, False, True, True, True, False])
    assert model.log10(15.0)[0] == model.log10(10.0)[0]


def test_cross_validated_ratios_never_come_from_their_own_group() -> None:
    # group "odd" alone puts its same-operator pairs at 0 bits: judged by the others'
    # calibration (where 0 bits means different operators) they must look unrelated
    scores = [30.0, 35.0, 0.0, 0.0, 40.0, 0.0, 1.0] * 4 + [0.0, 0.0]
    same = [True, True, False, False, True, False, False] * 4 + [True, True]
    groups = [f"g{i % 4}" for i in range(28)] + ["odd", "odd"]
    cv = lr.cross_validated(scores, same, groups, folds=5)
    assert cv[-1] < 0 and cv[-2] < 0


def test_report_words_and_bounds() -> None:
    rng = random.Random(1)
    scores, same = _data(rng, 60, 3000)
    model = lr.fit(scores, same)
    high = model.report(200.0)
    assert high.bounded and high.value == pytest.approx(10**model.upper)
    assert high.favours == "same-operator" and high.shown <= high.value
    low = model.report(0.0)
    assert low.favours == "different-operator" and low.value < 1
    assert (high.same, high.different) == (60, 3000)


def test_model_round_trips_through_json() -> None:
    model = lr.fit(*_data(random.Random(2), 20, 200))
    assert lr.LrModel.from_json(json.loads(json.dumps(model.as_json()))) == model


@pytest.mark.parametrize(
    "data",
    [
        b"not gzip",
        gzip.compress(b"{}"),
        gzip.compress(b'{"columns": ["a"], "rows": [], "model": {}}'),
    ],
)
def test_a_damaged_validation_file_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(BadInput, match="lr_validation"):
        lr.load_validation(data)


def test_shipped_validation_set_is_the_one_its_model_was_fitted_on() -> None:
    shipped = lr.load_validation()
    assert shipped.refit() == shipped.model
    about = shipped.about
    assert about["built_by"] == "scripts/lr_validation.py"
    assert {"cllr_cross_validated", "cllr_min", "elub_log10"} <= set(about)
    sets = {row[shipped.columns["set"]] for row in shipped.rows}
    assert sets == {"scenario", "pages"}  # synthetic and real pairs, as documented
    assert shipped.model.upper < math.log10(shipped.model.different + 1)
