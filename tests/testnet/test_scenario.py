"""The scenario generator: deterministic per seed, labels consistent, and rich enough
that no single feature separates the case's sites from the rest."""

from __future__ import annotations

import functools
import random
import re
from collections import Counter

import pytest

from revenant.model import Case
from revenant.testnet import SiteSpec, Testnet, assets
from revenant.testnet.identifiers import bech32_valid
from revenant.testnet.scenario import Scenario, generate
from tests.testnet.rawhttp import RawGet

SEEDS = (1, 2, 3, 17, 2026)
_generated = functools.cache(generate)  # one build per seed: generation is deterministic


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return _generated(7)


def _text(site: SiteSpec) -> str:
    return "\n".join(p.body.decode("utf-8", "replace") for p in site.pages)


def _home(site: SiteSpec) -> str:
    page = site.page("/")
    assert page is not None
    return page.body.decode()


def _of(scenario: Scenario, label: str) -> list[SiteSpec]:
    return [s for s in scenario.sites if s.label == label]


def test_same_seed_same_scenario() -> None:
    one, two = generate(42), generate(42)
    assert one.sites == two.sites
    assert one.truth == two.truth
    assert (one.case_domains, one.case_brands) == (two.case_domains, two.case_brands)


def test_different_seeds_differ() -> None:
    assert generate(1).sites != generate(2).sites


def test_global_random_is_untouched() -> None:
    random.seed(99)
    expected = random.random()
    random.seed(99)
    generate(3, background=10)
    assert random.random() == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_label_counts_follow_the_arguments(seed: int) -> None:
    s = generate(seed, reemergences=5, decoys=9, background=30)
    counts = Counter(site.label for site in s.sites)
    assert counts == {"seized": 1, "re-emergence": 5, "decoy": 9, "background": 30}


@pytest.mark.parametrize("seed", SEEDS)
def test_truth_covers_every_resolvable_name_with_its_site_label(seed: int) -> None:
    s = _generated(seed)
    expected = {name: site.label for site in s.sites for name in site.dns_names()}
    assert s.truth == expected
    assert all(s.truth[d] == "seized" for d in s.case_domains)


@pytest.mark.parametrize("seed", SEEDS)
def test_names_are_unique_so_the_scenario_can_be_served(seed: int) -> None:
    Testnet(_generated(seed).sites, seed=seed, block=100)  # raises on a duplicate name


def test_case_matches_the_seized_site(scenario: Scenario) -> None:
    case = scenario.case()
    assert isinstance(case, Case)
    assert case.domains == scenario.seized.names
    assert scenario.case_brands[0] in scenario.seized.name
    assert scenario.hosts("seized") == (scenario.seized.name,)


def test_seized_site_is_a_french_chat_with_identifiers(scenario: Scenario) -> None:
    seized = scenario.seized
    home = _home(seized)
    assert 'lang="fr"' in home and 'name="pseudo"' in home
    assert re.search(r"UA-\d+-\d", home)
    assert 'rel="icon"' in home and seized.favicon
    assert seized.favicon.startswith(b"\x00\x00\x01\x00")  # ICO
    scripts = re.findall(r'<script src="(/[^"]+)"', home)
    assert any("/ws/chat" in seized.page(path).body.decode() for path in scripts)  # type: ignore[union-attr]
    assert ("Server", "nginx/1.18.0 (Ubuntu)") in seized.headers
    assert {"PHPSESSID", "otc_sid"} <= {name for name, _ in seized.cookies}
    assert "t.me/" in home and "bc1q" in home


@pytest.mark.parametrize("seed", SEEDS)
def test_reemergences_keep_favicon_and_endpoint_but_change_the_rest(seed: int) -> None:
    s = _generated(seed)
    seized_home = _home(s.seized)
    seized_ua = re.search(r"UA-\d+-\d", seized_home).group(0)  # type: ignore[union-attr]
    for site in _of(s, "re-emergence"):
        assert site.favicon == s.seized.favicon
        assert "/ws/chat" in _text(site)
        assert not set(site.names) & set(s.seized.names)
        assert seized_ua not in _home(site)
        assert _home(site) != seized_home


