"""End to end on a small generated scenario: re-emergences above every decoy and
background site, scored with the same code the monitor uses.

Sites become captures in-process with the benchmark's converter (bench/eval_match.py),
so the test needs no network; the testnet's own tests cover serving them.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest

from revenant.fingerprint import extract
from revenant.match import Background, build_case_fingerprint, score
from revenant.model import Verdict

scenario = pytest.importorskip("revenant.testnet.scenario")
_spec = importlib.util.spec_from_file_location(
    "eval_match", Path(__file__).resolve().parents[2] / "bench" / "eval_match.py"
)
assert _spec and _spec.loader
eval_match = importlib.util.module_from_spec(_spec)
sys.modules["eval_match"] = eval_match  # dataclasses look their module up there
_spec.loader.exec_module(eval_match)


def test_reemergences_rank_above_decoys_and_background() -> None:
    sc = scenario.generate(11, reemergences=6, decoys=21, background=60)
    rng = random.Random(11)
    fps = {s.name: extract(eval_match.site_capture(s, rng)) for s in sc.sites}
    unrelated = [fps[s.name] for s in sc.sites if s.operator != "case"]
    bg = Background.from_fingerprints(unrelated)
    case_fp = build_case_fingerprint(sc.case(), [fps[sc.seized.name]])
    scores = {s.name: score(case_fp, fps[s.name], bg) for s in sc.sites if s.label != "seized"}
    positives = [scores[s.name].bits for s in sc.sites if s.label == "re-emergence"]
    negatives = [scores[s.name].bits for s in sc.sites if s.label in ("decoy", "background")]
    assert min(positives) > max(negatives)
    assert all(
        scores[s.name].verdict is not Verdict.UNRELATED
        for s in sc.sites
        if s.label == "re-emergence"
    )
    top = max(scores.values(), key=lambda s: s.bits)
    assert top.contributions and top.contributions[0].why.startswith(
        ("shares", "visible", "page", "host")
    )
