"""The matcher's background policy: who leaves the background, which hosts are the
case's own, and when similarity calibration is measured again."""

from __future__ import annotations

from revenant.match.policy import (
    Calibrator,
    claims,
    group_of,
    in_background,
    operator_features,
    operator_group,
    settle_due,
    strongest,
)
from revenant.model import (
    CaseFeature,
    CaseFingerprint,
    Contribution,
    Feature,
    Fingerprint,
    Score,
    Verdict,
)

SOFTWARE = (
    Contribution("asset_sha256:4488", 12.0, "the chat software's script"),
    Contribution("text:respect de tous", 8.0, "a line of its interface"),
    Contribution("net:127.3.26.0/24", 6.0, "its hosting provider's network"),
    Contribution("similarity:dom", 5.8, "its page structure"),
)
FAVICON = Contribution("favicon_mmh3:-495846046", 12.0, "the case's favicon")
WEAK_HANDLE = Contribution("telegram:coco_news", 3.0, "seen on many unrelated sites")


def _score(verdict: Verdict, *contributions: Contribution, case: str = "coco") -> Score:
    return Score("https://x.test/", case, 31.8, verdict, contributions=contributions)


def test_a_reemergence_on_software_hosting_and_text_alone_stays_in_the_background() -> None:
    assert in_background([_score(Verdict.REEMERGENCE, *SOFTWARE)])


def test_a_reemergence_on_an_operator_identifier_leaves() -> None:
    assert not in_background([_score(Verdict.REEMERGENCE, *SOFTWARE, FAVICON)])
    assert not in_background(
        [_score(Verdict.UNRELATED, case="other"), _score(Verdict.REEMERGENCE, FAVICON)]
    )


def test_an_operator_identifier_counted_as_common_is_no_claim() -> None:
    assert in_background([_score(Verdict.REEMERGENCE, *SOFTWARE, WEAK_HANDLE)])


def test_a_probable_match_stays_whatever_it_rests_on() -> None:
    assert in_background([_score(Verdict.PROBABLE, FAVICON)])
    assert in_background([])


def test_a_confirmed_host_leaves_whatever_its_scores() -> None:
    assert claims(None, "confirmed")
    assert not in_background([_score(Verdict.UNRELATED)], {"coco": "confirmed"})
    # confirmed for a case it was not scored against this time
    assert not in_background([_score(Verdict.UNRELATED)], {"other": "confirmed"})


def test_a_dismissed_host_stays_whatever_it_rests_on() -> None:
    claimed = _score(Verdict.REEMERGENCE, FAVICON)
    assert in_background([claimed], {"coco": "dismissed"})
    # dismissed for one case, claimed by another: out
    assert not in_background(
        [claimed, _score(Verdict.REEMERGENCE, FAVICON, case="b")], {"coco": "dismissed"}
    )


def test_an_open_or_needs_more_decision_leaves_it_to_the_scores() -> None:
    claimed = _score(Verdict.REEMERGENCE, FAVICON)
    assert not in_background([claimed], {"coco": "open"})
    assert in_background([_score(Verdict.REEMERGENCE, *SOFTWARE)], {"coco": "needs-more"})


def test_undecided_alerts_are_scored_again_once_the_background_has_doubled() -> None:
    assert settle_due(None, 0)
    assert not settle_due(0, 49)
    assert settle_due(0, 50)
    assert not settle_due(100, 249)
    assert settle_due(100, 250)


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


def test_the_strongest_verdict_of_a_capture() -> None:
    assert strongest([]) is Verdict.UNRELATED
    assert strongest([_score(Verdict.PROBABLE), _score(Verdict.UNRELATED)]) is Verdict.PROBABLE
    assert strongest([_score(Verdict.REEMERGENCE), _score(Verdict.PROBABLE)]) is Verdict.REEMERGENCE
