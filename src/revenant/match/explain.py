"""Words for evidence: what a contribution says about what was observed and what was
assumed, and the evaluative sentence of a total.

A report quotes these words, so they must survive a hostile reading: a count is only
ever the store's own ("seen on 5 of 224 unrelated sites in this store"); whatever
else set the bits is named as what it is, a prior, the general-knowledge seed or a
cap, each with its reason. The sentence is forensic evaluative reporting (ENFSI
guideline, 2015): a likelihood ratio between two propositions, never a probability
that the site "is" the platform, worded with the ENFSI verbal scale (match/lr.py).
"""

from __future__ import annotations

from revenant.fingerprint.kinds import kind, unseen_prior
from revenant.match.background import Prevalence, Tail
from revenant.match.lr import round_ratio
from revenant.match.platforms import Platform
from revenant.model import Feature, ReportedLr


def label(kind_name: str) -> str:
    """'ga' -> 'Google Analytics property'; unknown kinds are shown as they are."""
    row = kind(kind_name)
    return kind_name if row.name == "unknown" else row.label


def shorten(value: str, limit: int = 72) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def one_in(p: float) -> str:
    """1 / p as a count a reader can picture: '1 site in 65,536'."""
    n = 1.0 / p
    return f"{n:,.0f}" if n >= 10 else f"{n:,.1f}".rstrip("0").rstrip(".")


def observed_words(prev: Prevalence) -> str:
    """What the store showed, and only that."""
    if prev.n == 0:
        return "no unrelated site in this store yet"
    sites = "site" if prev.n == 1 else "sites"
    if prev.df == 0:
        return f"not seen {'on' if prev.n == 1 else 'among'} the {prev.n:,} unrelated {sites} in this store"
    return f"seen on {prev.df:,} of {prev.n:,} unrelated {sites} in this store"


def basis_words(feature: Feature, prev: Prevalence) -> str:
    """What set the prevalence when the store's counts did not: the seed or a prior."""
    if prev.basis == "seed":
        return (
            f"general-knowledge seed: on about 1 site in {one_in(prev.seed_share)} "
            "(an estimate shipped with Revenant, not a count of sites seen)"
        )
    if prev.basis == "prior":
        what = unseen_prior(feature.kind, feature.value).words
        return (
            f"{what} no captured site shows is taken as shown by at most 1 site in "
            f"{one_in(prev.p)} (prior)"
        )
    return ""


def platform_words(platform: Platform) -> str:
    """Why a tracker id shared on one hosted platform counts as little as the platform."""
    return (
        f"both sites are on {platform.label}, a hosting platform that writes its own "
        "analytics and advertising ids into the sites it hosts, so the id is taken as no "
        f"rarer than {platform.label} itself (general-knowledge seed: on about 1 site in "
        f"{one_in(platform.share)})"
    )


def cap_words(cap: float, reason: str) -> str:
    return f"capped at {cap:g} bits: {reason}"


def feature_words(feature: Feature, prev: Prevalence, cap: tuple[float, str] | None) -> str:
    """'shares Telegram handle bavardo_news — not seen among the 230 unrelated sites in
    this store; an identifier no captured site shows is taken as shown by at most 1
    site in 65,536 (prior)'. The bits are added by the caller."""
    parts = [observed_words(prev)]
    basis = basis_words(feature, prev)
    if basis:
        parts.append(basis)
    if cap is not None:
        parts.append(cap_words(*cap))
    return f"shares {label(feature.kind)} {shorten(feature.value)} — " + "; ".join(parts)


def similarity_words(
    what: str, detail: str, tail: Tail, prior_model: str, cap: tuple[float, str] | None
) -> str:
    """'visible text 3 of 64 SimHash bits apart — as close as 0 of 12,000 unrelated
    pairs of captures in this store'. `prior_model` says what the prior assumes."""
    if tail.m:
        parts = [f"as close as {tail.k:,} of {tail.m:,} unrelated pairs of captures in this store"]
        if tail.by_prior:
            parts.append(
                f"taken as at least 1 pair in {one_in(tail.p)} by the prior model ({prior_model})"
            )
    else:
        parts = [
            "too few unrelated captures in this store to measure how close unrelated pages "
            f"come; taken as 1 pair in {one_in(tail.p)} by the prior model ({prior_model})"
        ]
    if cap is not None:
        parts.append(cap_words(*cap))
    return f"{what} {detail} — " + "; ".join(parts)


def bits_words(bits: float, weight: float = 1.0, reason: str = "") -> str:
    """': +6.0 bits' or ': +3.0 bits (counted at 50%: same template as a stronger
    observation)'."""
    if weight >= 1.0 or not reason:
        return f": +{bits:.1f} bits"
    return f": +{bits:.1f} bits (counted at {weight:.0%}: {reason})"


def ratio_words(ratio: float) -> str:
    """A ratio as a sentence states it: '12,000'; '1.5'."""
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.2g}"


def _listed(words: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def no_operator_words(
    case: str, bits: float, areas: list[str], unrelated: int, min_bits: float
) -> str:
    """The caveat of a match that rests on no operator identifier: what its bits rest
    on, and how many unrelated sites they were counted against (both observations)."""
    store = (
        "a store holding no unrelated site yet"
        if unrelated == 0
        else f"the {unrelated:,} unrelated site{'s' if unrelated != 1 else ''} in this store"
    )
    on = f"{_listed(areas)} observations" if areas else "observations"
    return (
        f"This score rests on no operator identifier: none of {case}'s favicon, TLS key, "
        "accounts, wallets, handles or addresses is shared as a rare observation "
        f"({min_bits:g} bits or more). Its {bits:.1f} bits rest on {on} alone, which "
        f"sites running the same software on the same hosting can share, counted against "
        f"{store}."
    )


def sentence(target: str, case: str, lr: ReportedLr | None) -> str:
    """The evaluative sentence: the reported likelihood ratio and its ENFSI wording."""
    if lr is None:
        return (
            f"No likelihood-ratio calibration is available, so no likelihood ratio is "
            f"reported for {target} against {case}; the score in bits ranks, it is not a "
            "likelihood ratio."
        )
    basis = (
        f"reported likelihood ratio, calibrated on {lr.pairs:,} validation pairs, "
        f"{lr.same:,} of one operator and {lr.different:,} of different operators, and bounded "
        f"between 1/{ratio_words(round_ratio(1 / lr.lower))} and "
        f"{ratio_words(round_ratio(lr.upper))} by their empirical lower and upper bounds, ELUB"
    )
    same = f"{target} is operated by those behind {case}"
    other = f"{target} is an unrelated site"
    same_again = f"it is operated by those behind {case}"
    other_again = "it is an unrelated site"
    if lr.favours == "same-operator":
        first, second, proposition = same, other_again, same
    elif lr.favours == "different-operator":
        first, second, proposition = other, same_again, other
    else:
        return (
            f"The observations are about as probable if {same} as if {other_again} "
            f"({basis}); they support neither proposition."
        )
    return (
        f"The observations are about {ratio_words(lr.shown)} times more probable if "
        f"{first} than if {second} ({basis}); this provides {lr.verbal} for the "
        f"proposition that {proposition}."
    )
