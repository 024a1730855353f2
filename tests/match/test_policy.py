"""The matcher's background policy: who leaves the background, which hosts are the
case's own, and when similarity calibration is measured again."""

from __future__ import annotations

from revenant.match.policy import (
    Calibrator,
    group_of,
    in_background,
    operator_features,
    operator_group,
)
from revenant.model import CaseFeature, CaseFingerprint, Feature, Fingerprint, Score, Verdict


def _score(verdict: Verdict) -> Score:
    return Score("https://x.test/", "coco", 0.0, verdict)


def test_only_a_reemergence_leaves_the_background() -> None:
    assert in_background([])
    assert in_background([_score(Verdict.UNRELATED), _score(Verdict.PROBABLE)])
    assert not in_background([_score(Verdict.PROBABLE), _score(Verdict.REEMERGENCE)])


def test_both_favicon_hashes_are_one_operator_identifier() -> None:
    assert operator_group("favicon_mmh3") == operator_group("favicon_sha256") == "favicon"
    assert operator_group("telegram") == "telegram"
    assert operator_group("server") is None
    assert group_of("server") == "server"


def test_excluded_and_template_features_are_not_operator_features() -> None:
    case = CaseFingerprint(
        "coco",
        (
            CaseFeature(Feature("telegram", "coco_news")),
            CaseFeature(Feature("btc", "bc1q"), excluded=True),
            CaseFeature(Feature("endpoint", "/ws/chat")),
        ),
    )
    assert operator_features(case) == [Feature("telegram", "coco_news")]


def test_calibration_is_measured_again_once_the_background_has_doubled() -> None:
    asked: list[int] = []

    def sample(n: int) -> list[Fingerprint]:
        asked.append(n)
        return []

    calibrator = Calibrator(sample_size=7)
    first = calibrator.current(100, sample)
    assert calibrator.current(249, sample) is first
    assert asked == [7]
    assert calibrator.current(250, sample) is not first
    assert asked == [7, 7]
