"""Rebuild the likelihood-ratio validation set and the calibration shipped with it.

    .venv/bin/python scripts/lr_validation.py            # writes src/revenant/data/lr_validation.json.gz
    .venv/bin/python scripts/lr_validation.py --check    # rebuild in memory, compare, write nothing

Validation pairs, each scored in bits by the current code exactly as bench/eval_match.py
scores its own (the same captures, backgrounds that never hold the case's operator or
the scored site, similarity calibration from other seeds or sites):
- scenario: seeds 101-124 of `revenant.testnet.scenario.generate` scored together
  (a store of about 7,000 sites), seeds 125-140 each scored alone (a store of about
  135 sites, as `eval_match.py --seeds 1`); the bench uses seeds 1-8, the tests others
  below 100. The seized site is the case, its re-emergences are same-operator pairs,
  its decoys and background sites different-operator pairs;
- real pages (../shared/data/pages): every page is a case, the other pages of its site
  same-operator pairs, every page of another site a different-operator pair.

The calibration (match/lr.py) is fitted on all of them; the figures printed (and kept
in the file's "about") are Cllr of cross-validated ratios (5 folds by scenario seed and
by real site: no pair judged by a calibration that saw its group), Cllr_min, and the
ELUB of the shipped fit. --tippett writes the Tippett plot of the cross-validated ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import astuple
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import eval_match  # noqa: E402  (bench/eval_match.py: captures, pairs and backgrounds)
from revenant.match import lr  # noqa: E402

OUT = ROOT / "src" / "revenant" / "data" / lr.VALIDATION_FILE
FIRST_SEED = 101


def build(seeds: int, small: int) -> list[eval_match.Pair]:
    """Score every validation pair with the current code: `seeds` scenario seeds scored
    together (each against a store of all the others: a large store), then `small`
    more, each alone (against the other half of its own sites: a small store), then
    the real pages (against the 89-odd other pages: a small store)."""
    pairs: list[eval_match.Pair] = []
    first_small = FIRST_SEED + seeds
    if seeds:
        together = list(range(FIRST_SEED, first_small))
        pairs += eval_match.eval_scenario(together, 30, 70, 200).pairs
    for seed in range(first_small, first_small + small):
        pairs += eval_match.eval_scenario([seed], 30, 70, 200).pairs
    pairs += eval_match.eval_pages(every_case=True).pairs
    return pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--seeds", type=int, default=24, help="scenario seeds scored together (default 24)"
    )
    ap.add_argument(
        "--small-seeds", type=int, default=16, help="scenario seeds scored alone (default 16)"
    )
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--tippett", type=Path, default=None, help="write the Tippett plot here")
    ap.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    pairs = build(args.seeds, args.small_seeds)
    rows = [[*astuple(p)[:-1], round(p.bits, 4)] for p in pairs]
    bits = [r[-1] for r in rows]
    same = [bool(p.same) for p in pairs]
    groups = [f"{p.set}:{p.group}" for p in pairs]
    model = lr.fit(bits, same)
    cv = lr.cross_validated(bits, same, groups)
    y = np.array(same)
    counts = Counter((p.set, p.same) for p in pairs)
    about = {
        "built_by": "scripts/lr_validation.py",
        "scenario_seeds_together": [FIRST_SEED, FIRST_SEED + args.seeds - 1],
        "scenario_seeds_alone": [
            FIRST_SEED + args.seeds,
            FIRST_SEED + args.seeds + args.small_seeds - 1,
        ],
        "pairs": {
            f"{name} {'same' if truth else 'different'}": n
            for (name, truth), n in sorted(counts.items())
        },
        "cllr_cross_validated": round(lr.cllr(cv, y), 4),
        "cllr_min": round(lr.cllr_min(bits, y), 4),
        "cllr_of_the_fit_on_itself": round(lr.cllr([model.log10(b)[0] for b in bits], y), 4),
        "elub_log10": [model.lower, model.upper],
    }
    data = lr.dump_validation(rows, model, about)
    print(
        f"{len(pairs):,} pairs ({int(y.sum()):,} same-operator, {int((~y).sum()):,} "
        f"different-operator): {about['pairs']}"
    )
    print(
        f"Cllr={about['cllr_cross_validated']:.3f} (5-fold cross-validated) "
        f"Cllr_min={about['cllr_min']:.3f} ELUB=[1/{10**-model.lower:,.0f}, "
        f"{10**model.upper:,.0f}] ({time.perf_counter() - t:.0f} s)"
    )
    if args.tippett is not None:
        eval_match.tippett_png(
            args.tippett,
            cv,
            y,
            f"LR validation set, 5-fold cross-validated ({len(pairs):,} pairs)",
        )
        print(f"Tippett plot: {args.tippett}")
    if args.check:
        same_file = args.out.exists() and args.out.read_bytes() == data
        print(f"{args.out}: {'unchanged' if same_file else 'DIFFERS from this rebuild'}")
        return 0 if same_file else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
