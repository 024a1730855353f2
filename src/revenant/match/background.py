"""How common things are among unrelated sites: document frequencies of features over
N unrelated captures, and how similar unrelated pairs of pages happen to be.

A Background is built from counts (the store's features table, or fingerprints) and is
merged with the seed shipped in `revenant/data/background_seed.json` (see
docs/scoring.md for how that seed was made: from published prevalence of common web
components, never from evaluation pages). Prevalence is p = (df + 1) / (N + 2).
"""

from __future__ import annotations

import bisect
import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, NamedTuple

from revenant.errors import BadInput
from revenant.fingerprint.kinds import IDENTIFIER_KINDS, unseen_prior
from revenant.fingerprint.text import hamming, jaccard
from revenant.model import Feature, Fingerprint

__all__ = ["IDENTIFIER_KINDS", "Background", "Calibration", "Prevalence", "Tail"]

SEED_FILE = "background_seed.json"
MIN_WORDS = 20  # fewer visible words make a text sketch meaningless
_CALIBRATION_PAIRS = 20_000

# When the calibration has too few unrelated pairs, a conservative model stands in:
# each sketch bit of an unrelated pair differs with probability q (< 0.5: unrelated
# pages in one language and one CMS are closer than random), and the Jaccard tail is
# bounded by the prior below.
PRIOR_Q = {"text_hamming": 0.30, "dom_hamming": 0.20}
_PRIOR_JACCARD_TAIL = ((0.9, 1e-4), (0.7, 1e-3), (0.5, 1e-2), (0.3, 0.05), (0.1, 0.2), (0.0, 1.0))
MIN_EMPIRICAL = 200


def _binom_cdf(k: int, n: int, q: float) -> float:
    return sum(math.comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(0, k + 1))


def _feature(key: Feature | str | tuple[str, str]) -> Feature:
    if isinstance(key, Feature):
        return key
    if isinstance(key, tuple):
        return Feature(key[0], key[1])
    kind, sep, value = key.partition(":")
    if not sep:
        raise BadInput(f"background count key {key[:80]!r}: expected 'kind:value'")
    return Feature(kind, value)


class Tail(NamedTuple):
    """How often unrelated pairs are at least this similar: `p`, from `k` of `m`
    calibration pairs, or from the prior model alone (`prior`: the model's own p, which
    also floors the empirical one)."""

    p: float
    k: int
    m: int
    prior: float

    @property
    def by_prior(self) -> bool:
        """The prior model, not the calibration pairs, set p."""
        return self.m == 0 or self.p <= self.prior


class Prevalence(NamedTuple):
    """How common a feature is among unrelated sites, and on what basis.

    `df` of `n`: what the store's unrelated captures showed (never the seed, never a
    prior). `basis` says what set `p`: "store" (those counts alone), "seed" (the
    general-knowledge seed, `seed_share` of sites, added to the store's counts) or
    "prior" (nobody has seen it: at most 1 site in `1 / p`, by the kind's prior).
    """

    p: float
    df: int
    n: int
    basis: str
    seed_share: float = 0.0

    @property
    def one_in(self) -> float:
        """p as "1 site in N"."""
        return 1.0 / self.p


