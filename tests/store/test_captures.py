from __future__ import annotations

from revenant.model import Capture, Exchange, Feature, Fingerprint, Outcome
from revenant.store.captures import (
    background_size,
    captures_with,
    feature_counts,
    load_fingerprint,
    save_capture,
    set_background,
)


def _capture(host: str, when) -> Capture:
    page = Exchange(
        role="page", url=f"https://{host}/", started=when, outcome=Outcome.OK, status=200
    )
    return Capture(
        target=f"https://{host}/",
        host=host,
        started=when,
        finished=when,
        outcome=Outcome.OK,
        exchanges=(page,),
    )


def _fp(host: str, *features: Feature) -> Fingerprint:
    return Fingerprint(
        target=f"https://{host}/",
        features=frozenset(features),
        title="Salut",
        text_simhash=(1 << 64) - 5,
        dom_simhash=7,
        text_minhash=(1, (1 << 64) - 1),
        host=host,
        registrable=host,
        brand_tokens=("coco",),
    )


def test_fingerprint_round_trips_including_64_bit_sketches(store, clock) -> None:
    fp = _fp("a.fr", Feature("ga", "UA-1-1"))
    cid = save_capture(store, _capture("a.fr", clock()), fp)
    got = load_fingerprint(store, cid)
    assert got.features == fp.features
    assert got.text_simhash == fp.text_simhash
    assert got.text_minhash == fp.text_minhash
    assert got.brand_tokens == ("coco",)
    assert got.capture_id == cid


def test_feature_counts_are_per_distinct_background_host(store, clock) -> None:
    ga = Feature("ga", "UA-1-1")
    jq = Feature("script.sha256", "jquery")
    save_capture(store, _capture("a.fr", clock()), _fp("a.fr", ga, jq))
    save_capture(store, _capture("a.fr", clock()), _fp("a.fr", ga, jq))  # same host again
    save_capture(store, _capture("b.fr", clock()), _fp("b.fr", jq))
    ref = save_capture(store, _capture("seized.fr", clock()), _fp("seized.fr", ga, jq))
    set_background(store, [ref], False)
    assert feature_counts(store, [ga, jq]) == {ga: 1, jq: 2}
    assert feature_counts(store, [ga, jq], exclude_hosts=["a.fr"]) == {ga: 0, jq: 1}
    assert background_size(store) == 3
    assert {h for _, h in captures_with(store, ga)} == {"a.fr", "seized.fr"}


def test_hosts_sharing_two_kinds_of_identifier_but_not_one(store, clock) -> None:
    from revenant.store.captures import hosts_sharing

    fav = Feature("favicon_mmh3", "1")
    fav_sha = Feature("favicon_sha256", "ab")
    tg = Feature("telegram", "coco_news")
    save_capture(store, _capture("mirror.fr", clock()), _fp("mirror.fr", fav, tg))
    save_capture(store, _capture("clone.fr", clock()), _fp("clone.fr", fav, fav_sha))
    save_capture(store, _capture("other.fr", clock()), _fp("other.fr", tg))

    def group(kind: str) -> str:
        return "favicon" if kind.startswith("favicon") else kind

    assert hosts_sharing(store, [fav, fav_sha, tg], group=group) == {"mirror.fr"}
