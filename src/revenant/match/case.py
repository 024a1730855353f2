"""The seized site as the matcher sees it: features with their stability across the
case's captures, editable by the analyst (pin a feature that must count, exclude one
that misleads)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from revenant.errors import UsageError
from revenant.model import Case, CaseFeature, CaseFingerprint, Feature, Fingerprint


def build_case_fingerprint(case: Case, fingerprints: Sequence[Fingerprint]) -> CaseFingerprint:
    """Union of the captures' features, each with the share of captures showing it."""
    counts: Counter[Feature] = Counter()
    usable = [
        fp
        for fp in fingerprints
        if fp.features or fp.text_simhash is not None or fp.shot_phash is not None
    ]
    for fp in usable:
        counts.update(fp.features)
    total = max(1, len(usable))
    features = tuple(
        CaseFeature(feature=f, stability=round(c / total, 4))
        for f, c in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return CaseFingerprint(
        case=case.name,
        features=features,
        references=tuple(usable),
        domains=tuple(d.lower().rstrip(".") for d in case.domains),
        brands=tuple(b.lower() for b in case.brands),
    )


def _edit(
    cf: CaseFingerprint, feature: Feature, *, pinned: bool, excluded: bool
) -> CaseFingerprint:
    found = False
    out = []
    for item in cf.features:
        if item.feature == feature:
            item = dataclasses.replace(item, pinned=pinned, excluded=excluded)
            found = True
        out.append(item)
    if not found:
        if pinned:
            out.append(CaseFeature(feature=feature, stability=1.0, pinned=True, excluded=excluded))
        else:
            raise UsageError(f"case {cf.case}: feature {feature} is not in its fingerprint")
    return dataclasses.replace(cf, features=tuple(out))


def pin(cf: CaseFingerprint, feature: Feature) -> CaseFingerprint:
    """Count `feature` in full (no stability weight, no group discount); added if absent."""
    return _edit(cf, feature, pinned=True, excluded=False)


def exclude(cf: CaseFingerprint, feature: Feature) -> CaseFingerprint:
    """Never count `feature` for this case."""
    return _edit(cf, feature, excluded=True, pinned=False)
