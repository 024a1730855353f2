"""The likelihood ratio a report quotes: the score in bits mapped through a calibration
fitted on validation pairs, bounded by what those pairs can support, and worded by the
ENFSI verbal scale.

Bits rank candidates and set the verdict bands; they are not a validated likelihood
ratio (2^59 would claim far more than any validation could support). Validated LR
systems in forensic science are calibrated and bounded, and that is done here:

- calibration: pool-adjacent-violators (isotonic regression) of the same-operator label
  on the score over the validation pairs gives a posterior per score; divided by the
  validation set's prior odds it is a likelihood ratio (Brümmer and du Preez 2006,
  Zadrozny and Elkan 2002). A score between two validation scores gets the lower
  one's ratio (the less favourable to the prosecution proposition);
- bounds: the Empirical Lower and Upper Bound (ELUB; Vergeer, van Es, de Jongh,
  Alberink and Stoel, Science & Justice 56 (2016) 482-491): the range of ratios over
  which the calibrated system, with one misleading pair added, still makes fewer
  expected errors than a system that always says 1. It can never exceed about the
  number of different-operator pairs, so no sentence claims more than the data holds;
- performance: log-likelihood-ratio cost Cllr (Brümmer and du Preez 2006) and its
  minimum Cllr_min (after an optimal monotone recalibration on the same pairs).

The shipped calibration (`revenant/data/lr_validation.json.gz`) holds the validation
pairs themselves and the model fitted on them; `scripts/lr_validation.py` rebuilds
both. This module never fits anything at scoring time.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import isotonic_regression

from revenant.errors import BadInput
from revenant.model import ReportedLr

VALIDATION_FILE = "lr_validation.json.gz"

VERBAL_SCALE: tuple[tuple[float, str], ...] = (
    (1e6, "extremely strong support"),
    (1e4, "very strong support"),
    (1e3, "strong support"),
    (1e2, "moderately strong support"),
    (1e1, "moderate support"),
    (1.0, "weak support"),
)
"""ENFSI Guideline for Evaluative Reporting in Forensic Science (2015), verbal
equivalents of a likelihood ratio: 1-10 weak, 10-100 moderate, 100-1,000 moderately
strong, 1,000-10,000 strong, 10,000-1,000,000 very strong, above 1,000,000 extremely
strong support (a ratio below 1 is worded the same way for the other proposition)."""

ELUB_STEP = 0.01
"""Resolution of the ELUB search, in log10 units (as the authors' own code)."""

_LN10 = math.log(10.0)


def verbal(lr: float) -> str:
    """The ENFSI words for a ratio of at least 1 ("strong support")."""
    for threshold, words in VERBAL_SCALE:
        if lr >= threshold:
            return words
    raise ValueError(f"verbal scale: a ratio below 1 ({lr}) is worded for the other proposition")


def round_ratio(lr: float) -> float:
    """A ratio of at least 1 as a report states it: two significant figures, rounded
    towards 1 so the words never claim more than the number (19,600 -> 19,000)."""
    if lr < 1 or not math.isfinite(lr):
        raise ValueError(f"ratio {lr}: must be finite and at least 1")
    scale = 10.0 ** (math.floor(math.log10(lr)) - 1)
    return max(1.0, math.floor(lr / scale * (1 + 1e-12)) * scale)


# ------------------------------------------------------------------- calibration


def _pooled(scores: ArrayLike, labels: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    """Unique scores (ascending), the share of same-operator pairs at each after PAV,
    and how many pairs each unique score stands for."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if s.shape != y.shape or s.ndim != 1 or not len(s):
        raise BadInput("calibration: scores and labels must be two lists of equal, non-zero length")
    if not (np.any(y == 1) and np.any(y == 0)):
        raise BadInput("calibration: needs both same-operator and different-operator pairs")
    uniq, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=y) / counts
    fitted = isotonic_regression(means, weights=counts.astype(np.float64), increasing=True).x
    return uniq, np.clip(fitted, 0.0, 1.0), counts.astype(np.float64)


def _log10_odds(p: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.log10(p) - np.log10(1.0 - p)


def pav_llrs(scores: ArrayLike, labels: ArrayLike) -> NDArray[np.float64]:
    """log10 likelihood ratios of the pairs themselves after PAV calibration on them
    (±inf where a score's block is all one kind)."""
    y = np.asarray(labels, dtype=np.float64)
    uniq, fitted, _ = _pooled(scores, y)
    prior = math.log10(y.sum() / (len(y) - y.sum()))
    per_score = _log10_odds(fitted) - prior
    return per_score[np.searchsorted(uniq, np.asarray(scores, dtype=np.float64))]


def cllr(llrs: ArrayLike, labels: ArrayLike) -> float:
    """Log-likelihood-ratio cost, in bits: 0 is perfect, 1 is a system that always says
    1; above 1 the ratios mislead."""
    nat = np.asarray(llrs, dtype=np.float64) * _LN10
    y = np.asarray(labels, dtype=bool)
    same = np.logaddexp(0.0, -nat[y]).mean() / math.log(2.0)
    diff = np.logaddexp(0.0, nat[~y]).mean() / math.log(2.0)
    return float(0.5 * (same + diff))


def cllr_min(scores: ArrayLike, labels: ArrayLike) -> float:
    """Cllr after the best monotone recalibration of the scores on these same pairs:
    what discrimination alone allows (the rest of Cllr is calibration loss)."""
    return cllr(pav_llrs(scores, labels), labels)


def elub(llrs: ArrayLike, labels: ArrayLike) -> tuple[float, float]:
    """Empirical lower and upper bounds (log10) of a set of calibrated ratios
    (Vergeer et al. 2016).

    For each threshold rho on a grid of ELUB_STEP, the normalised expected cost of
    deciding "same operator" when the ratio exceeds 10^rho is compared with that of a
    neutral system (every ratio 1, cost 1), after adding one misleading pair: a
    different-operator pair with an infinite ratio above 0, a same-operator pair with
    a zero ratio below. The bounds are the thresholds nearest 0 where the system stops
    doing better than neutral. Always lower <= 0 <= upper.
    """
    llr = np.asarray(llrs, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    hp, hd = np.sort(llr[y]), np.sort(llr[~y])
    n_p, n_d = len(hp), len(hd)
    if not n_p or not n_d:
        raise BadInput("ELUB: needs both same-operator and different-operator pairs")
    # Past log10(n + 1) the added misleading pair alone costs more than neutral.
    top = min(float(llr.max()), math.log10(n_d + 1))
    bottom = max(float(llr.min()), -math.log10(n_p + 1))
    up = np.arange(0.0, max(0.0, top) + 2 * ELUB_STEP, ELUB_STEP)
    # rho >= 0: theta * P(different-operator ratio >= theta) + P(same-operator ratio < theta)
    accepted_d = (n_d - np.searchsorted(hd, up, side="left") + 1) / (n_d + 1)
    rejected_p = np.searchsorted(hp, up, side="left") / n_p
    cost_up = 10.0**up * accepted_d + rejected_p
    down = -np.arange(0.0, max(0.0, -bottom) + 2 * ELUB_STEP, ELUB_STEP)
    # rho < 0, normalised by theta: P(same <= theta) / theta + P(different > theta)
    rejected_p_down = (np.searchsorted(hp, down, side="right") + 1) / (n_p + 1)
    accepted_d_down = (n_d - np.searchsorted(hd, down, side="right")) / n_d
    cost_down = rejected_p_down / 10.0**down + accepted_d_down
    upper = _last_below_one(up, cost_up)
    lower = _last_below_one(down, cost_down)
    return min(0.0, lower), max(0.0, upper)


def _last_below_one(grid: NDArray[np.float64], cost: NDArray[np.float64]) -> float:
    """The grid point before the first one (from 0 outwards) whose cost is not below
    the neutral system's 1; 0 when the first already is not."""
    bad = np.flatnonzero(cost >= 1.0)
    if not len(bad):
        return float(grid[-1])
    first = int(bad[0])
    return float(grid[first - 1]) if first else 0.0


# ----------------------------------------------------------------------- model


@dataclass(frozen=True)
class LrModel:
    """A fitted calibration: score (bits) -> log10 likelihood ratio, a step function
    over the validation scores, bounded by the ELUB of the validation pairs."""

    edges: tuple[float, ...]
    """Score at which each step starts, ascending."""
    log10_lr: tuple[float, ...]
    """Calibrated log10 ratio of each step, before bounding (may be ±inf)."""
    lower: float
    upper: float
    """ELUB, log10."""
    same: int
    different: int
    """Validation pairs it was fitted on."""

    def log10(self, bits: float) -> tuple[float, bool]:
        """(bounded log10 ratio, whether a bound cut it) for a score."""
        i = max(0, int(np.searchsorted(self.edges, bits, side="right")) - 1)
        raw = self.log10_lr[i]
        bounded = min(self.upper, max(self.lower, raw))
        return bounded, bounded != raw

    def report(self, bits: float) -> ReportedLr:
        """The reported likelihood ratio of a score, with its ENFSI wording."""
        value, hit = self.log10(bits)
        lr = 10.0**value
        shown = round_ratio(lr if lr >= 1 else 1 / lr)
        if shown <= 1.0:
            favours, words = "neither", "no support"
        elif lr > 1:
            favours, words = "same-operator", verbal(lr)
        else:
            favours, words = "different-operator", verbal(1 / lr)
        return ReportedLr(
            value=lr,
            shown=shown,
            verbal=words,
            favours=favours,
            lower=10.0**self.lower,
            upper=10.0**self.upper,
            bounded=hit,
            same=self.same,
            different=self.different,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "edges": list(self.edges),
            "log10_lr": [_finite_or_str(v) for v in self.log10_lr],
            "elub": [self.lower, self.upper],
            "same": self.same,
            "different": self.different,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LrModel:
        try:
            edges = tuple(float(v) for v in doc["edges"])
            llrs = tuple(float(v) for v in doc["log10_lr"])
            lower, upper = (float(v) for v in doc["elub"])
            model = cls(edges, llrs, lower, upper, int(doc["same"]), int(doc["different"]))
        except (KeyError, TypeError, ValueError) as err:
            raise BadInput(f"likelihood-ratio calibration: {err!s:.200}") from err
        if len(edges) != len(llrs) or not edges or list(edges) != sorted(edges):
            raise BadInput("likelihood-ratio calibration: edges and ratios do not match")
        return model


def _finite_or_str(v: float) -> float | str:
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")


def fit(scores: Sequence[float], labels: Sequence[bool]) -> LrModel:
    """Calibrate on validation pairs: PAV, prior odds removed, ELUB bounds."""
    y = np.asarray(labels, dtype=np.float64)
    uniq, fitted, _ = _pooled(scores, y)
    n_same = int(y.sum())
    n_diff = len(y) - n_same
    per_score = _log10_odds(fitted) - math.log10(n_same / n_diff)
    keep = np.ones(len(uniq), dtype=bool)
    keep[1:] = per_score[1:] != per_score[:-1]
    lower, upper = elub(pav_llrs(scores, y), y)
    return LrModel(
        edges=tuple(float(v) for v in uniq[keep]),
        log10_lr=tuple(float(v) for v in per_score[keep]),
        lower=lower,
        upper=upper,
        same=n_same,
        different=n_diff,
    )


def cross_validated(
    scores: Sequence[float], labels: Sequence[bool], groups: Sequence[str], folds: int = 5
) -> NDArray[np.float64]:
    """Bounded log10 ratios of each pair from a model fitted without its group's fold:
    groups (a scenario seed, a real site) are spread over `folds` folds in order of
    first appearance, so no pair is judged by a calibration that saw its group."""
    order: dict[str, int] = {}
    for g in groups:
        order.setdefault(g, len(order) % folds)
    fold = np.array([order[g] for g in groups])
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    out = np.empty(len(s))
    for k in range(folds):
        held = fold == k
        if not held.any():
            continue
        model = fit(s[~held].tolist(), y[~held].tolist())
        out[held] = [model.log10(float(b))[0] for b in s[held]]
    return out


# ------------------------------------------------------------- shipped model


PAIR_COLUMNS = ("set", "group", "case", "target", "target_group", "same", "bits")
"""A validation pair: its set ("scenario", "pages"), the group it is held out by (a
scenario seed, the case's site), the case and target, the target's group (operator or
site), whether one operator runs both, and the score in bits."""


@dataclass(frozen=True)
class Validation:
    """The shipped validation set: labelled pairs with their scores, the model fitted
    on them, and how it was built (`about`)."""

    rows: list[list[Any]]
    model: LrModel
    about: dict[str, Any]

    @property
    def columns(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(PAIR_COLUMNS)}

    def refit(self) -> LrModel:
        """The model fitted again on the shipped pairs (equals `model` unless edited)."""
        i, j = PAIR_COLUMNS.index("bits"), PAIR_COLUMNS.index("same")
        return fit([r[i] for r in self.rows], [bool(r[j]) for r in self.rows])


def dump_validation(rows: Sequence[Sequence[Any]], model: LrModel, about: dict[str, Any]) -> bytes:
    """The shipped file's bytes (gzip, no timestamp: rebuilt from the same pairs it is
    byte for byte the same)."""
    doc = {
        "about": about,
        "model": model.as_json(),
        "columns": list(PAIR_COLUMNS),
        "rows": [list(r) for r in rows],
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def load_validation(data: bytes | None = None) -> Validation:
    """Read the shipped validation set (or `data`, the same format)."""
    if data is None:
        data = resources.files("revenant.data").joinpath(VALIDATION_FILE).read_bytes()
    try:
        doc = json.loads(gzip.decompress(data))
        if tuple(doc["columns"]) != PAIR_COLUMNS:
            raise ValueError(f"columns {doc['columns']!r}, expected {list(PAIR_COLUMNS)!r}")
        rows = [list(r) for r in doc["rows"]]
        about = dict(doc.get("about", {}))
        model = LrModel.from_json(doc["model"])
    except (OSError, EOFError, ValueError, KeyError, TypeError) as err:
        raise BadInput(f"{VALIDATION_FILE}: unreadable ({err!s:.200})") from err
    return Validation(rows, model, about)


@cache
def shipped_model() -> LrModel:
    """The calibration shipped with Revenant (read once)."""
    return load_validation().model
