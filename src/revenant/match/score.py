"""A candidate against a case fingerprint, in bits of evidence.

Each shared discrete feature adds log2(1/p), p its prevalence among unrelated sites
(`Background`); text and DOM similarity add -log2 of how often an unrelated pair is at
least that similar; name resemblance adds a few bits. Features that come together (one
template, one hosting provider, one favicon file) form a group: its strongest member
counts in full, the next at half, the next at a quarter, and so on, so a copied theme
with forty files weighs at most twice its rarest file. Nothing ever subtracts: a score
never drops when shared evidence is added. The model is written down in
docs/scoring.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from revenant.fingerprint.kinds import KINDS, kind
from revenant.fingerprint.names import brand_label, brand_tokens, registrable
from revenant.fingerprint.text import hamming, jaccard
from revenant.match.background import MIN_WORDS, PRIOR_Q, Background, Tail
from revenant.match.explain import (
    bits_words,
    feature_words,
    no_operator_words,
    platform_words,
    sentence,
    similarity_words,
)
from revenant.match.lr import LrModel, shipped_model
from revenant.match.platforms import shared_platform
from revenant.model import (
    CaseFingerprint,
    Contribution,
    Feature,
    Fingerprint,
    Observed,
    Score,
    Verdict,
)

DEFAULT_THRESHOLDS = (30.0, 15.0)
DISCOUNT = 0.5  # weight of the k-th member of a group: DISCOUNT ** (k - 1)
MIN_BITS = 0.5  # contributions below this are noise and not listed
WEAK_BITS = 6.0
"""Observations worth less than this (seen on more than 1 site in 64) are pooled into
one group, whatever their kind: common things co-occur for reasons the model does not
see (one hosting stack, one software bundle), so many weak hints add up to at most
about twice the strongest of them, and never more than COMMON_MAX_BITS, instead of
to a false alarm."""

COMMON_MAX_BITS = 8.0

THIRD_PARTY_MAX_BITS = 4.0
THIRD_PARTY_REASON = "what another site serves or receives is shared by design"
"""A file, endpoint or form on someone else's host (CDN, ad network, widget) is shared
by design."""

OPERATOR_MIN_BITS = WEAK_BITS
"""An operator identifier (favicon, TLS key, account, wallet, handle: the `operator`
column of fingerprint/kinds.py) is evidence of the operator only as a rare observation:
one counted for fewer bits is seen on more than 1 unrelated site in 64, as common as
any weak hint."""

CASE_LINK_BITS = 4.0
"""A link to one of the case's domains: sites of one sector link to each other all the
time (news of the seizure, lists, forums), so it is a hint, not an operator's mark."""

SHIPPED = "shipped"
"""`score(..., lr_model=SHIPPED)`: the calibration shipped with Revenant."""

_PRIOR_MODELS = {
    "text": f"each SimHash bit of unrelated pages differs with probability {PRIOR_Q['text_hamming']}",
    "dom": f"each SimHash bit of unrelated pages differs with probability {PRIOR_Q['dom_hamming']}",
    "jaccard": "a fixed table of how many word shingles unrelated pages share",
    "screenshot": "each pHash bit of unrelated rendered pages differs with probability "
    f"{PRIOR_Q['shot_hamming']}",
}


@dataclass
class _Item:
    group: str
    feature: str
    bits: float
    words: str
    pinned: bool = False
    observed: Observed | None = None
    prior: float | None = None
    seed: float | None = None
    cap: float | None = None


