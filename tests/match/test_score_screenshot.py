"""The rendered screenshot as a similarity: calibrated on unrelated pairs like the text
and DOM sketches, capped low, and counted in the template group."""

from __future__ import annotations

import random

from revenant.fingerprint.kinds import kind
from revenant.match import Background, build_case_fingerprint, score
from revenant.model import Case, Feature, Fingerprint

CASE = Case("papoti", ("papoti.fr",), ("papoti",))
LOOK = 0x9F3A_61C4_0B7E_D215
ASSET = Feature("asset_sha256", "ab" * 32)


def _fp(shot: int | None, *features: Feature, host: str = "other.net") -> Fingerprint:
    return Fingerprint(f"https://{host}/", frozenset(features), host=host, shot_phash=shot)


def _near(value: int, bits: int) -> int:
    for i in range(bits):
        value ^= 1 << (i * 7 % 64)
    return value


def _item(result, name: str = "similarity:screenshot"):
    return next((c for c in result.contributions if c.feature == name), None)


def test_an_identical_first_screen_adds_the_capped_bits_by_the_prior() -> None:
    case_fp = build_case_fingerprint(CASE, [_fp(LOOK, host="papoti.fr")])
    result = score(case_fp, _fp(LOOK), Background())
    item = _item(result)
    assert item is not None and item.bits == kind("similarity:screenshot").cap
    assert "rendered first screen 0 of 64 pHash bits apart" in item.why
    assert "by the prior model" in item.why


def test_without_a_screenshot_on_either_side_nothing_is_added() -> None:
    case_fp = build_case_fingerprint(CASE, [_fp(LOOK, host="papoti.fr")])
    assert _item(score(case_fp, _fp(None), Background())) is None
    bare = build_case_fingerprint(CASE, [_fp(None, host="papoti.fr")])
    assert _item(score(bare, _fp(LOOK), Background())) is None


def test_calibration_makes_a_look_shared_by_unrelated_sites_worth_little() -> None:
    """If unrelated rendered pages often look this alike, the distance is no evidence."""
    rng = random.Random(4)
    alike = [_fp(_near(LOOK, rng.randrange(0, 4)), host=f"u{i}.net") for i in range(60)]
    bg = Background.from_fingerprints(alike, rng=random.Random(1))
    assert len(bg.calibration.samples["shot_hamming"]) >= 200
    case_fp = build_case_fingerprint(CASE, [_fp(LOOK, host="papoti.fr")])
    item = _item(score(case_fp, _fp(_near(LOOK, 2)), bg))
    assert item is None or item.bits < 2
    varied = [_fp(rng.getrandbits(64), host=f"v{i}.net") for i in range(60)]
    bg2 = Background.from_fingerprints(varied, rng=random.Random(1))
    strong = _item(score(case_fp, _fp(_near(LOOK, 2)), bg2))
    assert strong is not None and strong.bits >= 6 and "unrelated pairs" in strong.why


def test_the_screenshot_counts_in_the_template_group() -> None:
    case_fp = build_case_fingerprint(CASE, [_fp(LOOK, ASSET, host="papoti.fr")])
    result = score(case_fp, _fp(LOOK, ASSET), Background())
    shot = _item(result)
    asset = _item(result, str(ASSET))
    assert shot is not None and asset is not None
    assert "same template as a stronger observation" in shot.why
