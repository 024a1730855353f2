"""Scores in bits: values, verdict bands, explanations, groups, monotonicity."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.match import Background, build_case_fingerprint, exclude, pin, score
from revenant.match.score import (
    CASE_LINK_BITS,
    DISCOUNT,
    OPERATOR_MIN_BITS,
    WEAK_BITS,
    operator_evidence,
)
from revenant.model import Case, Feature, Fingerprint, Observed, Verdict

CASE = Case("papoti", ("papoti.fr",), ("papoti",))
GA = Feature("ga", "UA-1234567-1")
TG = Feature("telegram", "papotichat")
FAV = Feature("favicon_mmh3", "-123456")
FAV2 = Feature("favicon_sha256", "ab" * 32)
JQ = Feature("asset_url", "code.jquery.com/jquery-3.6.0.min.js")


def _fp(*features: Feature, host: str = "other.net") -> Fingerprint:
    return Fingerprint(f"https://{host}/", frozenset(features), host=host)


def _bg() -> Background:
    return Background({JQ: 4000}, 48_211)


def test_unseen_identifier_is_worth_about_log2_n() -> None:
    s = score(build_case_fingerprint(CASE, [_fp(GA)]), _fp(GA), _bg())
    assert s.bits == math.log2(65_536)
    c = s.contributions[0]
    assert c.why == (
        "shares Google Analytics property UA-1234567-1 — not seen among the 48,211 unrelated "
        "sites in this store; an identifier no captured site shows is taken as shown by at "
        "most 1 site in 65,536 (prior): +16.0 bits"
    )
    assert c.observed == Observed(0, 48_211) and c.prior == 65_536 and c.cap is None
    assert s.verdict is Verdict.PROBABLE


def test_a_cap_is_named_with_its_reason() -> None:
    server = Feature("server", "papoti-httpd/1.0")
    s = score(build_case_fingerprint(CASE, [_fp(server)]), _fp(server), _bg())
    c = s.contributions[0]
    assert c.bits == 4.0 and c.cap == 4.0 and c.prior is None
    assert "not seen among the 48,211 unrelated sites in this store; capped at 4 bits: " in c.why


def test_seed_entries_are_named_as_the_seed_never_as_a_count() -> None:
    jquery = Feature("script_host", "code.jquery.com")
    s = score(build_case_fingerprint(CASE, [_fp(jquery)]), _fp(jquery), Background({}, 30))
    c = s.contributions[0]
    assert c.seed is not None and c.observed == Observed(0, 30)
    assert "no captured site" not in c.why
    assert "general-knowledge seed: on about 1 site in" in c.why
    assert "not a count of sites seen" in c.why


def test_common_library_is_worth_almost_nothing() -> None:
    s = score(build_case_fingerprint(CASE, [_fp(JQ)]), _fp(JQ), _bg())
    assert s.bits < 4 and s.verdict is Verdict.UNRELATED


def test_verdict_bands_and_thresholds() -> None:
    cf = build_case_fingerprint(CASE, [_fp(GA, TG, FAV)])
    strong = score(cf, _fp(GA, TG, FAV), _bg())
    assert strong.verdict is Verdict.REEMERGENCE
    assert (
        score(cf, _fp(GA, TG, FAV), _bg(), thresholds=(1000.0, 999.0)).verdict is Verdict.UNRELATED
    )
    assert score(cf, _fp(), _bg()).verdict is Verdict.UNRELATED
    assert "times more probable if other.net is operated by those behind papoti" in strong.sentence


def test_contributions_sorted_and_groups_discounted() -> None:
    cf = build_case_fingerprint(CASE, [_fp(GA, FAV, FAV2)])
    s = score(cf, _fp(GA, FAV, FAV2), _bg())
    bits = [c.bits for c in s.contributions]
    assert bits == sorted(bits, reverse=True)
    fav = [c for c in s.contributions if c.feature.startswith("favicon")]
    assert fav[1].bits == fav[0].bits * DISCOUNT  # one file, two hashes: counted once and a half
    assert "counted at 50%" in fav[1].why
    assert abs(s.bits - sum(c.bits for c in s.contributions)) < 1e-9


def test_excluded_features_do_not_count_and_pinned_ones_count_in_full() -> None:
    cf = build_case_fingerprint(CASE, [_fp(GA, FAV, FAV2)])
    base = score(cf, _fp(GA, FAV, FAV2), _bg()).bits
    assert score(exclude(cf, GA), _fp(GA, FAV, FAV2), _bg()).bits < base
    assert score(pin(cf, FAV2), _fp(GA, FAV, FAV2), _bg()).bits > base


def test_unstable_features_weigh_less() -> None:
    cf = build_case_fingerprint(CASE, [_fp(GA), _fp(), _fp(TG)])
    stable = build_case_fingerprint(CASE, [_fp(GA)])
    assert score(cf, _fp(GA), _bg()).bits < score(stable, _fp(GA), _bg()).bits


def test_name_resemblance_adds_a_few_bits_only() -> None:
    cf = build_case_fingerprint(CASE, [_fp(GA)])
    s = score(
        cf,
        Fingerprint(
            "https://papoti-tchat.net/",
            frozenset(),
            host="papoti-tchat.net",
            brand_tokens=("papoti", "tchat"),
        ),
        _bg(),
    )
    assert 0 < s.bits <= 8 and "brand word 'papoti'" in s.contributions[0].why


POOL = [
    GA,
    TG,
    FAV,
    FAV2,
    JQ,
    Feature("cookie", "PHPSESSID"),
    Feature("server", "nginx"),
    Feature("asset_url", "/js/app.js"),
    Feature("build_asset", "app.3f9a1c7e.js"),
    Feature("ip", "198.51.100.7"),
    Feature("net", "198.51.100.0/24"),
    Feature("link_host", "t.me"),
    Feature("text", "le tchat gratuit et anonyme"),
    Feature("title", "papoti"),
    Feature("endpoint", "/ws/chat"),
    Feature("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
]


@settings(max_examples=300, deadline=None)
@given(
    case=st.sets(st.sampled_from(POOL), min_size=1),
    shared=st.sets(st.sampled_from(POOL)),
    extra=st.sampled_from(POOL),
    pinned=st.sets(st.sampled_from(POOL), max_size=3),
    counts=st.dictionaries(st.sampled_from(POOL), st.integers(0, 5000), max_size=6),
)
def test_score_never_drops_when_shared_evidence_is_added(
    case: set[Feature],
    shared: set[Feature],
    extra: Feature,
    pinned: set[Feature],
    counts: dict[Feature, int],
) -> None:
    cf = build_case_fingerprint(CASE, [_fp(*case), _fp(*list(case)[:1])])
    for f in pinned & case:
        cf = pin(cf, f)
    bg = Background(counts, 10_000)
    before = score(cf, _fp(*shared), bg).bits
    after = score(cf, _fp(*(shared | {extra})), bg).bits
    assert after >= before - 1e-9


def test_link_to_the_case_domain_is_a_hint_not_a_mark() -> None:
    cf = build_case_fingerprint(CASE, [_fp(GA)])
    s = score(cf, _fp(Feature("link_host", "papoti.fr")), _bg())
    assert s.bits == CASE_LINK_BITS < WEAK_BITS  # pooled with the other common observations
    assert "links to the case's domain papoti.fr" in s.contributions[0].why
    assert "(assumption)" in s.contributions[0].why


def test_one_providers_name_servers_count_once() -> None:
    ns = [Feature("ns", f"ns{i}.bulletproof.example") for i in (1, 2, 3)]
    other = Feature("ns", "dns1.elsewhere.example")
    cf = build_case_fingerprint(CASE, [_fp(*ns, other)])
    one = score(cf, _fp(ns[0]), Background({}, 200)).bits
    s = score(cf, _fp(*ns), Background({}, 200))
    assert s.bits == one
    assert "and 2 more of bulletproof.example's servers: one provider, counted once" in (
        s.contributions[0].why
    )
    assert score(cf, _fp(*ns, other), Background({}, 200)).bits > one  # another provider


def test_short_lines_of_text_are_common_until_the_store_says_otherwise() -> None:
    short = Feature("text", "skip to main content")
    long = Feature("text", "le tchat gratuit et anonyme sans inscription depuis 2010")
    cf = build_case_fingerprint(CASE, [_fp(short, long)])
    cold = score(cf, _fp(short), Background((), 0))
    assert cold.bits == 5.0 and "a line of 4 words" in cold.contributions[0].why
    assert score(cf, _fp(long), Background((), 0)).bits == 8.0


def test_tracker_ids_shared_on_one_hosting_platform_count_as_the_platform() -> None:
    blogger = Feature("generator", "blogger")
    ad = Feature("adsense", "pub-1234567890123456")
    wallet = Feature("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    cf = build_case_fingerprint(CASE, [_fp(blogger, ad, wallet)])
    s = score(cf, _fp(blogger, ad, wallet), _bg())
    by = {c.feature: c for c in s.contributions}
    assert by[str(ad)].bits == pytest.approx(-math.log2(0.01))  # Blogger: 1 site in 100
    assert "both sites are on Blogger" in by[str(ad)].why and by[str(ad)].seed == 0.01
    assert by[str(wallet)].bits == 16.0  # platforms do not write wallets into templates
    alone = score(cf, _fp(ad), _bg())  # not on the platform: the id is the operator's
    assert alone.bits == 16.0


def test_a_customer_subdomain_of_a_platform_shows_the_platform() -> None:
    ga = Feature("ga", "UA-7654321-1")
    case_page = _fp(ga, host="alice.blogspot.com")
    cf = build_case_fingerprint(CASE, [case_page])
    on_blogger = score(cf, _fp(ga, host="bob.blogspot.com"), _bg())
    elsewhere = score(cf, _fp(ga, host="bob-blog.example"), _bg())
    assert on_blogger.bits < elsewhere.bits == 16.0
    assert "both sites are on Blogger" in on_blogger.contributions[0].why


SCRIPT = Feature("asset_sha256", "4488" * 16)
TAGLINE = Feature("text", "respect de tous. pas de données personnelles. les modérateurs veillent.")
NET = Feature("net", "127.3.26.0/24")
NS = Feature("ns", "ns1.offshorenest.to")


def test_a_match_on_software_and_hosting_alone_says_so_with_the_store_size() -> None:
    software = (SCRIPT, TAGLINE, NET, NS, Feature("asset_sha256", "ee0e" * 16))
    cf = build_case_fingerprint(CASE, [_fp(*software)])
    s = score(cf, _fp(*software), Background({}, 1))
    assert s.verdict is Verdict.REEMERGENCE and operator_evidence(s.contributions) == ()
    assert s.sentence.endswith(
        "This score rests on no operator identifier: none of papoti's favicon, TLS key, "
        "accounts, wallets, handles or addresses is shared as a rare observation (6 bits or "
        f"more). Its {s.bits:.1f} bits rest on software, hosting and text observations "
        "alone, which sites running the same software on the same hosting can share, counted "
        "against the 1 unrelated site in this store."
    )
    empty = score(cf, _fp(*software), Background({}, 0))
    assert empty.sentence.endswith("counted against a store holding no unrelated site yet.")


def test_a_match_on_an_operator_identifier_has_no_such_caveat() -> None:
    cf = build_case_fingerprint(CASE, [_fp(SCRIPT, TAGLINE, FAV, FAV2)])
    s = score(cf, _fp(SCRIPT, TAGLINE, FAV, FAV2), Background({}, 1))
    assert operator_evidence(s.contributions) == ("favicon",)
    assert "rests on no operator identifier" not in s.sentence


def test_an_operator_identifier_seen_on_many_unrelated_sites_is_no_operator_evidence() -> None:
    cf = build_case_fingerprint(CASE, [_fp(SCRIPT, TAGLINE, NET, TG)])
    common = Background({TG: 30}, 100)
    s = score(cf, _fp(SCRIPT, TAGLINE, NET, TG), common)
    tg = next(c for c in s.contributions if c.feature.startswith("telegram"))
    assert tg.bits < OPERATOR_MIN_BITS and operator_evidence(s.contributions) == ()


def test_an_unrelated_verdict_needs_no_caveat() -> None:
    cf = build_case_fingerprint(CASE, [_fp(NET)])
    s = score(cf, _fp(NET), Background({}, 1))
    assert s.verdict is Verdict.UNRELATED and "operator identifier" not in s.sentence
