"""What each feature of a case fingerprint is worth: the bits a candidate showing that
feature alone would score, with the words the score gives it.

It is the scorer's own answer (a one-feature page scored against a one-feature case),
so caps, stability and pins apply exactly as when scoring; grouping cannot, since a
weight is per feature. An excluded feature is weighed as if it were included, so the
analyst sees what excluding it gives up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from revenant.match.background import Background
from revenant.match.score import score
from revenant.model import CaseFeature, CaseFingerprint, Contribution, Fingerprint


@dataclass(frozen=True)
class Weight:
    feature: CaseFeature
    bits: float  # 0 when under the scorer's reporting floor
    contribution: Contribution | None


def feature_weights(case_fp: CaseFingerprint, background: Background) -> list[Weight]:
    """One weight per feature of the case, strongest first."""
    out = []
    for cf in case_fp.features:
        alone = replace(case_fp, features=(replace(cf, excluded=False),), references=())
        page = Fingerprint(target="", features=frozenset({cf.feature}))
        result = score(alone, page, background)
        best = result.contributions[0] if result.contributions else None
        out.append(Weight(cf, best.bits if best else 0.0, best))
    out.sort(key=lambda w: (-w.bits, w.feature.feature))
    return out
