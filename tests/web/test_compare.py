"""The side-by-side model: shared and differing features, and the visible-text diff."""

from __future__ import annotations

from revenant.model import CaseFeature, Feature
from revenant.web.compare import feature_diff, text_diff


def test_feature_diff_splits_shared_and_differing_values_by_kind() -> None:
    case = [
        CaseFeature(Feature("ga", "UA-1-1")),
        CaseFeature(Feature("ga", "UA-2-1")),
        CaseFeature(Feature("server", "nginx"), excluded=True),
        CaseFeature(Feature("title", "chat")),
    ]
    alert = [Feature("ga", "UA-1-1"), Feature("ga", "UA-9-1"), Feature("server", "nginx")]
    diff = {d.kind: d for d in feature_diff(case, alert)}
    assert diff["ga"].shared == ["UA-1-1"]
    assert diff["ga"].case_only == ["UA-2-1"] and diff["ga"].alert_only == ["UA-9-1"]
    assert diff["server"].shared == [] and diff["server"].alert_only == ["nginx"]  # excluded
    assert diff["title"].case_only == ["chat"]
    assert next(iter(feature_diff(case, alert))).kind == "ga"  # kinds with shared values first


def test_text_diff_marks_same_removed_added_and_changed_lines() -> None:
    left = ["Bienvenue", "Salons", "Contact: a@b.fr", "Fin"]
    right = ["Bienvenue", "Salons", "Contact: z@y.fr", "Nouveau", "Fin"]
    ops = [(d.op, d.left, d.right) for d in text_diff(left, right)]
    assert ops[0] == ("same", "Bienvenue", "Bienvenue")
    assert ("changed", "Contact: a@b.fr", "Contact: z@y.fr") in ops
    assert ("added", "", "Nouveau") in ops or ("changed", "", "Nouveau") in ops
    assert ops[-1] == ("same", "Fin", "Fin")
    assert text_diff([], []) == []
