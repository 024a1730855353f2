"""Case fingerprints: stability across captures, pin and exclude."""

from __future__ import annotations

import pytest

from revenant.errors import UsageError
from revenant.match import build_case_fingerprint, exclude, pin
from revenant.model import Case, Feature, Fingerprint

A, B, C = Feature("ga", "UA-1-1"), Feature("cookie", "sid"), Feature("server", "nginx")


def _fp(*features: Feature) -> Fingerprint:
    return Fingerprint("https://papoti.fr/", frozenset(features))


def test_stability_is_share_of_captures() -> None:
    cf = build_case_fingerprint(
        Case("papoti", ("papoti.fr",), ("papoti",)), [_fp(A, B), _fp(A), _fp(A, C), _fp()]
    )
    stab = {f.feature: f.stability for f in cf.features}
    assert stab[A] == 1.0
    assert stab[B] == stab[C] == round(1 / 3, 4)  # of the 3 usable captures
    assert cf.domains == ("papoti.fr",) and cf.brands == ("papoti",)
    assert len(cf.references) == 3  # the empty capture is no reference


def test_pin_and_exclude() -> None:
    cf = build_case_fingerprint(Case("papoti", ()), [_fp(A, B)])
    cf = exclude(pin(cf, B), A)
    flags = {f.feature: (f.pinned, f.excluded) for f in cf.features}
    assert flags[A] == (False, True) and flags[B] == (True, False)
    cf = pin(cf, C)  # pinning adds a feature the analyst knows about
    assert any(f.feature == C and f.pinned for f in cf.features)
    with pytest.raises(UsageError):
        exclude(cf, Feature("ga", "UA-nope"))