def score(
    case_fp: CaseFingerprint,
    fp: Fingerprint,
    background: Background,
    *,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    lr_model: LrModel | str | None = SHIPPED,
) -> Score:
    """Bits of evidence that `fp` is the case's platform, with verdict, explanation and
    the likelihood ratio a report quotes (`lr_model`: SHIPPED, a fitted model, or None
    for none)."""
    items = _one_per_provider(_discrete(case_fp, fp, background))
    items += _similarities(case_fp, fp, background)
    contributions, total = _combine(items)
    high, low = thresholds
    verdict = (
        Verdict.REEMERGENCE
        if total >= high
        else Verdict.PROBABLE
        if total >= low
        else Verdict.UNRELATED
    )
    model = shipped_model() if lr_model == SHIPPED else lr_model
    lr = model.report(total) if isinstance(model, LrModel) else None
    words = sentence(fp.host or fp.target, case_fp.case, lr)
    if verdict is not Verdict.UNRELATED and not operator_evidence(contributions):
        areas = _areas(contributions)
        words += " " + no_operator_words(
            case_fp.case, total, areas, background.observed, OPERATOR_MIN_BITS
        )
    return Score(
        target=fp.target,
        case=case_fp.case,
        bits=total,
        verdict=verdict,
        sentence=words,
        contributions=tuple(contributions),
        lr=lr,
    )


def contribution_kind(c: Contribution) -> str:
    """The feature kind a contribution counts ("favicon_mmh3", "similarity:text")."""
    return c.feature if c.feature in KINDS else c.feature.partition(":")[0]


def operator_evidence(contributions: Iterable[Contribution]) -> tuple[str, ...]:
    """The operator identifiers a score rests on: the operator groups (favicon, spki,
    telegram, btc, ga...) of its contributions counted for at least OPERATOR_MIN_BITS.
    Empty when the score rests on software, hosting, text and name alone."""
    return tuple(
        sorted(
            {
                group
                for c in contributions
                if c.bits >= OPERATOR_MIN_BITS
                and (group := kind(contribution_kind(c)).operator) is not None
            }
        )
    )


_AREAS = {
    "template": "software",
    "hosting": "hosting",
    "certificate": "certificate",
    "content": "text",
    "links": "links",
    "name": "host name",
}
"""How the caveat names the groups of observations a score rests on (kinds.py `group`);
any other (a favicon or an identifier counted as common) is "other"."""


def _areas(contributions: Iterable[Contribution]) -> list[str]:
    """What a score's observations are about, strongest first: "software", "hosting"."""
    bits: dict[str, float] = defaultdict(float)
    for c in contributions:
        bits[_AREAS.get(kind(contribution_kind(c)).group or "", "other")] += c.bits
    return [area for area, _ in sorted(bits.items(), key=lambda a: (-a[1], a[0]))]


def _cap(f: Feature) -> tuple[float, str]:
    """The most bits one observation of `f` may earn, and why."""
    row = kind(f.kind)
    third_party = (
        (f.kind in ("asset_url", "endpoint") and f.value.startswith(("//", "http")))
        or (f.kind == "asset_url" and not f.value.startswith("/"))
        or (f.kind == "form" and not f.value.partition(" ")[2].startswith(("/", "|")))
    )
    if third_party and row.cap > THIRD_PARTY_MAX_BITS:
        return THIRD_PARTY_MAX_BITS, THIRD_PARTY_REASON
    return row.cap, row.cap_reason


def _discrete(case_fp: CaseFingerprint, fp: Fingerprint, bg: Background) -> list[_Item]:
    out = []
    platform = shared_platform(case_fp, fp)
    for cf in case_fp.features:
        if cf.excluded or cf.feature not in fp.features:
            continue
        f = cf.feature
        prev = bg.evidence(f)
        on_platform = platform if platform is not None and kind(f.kind).tracker else None
        if on_platform is not None and on_platform.share > prev.p:
            prev = prev._replace(
                p=on_platform.share, basis="platform", seed_share=on_platform.share
            )
        raw = -math.log2(prev.p)
        cap, reason = _cap(f)
        bits = min(raw, cap)
        capped = raw > cap
        words = feature_words(f, prev, (cap, reason) if capped else None)
        if prev.basis == "platform" and on_platform is not None:
            words += "; " + platform_words(on_platform)
        if cf.pinned:
            words += " (pinned by the analyst)"
        elif cf.stability < 1.0:
            bits *= 0.5 + 0.5 * cf.stability
            words += f" (seen in {cf.stability:.0%} of the case's captures)"
        group = kind(f.kind).group or str(f)
        out.append(
            _Item(
                group,
                str(f),
                bits,
                words,
                cf.pinned,
                observed=Observed(prev.df, prev.n),
                prior=prev.one_in if prev.basis == "prior" and not capped else None,
                seed=prev.seed_share if prev.basis in ("seed", "platform") and not capped else None,
                cap=cap if capped else None,
            )
        )
    return out