@dataclass
class Calibration:
    """Sorted similarity values of unrelated page pairs, per measure."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, measure: str, values: Iterable[float]) -> None:
        merged = self.samples.get(measure, []) + list(values)
        merged.sort()
        self.samples[measure] = merged

    def hamming_tail(self, measure: str, distance: int) -> Tail:
        """P(an unrelated pair is at most `distance` bits apart), with the count and
        number of pairs it rests on (0 pairs: the prior model)."""
        values = self.samples.get(measure, [])
        prior = _binom_cdf(distance, 64, PRIOR_Q.get(measure, 0.3))
        if len(values) < MIN_EMPIRICAL:
            return Tail(prior, 0, 0, prior)
        k = bisect.bisect_right(values, float(distance))
        # never more surprising than the prior allows, never less than the data says
        return Tail(max((k + 1) / (len(values) + 2), prior), k, len(values), prior)

    def jaccard_tail(self, measure: str, sim: float) -> Tail:
        """P(an unrelated pair has Jaccard similarity at least `sim`)."""
        values = self.samples.get(measure, [])
        prior = next(p for threshold, p in _PRIOR_JACCARD_TAIL if sim >= threshold)
        if len(values) < MIN_EMPIRICAL:
            return Tail(prior, 0, 0, prior)
        k = len(values) - bisect.bisect_left(values, sim)
        return Tail(max((k + 1) / (len(values) + 2), prior), k, len(values), prior)


class Background:
    """Document frequencies over `n` unrelated captures, plus similarity calibration."""

    def __init__(
        self,
        counts: Mapping[Any, int] | Iterable[tuple[Any, int]] = (),
        n: int = 0,
        *,
        calibration: Calibration | None = None,
        with_seed: bool = True,
    ) -> None:
        """`counts`: feature -> number of unrelated captures showing it, keyed by
        `Feature`, "kind:value" or (kind, value); `n`: how many
        captures were counted. The shipped seed is added unless `with_seed=False`."""
        self.df: Counter[Feature] = Counter()
        items = counts.items() if isinstance(counts, Mapping) else counts
        for key, value in items:
            if value < 0:
                raise BadInput(f"background count for {key!s:.80}: negative ({value})")
            self.df[_feature(key)] += int(value)
        self.n = int(n)
        self.calibration = calibration or Calibration()
        self.seed_df: Counter[Feature] = Counter()
        self.seed_n = 0
        if with_seed:
            seed = _load_seed()
            self.seed_df = seed.df
            self.seed_n = seed.n
        self._minus: Counter[Feature] = Counter()
        self._minus_n = 0

    @classmethod
    def from_fingerprints(
        cls, fps: Sequence[Fingerprint], *, with_seed: bool = True, rng: random.Random | None = None
    ) -> Background:
        """Count features of unrelated fingerprints and calibrate similarities on
        random pairs of them."""
        counts: Counter[Feature] = Counter()
        for fp in fps:
            counts.update(fp.features)
        bg = cls(counts, len(fps), with_seed=with_seed)
        bg.calibrate(fps, rng or random.Random(0))
        return bg

    def calibrate(self, fps: Sequence[Fingerprint], rng: random.Random) -> None:
        """Add similarity samples of up to 20,000 random pairs of unrelated captures."""
        if len(fps) < 2:
            return
        text_h: list[float] = []
        dom_h: list[float] = []
        text_j: list[float] = []
        pairs = min(_CALIBRATION_PAIRS, len(fps) * (len(fps) - 1) // 2)
        for _ in range(pairs):
            a, b = rng.sample(range(len(fps)), 2)
            fa, fb = fps[a], fps[b]
            if fa.registrable and fa.registrable == fb.registrable:
                continue
            if fa.dom_simhash is not None and fb.dom_simhash is not None:
                dom_h.append(hamming(fa.dom_simhash, fb.dom_simhash))
            if min(fa.text_words, fb.text_words) >= MIN_WORDS:
                if fa.text_simhash is not None and fb.text_simhash is not None:
                    text_h.append(hamming(fa.text_simhash, fb.text_simhash))
                text_j.append(jaccard(fa.text_minhash, fb.text_minhash))
        self.calibration.add("text_hamming", text_h)
        self.calibration.add("dom_hamming", dom_h)
        self.calibration.add("text_jaccard", text_j)

    def excluding(self, counts: Mapping[Feature, int], n: int) -> Background:
        """A view without some captures' counts (leave-one-out evaluation)."""
        view = Background.__new__(Background)
        view.df = self.df
        view.n = self.n
        view.calibration = self.calibration
        view.seed_df = self.seed_df
        view.seed_n = self.seed_n
        view._minus = self._minus + Counter(counts)
        view._minus_n = self._minus_n + n
        return view

    @property
    def observed(self) -> int:
        """How many captures were actually counted (the seed excluded)."""
        return self.n - self._minus_n

    def evidence(self, feature: Feature) -> Prevalence:
        """How common `feature` is: p = (df + 1) / (N + 2) from whichever source says
        it is most common (never rarer than any source supports):

        - the store's own unrelated captures, when at least one of them showed it;
        - the seed, for features it lists (its counts added to the store's);
        - otherwise a feature nobody has seen counts as unseen among max(N, prior)
          sites, the prior being its kind's (`fingerprint.kinds.unseen_prior`). Without the seed
          (`with_seed=False`) there is no prior: the store's N alone.
        """
        n_obs = self.observed
        df_obs = max(0, self.df.get(feature, 0) - self._minus.get(feature, 0))
        best = Prevalence(0.0, df_obs, n_obs, "store")
        if df_obs:
            best = Prevalence((df_obs + 1) / (n_obs + 2), df_obs, n_obs, "store")
        seed_df = self.seed_df.get(feature, 0)
        if seed_df:
            p = (df_obs + seed_df + 1) / (n_obs + self.seed_n + 2)
            if p > best.p:
                best = Prevalence(p, df_obs, n_obs, "seed", seed_df / self.seed_n)
        if not best.p:
            prior = unseen_prior(feature.kind, feature.value).n if self.seed_n else 0
            if n_obs >= prior:
                best = Prevalence(1 / (n_obs + 2), 0, n_obs, "store")
            else:
                best = Prevalence(1 / (prior + 2), 0, n_obs, "prior")
        return best._replace(p=min(1.0, best.p))

    def prevalence(self, feature: Feature) -> float:
        """p = (df + 1) / (N + 2), see `evidence`."""
        return self.evidence(feature).p


def _load_seed() -> Background:
    global _SEED
    if _SEED is None:
        raw = json.loads(resources.files("revenant.data").joinpath(SEED_FILE).read_text("utf-8"))
        n = int(raw["n"])
        counts = {key: round(share * n) for key, share in raw["prevalence"].items()}
        _SEED = Background(counts, n, with_seed=False)
    return _SEED


_SEED: Background | None = None