@pytest.mark.parametrize("seed", SEEDS)
def test_some_reemergence_is_rebuilt_on_another_template(seed: int) -> None:
    s = _generated(seed)
    rebuilt = [r for r in _of(s, "re-emergence") if 'id="root"' in _home(r)]
    classic = [r for r in _of(s, "re-emergence") if 'id="root"' not in _home(r)]
    assert rebuilt
    assert classic or len(_of(s, "re-emergence")) == len(rebuilt)


@pytest.mark.parametrize("seed", SEEDS)
def test_decoys_never_carry_the_case_identifiers(seed: int) -> None:
    s = _generated(seed)
    wallet = re.search(r"bc1q[0-9a-z]+", _home(s.seized)).group(0)  # type: ignore[union-attr]
    for site in _of(s, "decoy") + _of(s, "background"):
        assert site.favicon != s.seized.favicon
        assert wallet not in _text(site)


@pytest.mark.parametrize("seed", SEEDS)
def test_decoys_share_software_theme_or_name_with_the_case(seed: int) -> None:
    s = _generated(seed)
    decoys = _of(s, "decoy")
    vendor = assets.opentchat_js()
    assert sum(any(p.body == vendor for p in d.pages) for d in decoys) >= 3
    assert sum('name="pseudo"' in _home(d) for d in decoys) >= 6
    assert sum("/ws/chat" in _text(d) for d in decoys) >= 1
    brand = s.case_brands[0]
    assert sum(brand[:4] in d.name for d in decoys) >= 3


def test_no_single_shared_feature_is_unique_to_the_case(scenario: Scenario) -> None:
    others = _of(scenario, "decoy") + _of(scenario, "background")
    shared = {
        "generator": lambda t: 'content="OpenTchat 2.3.1"' in t,
        "jquery": lambda t: assets.jquery().decode() in t,
        "pseudo field": lambda t: 'name="pseudo"' in t,
        "chat endpoint": lambda t: "/ws/chat" in t,
    }
    for feature, present in shared.items():
        assert present(_text(scenario.seized)), feature
        assert any(present(_text(o)) for o in others), feature


def test_background_is_varied_and_noisy(scenario: Scenario) -> None:
    background = _of(scenario, "background")
    homes = [_home(b) for b in background]
    assert sum('lang="fr"' in h for h in homes) > 40 and sum('lang="en"' in h for h in homes) > 40
    assert sum("fonts.googleapis.com" in h for h in homes) > 20
    assert sum(any(p.body == assets.jquery() for p in b.pages) for b in background) > 40
    assert sum(b.favicon == assets.cms_favicon() for b in background) > 5
    assert sum(any(k == "PHPSESSID" for k, _ in b.cookies) for b in background) > 20
    servers = {v for b in background for k, v in b.headers if k == "Server"}
    assert {"nginx", "Apache", "cloudflare"} <= servers


@pytest.mark.parametrize("seed", SEEDS)
def test_wallets_are_valid_bech32(seed: int) -> None:
    s = _generated(seed)
    for site in s.sites:
        for wallet in re.findall(r"bc1q[0-9a-z]{38}", _text(site)):
            assert bech32_valid(wallet), wallet


def test_small_scenario_is_served_end_to_end(raw_get: RawGet) -> None:
    s = generate(5, reemergences=3, decoys=4, background=8)
    with Testnet(s.sites, seed=5) as net:
        for site in s.sites:
            raw = raw_get(net, site.name, https=True)
            assert raw.status == 200, site.name
        favicon = raw_get(net, s.seized.name, "/favicon.ico")
        assert favicon.body == s.seized.favicon


def test_empty_scenario_is_just_the_seized_site() -> None:
    s = generate(9, reemergences=0, decoys=0, background=0)
    assert s.sites == (s.seized,)
    assert set(s.truth.values()) == {"seized"}
