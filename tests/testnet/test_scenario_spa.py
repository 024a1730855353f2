"""SPA re-emergences: appended after every other site from their own random stream,
their words and identifiers only in what JavaScript fetches."""

from __future__ import annotations

import json

import pytest

from revenant.testnet.scenario import generate


@pytest.mark.parametrize("seed", [1, 7, 2026])
def test_adding_spa_sites_leaves_every_other_site_byte_identical(seed: int) -> None:
    plain = generate(seed, reemergences=4, decoys=7, background=20)
    with_spa = generate(seed, reemergences=4, decoys=7, background=20, spa=3)
    assert with_spa.sites[: len(plain.sites)] == plain.sites
    assert len(with_spa.sites) == len(plain.sites) + 3
    assert with_spa.seized == plain.seized and plain.spa == ()
    assert {k: v for k, v in with_spa.truth.items() if k in plain.truth} == plain.truth


def test_spa_sites_are_deterministic_re_emergences() -> None:
    one, two = generate(3, spa=2), generate(3, spa=2)
    assert one.spa == two.spa and len(one.spa) == 2
    assert one.sites == two.sites
    assert {one.truth[h] for h in one.spa} == {"re-emergence"}
    assert set(one.spa) <= set(one.hosts("re-emergence"))


def test_the_raw_shell_shows_nothing_the_app_draws() -> None:
    s = generate(11, spa=2)
    seized_home = s.seized.page("/").body.decode()  # type: ignore[union-attr]
    for host in s.spa:
        site = next(x for x in s.sites if x.name == host)
        home = site.page("/").body.decode()  # type: ignore[union-attr]
        data = json.loads(site.page("/api/v1/site").body)  # type: ignore[union-attr]
        assert '<div id="app"></div>' in home
        handles = [c["href"] for c in data["contacts"] if "t.me" in c["href"]]
        assert handles and data["wallet"]
        assert data["wallet"] not in home and handles[0].rsplit("/", 1)[1] not in home
        assert data["wallet"] in seized_home  # the operator's own wallet, kept
        bundle = next(
            p for p in site.pages if p.path.startswith("/assets/app-") and p.path.endswith(".js")
        )
        assert data["wallet"].encode() not in bundle.body
        assert b'fetch("/api/v1/site"' in bundle.body