def _one_per_provider(items: list[_Item]) -> list[_Item]:
    """Keep the strongest of the shared servers of one provider (ns1 and
    ns2.provider.net are one choice of DNS host) and say how many more there were."""
    best: dict[tuple[str, str], _Item] = {}
    more: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for item in items:
        kind_name, _, value = item.feature.partition(":")
        if item.pinned or not kind(kind_name).per_provider:
            out.append(item)
            continue
        key = (kind_name, registrable(value) or value)
        held = best.get(key)
        if held is None or (item.bits, held.feature) > (held.bits, item.feature):
            best[key] = item
        more[key] += 1
    for key, item in sorted(best.items()):
        if more[key] > 1:
            item.words += (
                f" (and {more[key] - 1} more of {key[1]}'s servers: one provider, counted once)"
            )
        out.append(item)
    return out


def _similarity(name: str, what: str, detail: str, tail: Tail, prior_model: str) -> _Item:
    row = kind(name)
    raw = -math.log2(tail.p) if tail.p > 0 else math.inf
    capped = raw > row.cap
    bits = min(raw, row.cap)
    words = similarity_words(
        what, detail, tail, prior_model, (row.cap, row.cap_reason) if capped else None
    )
    return _Item(
        row.group or name,
        name,
        bits,
        words,
        observed=Observed(tail.k, tail.m, "pairs") if tail.m else None,
        prior=1 / tail.p if tail.by_prior and not capped else None,
        cap=row.cap if capped else None,
    )


def _stronger(best: _Item | None, new: _Item) -> _Item:
    """The stronger of the best so far and a new similarity observation."""
    return best if best is not None and best.bits >= new.bits else new


def _similarities(case_fp: CaseFingerprint, fp: Fingerprint, bg: Background) -> list[_Item]:
    out: list[_Item] = []
    cal = bg.calibration
    best_text: _Item | None = None
    best_dom: _Item | None = None
    for ref in case_fp.references:
        if min(ref.text_words, fp.text_words) >= MIN_WORDS:
            if ref.text_simhash is not None and fp.text_simhash is not None:
                d = hamming(ref.text_simhash, fp.text_simhash)
                tail = cal.hamming_tail("text_hamming", d)
                detail = f"{d} of 64 SimHash bits apart"
                new = _similarity(
                    "similarity:text", "visible text", detail, tail, _PRIOR_MODELS["text"]
                )
                best_text = _stronger(best_text, new)
            j = jaccard(ref.text_minhash, fp.text_minhash)
            if j > 0:
                tail = cal.jaccard_tail("text_jaccard", j)
                detail = f"shares {j:.0%} of its word shingles"
                new = _similarity(
                    "similarity:text", "visible text", detail, tail, _PRIOR_MODELS["jaccard"]
                )
                best_text = _stronger(best_text, new)
        if ref.dom_simhash is not None and fp.dom_simhash is not None:
            d = hamming(ref.dom_simhash, fp.dom_simhash)
            tail = cal.hamming_tail("dom_hamming", d)
            detail = f"{d} of 64 SimHash bits apart"
            new = _similarity(
                "similarity:dom", "page structure", detail, tail, _PRIOR_MODELS["dom"]
            )
            best_dom = _stronger(best_dom, new)
    shot = _screenshot_item(case_fp, fp, bg)
    out.extend(item for item in (best_text, best_dom, shot) if item is not None and item.bits > 0)
    name = _name_item(case_fp, fp)
    if name is not None:
        out.append(name)
    return out


