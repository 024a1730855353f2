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
from typing import Any

from revenant.errors import BadInput
from revenant.fingerprint.text import hamming, jaccard
from revenant.model import Feature, Fingerprint

SEED_FILE = "background_seed.json"
MIN_WORDS = 20  # fewer visible words make a text sketch meaningless
_CALIBRATION_PAIRS = 20_000

# When the calibration has too few unrelated pairs, a conservative model stands in:
# each sketch bit of an unrelated pair differs with probability q (< 0.5: unrelated
# pages in one language and one CMS are closer than random), and the Jaccard tail is
# bounded by the prior below.
_PRIOR_Q = {"text_hamming": 0.30, "dom_hamming": 0.20, "shot_hamming": 0.20}
# Screenshots: pages of one era share white space and a centred column, so an
# unrelated pair's pHash bits differ less often than a fair coin's (an assumption
# like the two above; 0.20 is the structure sketch's, the most cautious of them).
_PRIOR_JACCARD_TAIL = ((0.9, 1e-4), (0.7, 1e-3), (0.5, 1e-2), (0.3, 0.05), (0.1, 0.2), (0.0, 1.0))
_MIN_EMPIRICAL = 200

IDENTIFIER_KINDS = frozenset(
    [
        "ga",
        "gtm",
        "gads",
        "adsense",
        "ym",
        "matomo",
        "fbpixel",
        "hotjar",
        "email",
        "telegram",
        "discord",
        "signal",
        "whatsapp",
        "btc",
        "eth",
        "xmr",
        "ltc",
        "trx",
        "onion",
        "pgp",
        "phone",
    ]
)
"""Kinds whose values belong to one operator by construction (an account id, a wallet)."""

IDENTIFIER_PRIOR_N = 65_534
"""An identifier nobody has seen counts as unseen among 2^16 unrelated sites: 16 bits,
enough alone for "probable" and no more (scraped copies keep their source's ids)."""

DEFAULT_PRIOR_N = 254
PRIOR_N = {"favicon_mmh3": 4094, "favicon_sha256": 4094, "asset_sha256": 4094, "spki": 4094}
"""For a feature nobody has seen and the seed does not list, the seed's silence is weak
evidence of rarity: it counts as unseen among this many sites (so at most
log2(256) = 8 bits until the store has more captures than that)."""


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


@dataclass
class Calibration:
    """Sorted similarity values of unrelated page pairs, per measure."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, measure: str, values: Iterable[float]) -> None:
        merged = self.samples.get(measure, []) + list(values)
        merged.sort()
        self.samples[measure] = merged

    def hamming_tail(self, measure: str, distance: int) -> tuple[float, int, int]:
        """P(an unrelated pair is at most `distance` bits apart), with the count and
        number of pairs it rests on (0 pairs: the prior model)."""
        values = self.samples.get(measure, [])
        prior = _binom_cdf(distance, 64, _PRIOR_Q.get(measure, 0.3))
        if len(values) < _MIN_EMPIRICAL:
            return prior, 0, 0
        k = bisect.bisect_right(values, float(distance))
        # never more surprising than the prior allows, never less than the data says
        return max((k + 1) / (len(values) + 2), prior), k, len(values)

    def jaccard_tail(self, measure: str, sim: float) -> tuple[float, int, int]:
        """P(an unrelated pair has Jaccard similarity at least `sim`)."""
        values = self.samples.get(measure, [])
        prior = next(p for threshold, p in _PRIOR_JACCARD_TAIL if sim >= threshold)
        if len(values) < _MIN_EMPIRICAL:
            return prior, 0, 0
        k = len(values) - bisect.bisect_left(values, sim)
        return max((k + 1) / (len(values) + 2), prior), k, len(values)


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
        shot_h: list[float] = []
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
            if fa.shot_phash is not None and fb.shot_phash is not None:
                shot_h.append(hamming(fa.shot_phash, fb.shot_phash))
        self.calibration.add("shot_hamming", shot_h)
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

    def evidence(self, feature: Feature) -> tuple[float, int, int]:
        """(p, df, N) for `feature`, p = (df + 1) / (N + 2) from whichever source says
        the feature is most common (never rarer than any source supports):

        - the store's own unrelated captures, when at least one of them showed it;
        - the seed, for features it lists (its counts added to the store's);
        - otherwise, a feature nobody has seen counts as unseen among
          max(N, prior) sites: `IDENTIFIER_PRIOR_N` for operator-specific kinds,
          `PRIOR_N` for file hashes, `DEFAULT_PRIOR_N` for the rest.
        """
        n_obs = self.observed
        df_obs = max(0, self.df.get(feature, 0) - self._minus.get(feature, 0))
        best = (0.0, 0, 0)
        if df_obs:
            best = ((df_obs + 1) / (n_obs + 2), df_obs, n_obs)
        seed_df = self.seed_df.get(feature, 0)
        if seed_df:
            df, n = df_obs + seed_df, n_obs + self.seed_n
            best = max(best, ((df + 1) / (n + 2), df, n))
        if not best[1]:
            if not self.seed_n:
                prior = 0
            elif feature.kind in IDENTIFIER_KINDS:
                prior = IDENTIFIER_PRIOR_N
            else:
                prior = PRIOR_N.get(feature.kind, DEFAULT_PRIOR_N)
            n = max(n_obs, prior)
            best = (1 / (n + 2), 0, n)
        return min(1.0, best[0]), best[1], best[2]

    def prevalence(self, feature: Feature) -> float:
        """p = (df + 1) / (N + 2), see `evidence`."""
        return self.evidence(feature)[0]


def _load_seed() -> Background:
    global _SEED
    if _SEED is None:
        raw = json.loads(resources.files("revenant.data").joinpath(SEED_FILE).read_text("utf-8"))
        n = int(raw["n"])
        counts = {key: round(share * n) for key, share in raw["prevalence"].items()}
        _SEED = Background(counts, n, with_seed=False)
    return _SEED


_SEED: Background | None = None
