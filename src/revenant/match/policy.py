"""What the matcher decides beyond one score: which stored hosts count as the case's own
(never part of its background), when a scored capture leaves the background, and when
the similarity calibration is measured again.

Pure decisions over scores, features and counts: the pipeline asks the store and
applies them. See docs/store.md ("The background") for why each rule is what it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from revenant.fingerprint.kinds import kind as kind_of
from revenant.match.background import Background, Calibration
from revenant.model import CaseFingerprint, Feature, Fingerprint, Score, Verdict

RELATED_MIN_KINDS = 2
"""A stored host sharing this many independent operator identifiers with a case (its
favicon and its Telegram handle, say) is the case's, not an unrelated site."""

CALIBRATION_SAMPLE = 2000
"""Background captures sampled to calibrate similarity scores."""

RESCORE_ROUNDS = 4
"""Re-scoring a set of captures stops after this many rounds even if background
membership still changes (it settles in one or two on every scenario seen)."""


def operator_group(kind: str) -> str | None:
    """The operator identifier group of a feature kind (both favicon hashes are one
    favicon), or None for template and hosting features."""
    return kind_of(kind).operator


def operator_features(case_fp: CaseFingerprint) -> list[Feature]:
    """The case's features that identify its operator (not excluded by the analyst)."""
    return [
        cf.feature
        for cf in case_fp.features
        if not cf.excluded and operator_group(cf.feature.kind) is not None
    ]


def group_of(kind: str) -> str:
    """`operator_group`, with any other kind as its own group (for counting kinds)."""
    return operator_group(kind) or kind


def in_background(scores: Iterable[Score]) -> bool:
    """Whether a capture counts among unrelated sites after these scores: a confident
    match (a re-emergence of any case) leaves; "probable" ones stay, or what they share
    with the case would look rarer with each one taken out (a cascade)."""
    return not any(s.verdict is Verdict.REEMERGENCE for s in scores)


@dataclass
class Calibrator:
    """The similarity calibration, measured on a sample of stored background captures
    and measured again once the background has doubled (plus 50) since."""

    sample_size: int = CALIBRATION_SAMPLE
    _calibration: Calibration | None = None
    _measured_on: int = 0
    _seed: int = field(default=0, repr=False)

    def current(
        self, background_size: int, sample: Callable[[int], Sequence[Fingerprint]]
    ) -> Calibration:
        """The calibration for a background of `background_size` captures; `sample(n)`
        gives up to n stored background fingerprints when a new one is needed."""
        if self._calibration is None or background_size >= 2 * self._measured_on + 50:
            self._calibration = Background.from_fingerprints(
                sample(self.sample_size), with_seed=False, rng=random.Random(self._seed)
            ).calibration
            self._measured_on = background_size
        return self._calibration
