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
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from revenant.fingerprint.names import brand_label, brand_tokens, registrable
from revenant.fingerprint.text import hamming, jaccard
from revenant.match.background import MIN_WORDS, Background
from revenant.match.explain import feature_why, sentence, similarity_why
from revenant.model import CaseFingerprint, Contribution, Fingerprint, Score, Verdict

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

GROUPS: dict[str, str] = {
    **dict.fromkeys(
        ("asset_url", "build_asset", "script_host", "generator", "inline_script", "form",
         "form_fields", "endpoint", "cookie", "asset_sha256", "dom"),
        "template",
    ),
    **dict.fromkeys(
        ("ip", "net", "asn", "ns", "mx", "hhhash", "server", "powered_by", "issuer"), "hosting"
    ),
    **dict.fromkeys(("spki", "san"), "certificate"),
    **dict.fromkeys(("favicon_mmh3", "favicon_sha256"), "favicon"),
    **dict.fromkeys(("text", "title", "similarity:text"), "content"),
    "link_host": "links",
    "name": "name",
}  # fmt: skip
"""Kinds that tend to come together. Identifier kinds (analytics ids, wallets, handles,
e-mail, onion, PGP, phone) are absent: each value is its own group."""

KIND_MAX_BITS: dict[str, float] = {
    "server": 4.0, "powered_by": 4.0, "cookie": 4.0, "issuer": 3.0, "generator": 4.0,
    "hhhash": 6.0, "form_fields": 6.0, "script_host": 4.0, "link_host": 5.0,
    "inline_script": 5.0, "asn": 4.0,
    "net": 6.0, "ip": 8.0, "ns": 6.0, "mx": 6.0, "title": 8.0, "asset_url": 10.0,
    "endpoint": 10.0, "form": 10.0, "san": 10.0, "text": 8.0,
}  # fmt: skip
"""Caps for kinds whose rarity the background overstates: configuration choices shared
by many unrelated operators, outbound links (ad and affiliate widgets, sister sites),
inline scripts (vendor snippets are pasted verbatim; the ids inside them are extracted
as identifiers anyway). Caps below WEAK_BITS put a kind in the common pool for good.
Identifiers and hashes of files are uncapped."""

THIRD_PARTY_MAX_BITS = 4.0
"""A file served from someone else's host (CDN, ad network) is shared by design."""

SIMILARITY_MAX_BITS = {"text": 16.0, "dom": 10.0, "name": 8.0, "screenshot": 8.0}
"""The screenshot's cap is the lowest of the template's: one theme looks the same on
every site that bought it."""


@dataclass
class _Item:
    group: str
    feature: str
    bits: float
    why: str
    pinned: bool = False


def score(
    case_fp: CaseFingerprint,
    fp: Fingerprint,
    background: Background,
    *,
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
) -> Score:
    """Bits of evidence that `fp` is the case's platform, with verdict and explanation."""
    items = _discrete(case_fp, fp, background) + _similarities(case_fp, fp, background)
    contributions, total = _combine(items)
    high, low = thresholds
    verdict = (
        Verdict.REEMERGENCE
        if total >= high
        else Verdict.PROBABLE
        if total >= low
        else Verdict.UNRELATED
    )
    return Score(
        target=fp.target,
        case=case_fp.case,
        bits=total,
        verdict=verdict,
        sentence=sentence(fp.host or fp.target, case_fp.case, total, verdict),
        contributions=tuple(contributions),
    )


def _discrete(case_fp: CaseFingerprint, fp: Fingerprint, bg: Background) -> list[_Item]:
    out = []
    for cf in case_fp.features:
        if cf.excluded or cf.feature not in fp.features:
            continue
        f = cf.feature
        p, df, n = bg.evidence(f)
        raw = -math.log2(p)
        cap = KIND_MAX_BITS.get(f.kind, math.inf)
        if (f.kind in ("asset_url", "endpoint") and f.value.startswith(("//", "http"))) or (
            f.kind == "asset_url" and not f.value.startswith("/")
        ):
            cap = THIRD_PARTY_MAX_BITS
        bits = min(raw, cap)
        note = ""
        if not cf.pinned and cf.stability < 1.0:
            bits *= 0.5 + 0.5 * cf.stability
            note = f"seen in {cf.stability:.0%} of the case's captures"
        if cf.pinned:
            note = "pinned by the analyst"
        group = GROUPS.get(f.kind, str(f))
        out.append(_Item(group, str(f), bits, feature_why(f, df, n, bits, note), cf.pinned))
    return out