def _screenshot_item(case_fp: CaseFingerprint, fp: Fingerprint, bg: Background) -> _Item | None:
    """How alike the first screens of two rendered captures look (pHash distance),
    against how often unrelated rendered pages look that alike; the template's group."""
    best: _Item | None = None
    if fp.shot_phash is None:
        return None
    for ref in case_fp.references:
        if ref.shot_phash is None:
            continue
        d = hamming(ref.shot_phash, fp.shot_phash)
        tail = bg.calibration.hamming_tail("shot_hamming", d)
        detail = f"{d} of 64 pHash bits apart"
        new = _similarity(
            "similarity:screenshot",
            "rendered first screen",
            detail,
            tail,
            _PRIOR_MODELS["screenshot"],
        )
        best = _stronger(best, new)
    return best


def _name_item(case_fp: CaseFingerprint, fp: Fingerprint) -> _Item | None:
    """A few bits when the host name resembles the case's domains or brand words, or the
    page links to one of the case's domains (a "we moved" notice, an old footer).

    Look-alike names are cheap to register and typosquatters are not the operator, so
    this is capped low (the kinds table); it ranks, it cannot convict.
    """
    if not fp.host or not (case_fp.domains or case_fp.brands):
        return None
    label = brand_label(fp.host)
    tokens = set(fp.brand_tokens) or set(brand_tokens(fp.host))
    case_labels = {brand_label(d) for d in case_fp.domains if d}
    case_tokens = set(case_fp.brands) | {t for d in case_fp.domains for t in brand_tokens(d)}
    best, why = 0.0, ""
    if label and label in case_labels:
        best, why = 8.0, f"host name {fp.host} has the case's domain label '{label}'"
    for tok in tokens & case_tokens:
        bits = min(6.0, 1.5 * (len(tok) - 2))
        if bits > best:
            best, why = bits, f"host name {fp.host} contains the case's brand word '{tok}'"
    for cl in case_labels:
        if label and cl and len(cl) >= 4 and label != cl:
            sim = Levenshtein.normalized_similarity(label, cl)
            bits = 4.0 * sim if sim >= 0.75 else 0.0
            if bits > best:
                best, why = (
                    bits,
                    f"host name {fp.host} resembles the case's '{cl}' ({sim:.0%} similar)",
                )
    case_sites = {registrable(d) for d in case_fp.domains if d}
    for f in fp.features:
        if f.kind == "link_host" and f.value in case_sites and best < CASE_LINK_BITS:
            best, why = CASE_LINK_BITS, f"{fp.host} links to the case's domain {f.value}"
    if best < MIN_BITS:
        return None
    row = kind("similarity:name")
    bits = min(best, row.cap)
    words = f"{why} — a set weight, not a measured frequency (assumption)"
    if best > row.cap:
        words += f"; capped at {row.cap:g} bits: {row.cap_reason}"
    return _Item(
        row.group or "name", row.name, bits, words, cap=row.cap if best > row.cap else None
    )


def _combine(items: list[_Item]) -> tuple[list[Contribution], float]:
    """Group items, weight the k-th strongest of a group by DISCOUNT**(k-1), sum; the
    common pool stops at COMMON_MAX_BITS (min(cap, sum) keeps the total monotone)."""
    groups: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        if item.pinned:
            key = f"pinned:{item.feature}"
        elif item.bits < WEAK_BITS:
            key = "common"
        else:
            key = item.group
        groups[key].append(item)
    contributions: list[Contribution] = []
    total = 0.0
    for group, members in groups.items():
        members.sort(key=lambda i: (-i.bits, i.feature))
        budget = COMMON_MAX_BITS if group == "common" else math.inf
        for rank, item in enumerate(members):
            weight = DISCOUNT**rank
            bits = min(item.bits * weight, budget)
            budget -= bits
            total += bits
            if bits < MIN_BITS:
                continue
            reason = ""
            if rank:
                reason = (
                    "another common observation"
                    if group == "common"
                    else f"same {group} as a stronger observation"
                )
            contributions.append(
                Contribution(
                    feature=item.feature,
                    bits=bits,
                    why=item.words + bits_words(bits, weight, reason),
                    observed=item.observed,
                    prior=item.prior,
                    seed=item.seed,
                    cap=item.cap,
                )
            )
    contributions.sort(key=lambda c: (-c.bits, c.feature))
    return contributions, total
