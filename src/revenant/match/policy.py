"""What the matcher decides beyond one score: which stored hosts count as the case's own
(never part of its background), when a scored capture leaves the background, and when
the similarity calibration is measured again.

Pure decisions over scores, features, analysts' decisions and counts: the pipeline asks
the store and applies them. See docs/store.md ("The background") for why each rule is
what it is. A rule here must never let a score resting on software, hosting and text
alone take a capture out of the background: the next site on that software would look
rare again (a cascade).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from revenant.fingerprint.kinds import kind as kind_of
from revenant.match.background import Background, Calibration
from revenant.match.score import operator_evidence
from revenant.model import CaseFingerprint, Feature, Fingerprint, Score, Verdict

CONFIRMED = "confirmed"
"""An analyst's decision (alert state, store/alerts.py) that a host is the case's."""

DISMISSED = "dismissed"
"""An analyst's decision that a host is not the case's, whatever it scored."""

RELATED_MIN_KINDS = 2
"""A stored host sharing this many independent operator identifiers with a case (its
favicon and its Telegram handle, say) is the case's, not an unrelated site."""

CALIBRATION_SAMPLE = 2000
"""Background captures sampled to calibrate similarity scores."""

SETTLE_GROWTH = 2
SETTLE_MIN = 50
"""A continuous watch scores its undecided alerts again once the background holds
SETTLE_GROWTH times the sites it held when they last were, plus SETTLE_MIN: scores move
materially only when the background does, and on a near-empty store they move most."""

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


def claims(score: Score | None, decision: str | None = None) -> bool:
    """Whether a case claims a capture as its own (so it is no unrelated site): an
    analyst confirmed its alert, or, unless an analyst dismissed it, it scored as a
    re-emergence resting on at least one of the case's operator identifiers
    (`score.operator_evidence`: a favicon, TLS key, account, wallet, handle counted as a
    rare observation).

    A re-emergence resting on software, hosting and text alone is not claimed: sites
    running the same software on the same hosting show as much, and taking each one out
    would make that software look rare to the next (the cascade of a near-empty store)."""
    if decision == CONFIRMED:
        return True
    if decision == DISMISSED or score is None:
        return False
    return score.verdict is Verdict.REEMERGENCE and bool(operator_evidence(score.contributions))


def in_background(scores: Iterable[Score], decisions: Mapping[str, str] | None = None) -> bool:
    """Whether a capture counts among unrelated sites: no case claims it, from its
    latest scores and the analysts' decisions on its host (`decisions`: case name ->
    alert state). A confirmed host is claimed even by a case it was not scored against
    this time."""
    decided = decisions or {}
    if any(state == CONFIRMED for state in decided.values()):
        return False
    return not any(claims(s, decided.get(s.case)) for s in scores)


def strongest(scores: Iterable[Score]) -> Verdict:
    """The strongest verdict among a capture's scores (unrelated when it has none)."""
    order = (Verdict.UNRELATED, Verdict.PROBABLE, Verdict.REEMERGENCE)
    return max((s.verdict for s in scores), key=order.index, default=Verdict.UNRELATED)


def settle_due(last: int | None, background_size: int) -> bool:
    """Whether undecided alerts should be scored again, the background now holding
    `background_size` sites and `last` when they last were (None: never)."""
    return last is None or background_size >= SETTLE_GROWTH * last + SETTLE_MIN


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
        if self._calibration is None or settle_due(self._measured_on, background_size):
            self._calibration = Background.from_fingerprints(
                sample(self.sample_size), with_seed=False, rng=random.Random(self._seed)
            ).calibration
            self._measured_on = background_size
        return self._calibration
