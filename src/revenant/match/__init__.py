"""Scoring a candidate against a case, in bits of evidence (DESIGN.md, stage 5).

Public surface: `Background`, `build_case_fingerprint`, `pin`, `exclude`, `score`,
`NearDuplicateIndex`; `match.lr` for the reported likelihood ratio (calibration, ELUB,
Cllr, the ENFSI verbal scale).
"""

from revenant.match.background import Background, Calibration
from revenant.match.case import build_case_fingerprint, exclude, pin
from revenant.match.index import Match, NearDuplicateIndex, SimHashIndex
from revenant.match.score import DEFAULT_THRESHOLDS, score

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Background",
    "Calibration",
    "Match",
    "NearDuplicateIndex",
    "SimHashIndex",
    "build_case_fingerprint",
    "exclude",
    "pin",
    "score",
]