def _bits(p: float, cap: float) -> float:
    return min(cap, -math.log2(p)) if p > 0 else cap


def _stronger(best: _Item | None, group: str, name: str, bits: float, why: str) -> _Item:
    """The stronger of the best so far and a new similarity observation."""
    if best is not None and best.bits >= bits:
        return best
    return _Item(group, name, bits, why)


def _similarities(case_fp: CaseFingerprint, fp: Fingerprint, bg: Background) -> list[_Item]:
    out: list[_Item] = []
    cal = bg.calibration
    best_text: _Item | None = None
    best_dom: _Item | None = None
    for ref in case_fp.references:
        if min(ref.text_words, fp.text_words) >= MIN_WORDS:
            if ref.text_simhash is not None and fp.text_simhash is not None:
                d = hamming(ref.text_simhash, fp.text_simhash)
                p, k, m = cal.hamming_tail("text_hamming", d)
                bits = _bits(p, SIMILARITY_MAX_BITS["text"])
                why = similarity_why("visible text", f"{d} of 64 SimHash bits apart", k, m, p, bits)
                best_text = _stronger(best_text, "content", "similarity:text", bits, why)
            j = jaccard(ref.text_minhash, fp.text_minhash)
            if j > 0:
                p, k, m = cal.jaccard_tail("text_jaccard", j)
                bits = _bits(p, SIMILARITY_MAX_BITS["text"])
                why = similarity_why(
                    "visible text", f"shares {j:.0%} of its word shingles", k, m, p, bits
                )
                best_text = _stronger(best_text, "content", "similarity:text", bits, why)
        if ref.dom_simhash is not None and fp.dom_simhash is not None:
            d = hamming(ref.dom_simhash, fp.dom_simhash)
            p, k, m = cal.hamming_tail("dom_hamming", d)
            bits = _bits(p, SIMILARITY_MAX_BITS["dom"])
            why = similarity_why("page structure", f"{d} of 64 SimHash bits apart", k, m, p, bits)
            best_dom = _stronger(best_dom, "template", "similarity:dom", bits, why)
    out.extend(item for item in (best_text, best_dom, _screenshot_item(case_fp, fp, bg)) if item)
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
        p, k, m = bg.calibration.hamming_tail("shot_hamming", d)
        bits = _bits(p, SIMILARITY_MAX_BITS["screenshot"])
        why = similarity_why("rendered first screen", f"{d} of 64 pHash bits apart", k, m, p, bits)
        best = _stronger(best, "template", "similarity:screenshot", bits, why)
    return best


def _name_item(case_fp: CaseFingerprint, fp: Fingerprint) -> _Item | None:
    """A few bits when the host name resembles the case's domains or brand words, or the
    page links to one of the case's domains (a "we moved" notice, an old footer).

    Look-alike names are cheap to register and typosquatters are not the operator, so
    this is capped low (SIMILARITY_MAX_BITS["name"]); it ranks, it cannot convict.
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
        if f.kind == "link_host" and f.value in case_sites and best < 8.0:
            best, why = 8.0, f"{fp.host} links to the case's domain {f.value}"
    if best < MIN_BITS:
        return None
    bits = min(best, SIMILARITY_MAX_BITS["name"])
    return _Item("name", "similarity:name", bits, f"{why}: +{bits:.1f} bits")


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
            why = item.why
            if rank:
                reason = (
                    "another common observation"
                    if group == "common"
                    else f"same {group} as a stronger observation"
                )
                why = (
                    why.rsplit(": +", 1)[0]
                    + f": +{bits:.1f} bits (counted at {weight:.0%}: {reason})"
                )
            contributions.append(Contribution(feature=item.feature, bits=bits, why=why))
    contributions.sort(key=lambda c: (-c.bits, c.feature))
    return contributions, total
