from __future__ import annotations

import importlib
import logging
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text, update

from revenant.fingerprint.text import MINHASH_SCHEME
from revenant.model import Capture, Exchange, Feature, Fingerprint, Outcome, Score, Verdict
from revenant.store import open_store
from revenant.store.alerts import raise_alert, set_alert_state
from revenant.store.captures import (
    background_size,
    capture_row,
    captures_with,
    feature_counts,
    hosts_sharing,
    iter_fingerprints,
    load_fingerprint,
    save_capture,
    scorable,
    set_background,
)
from revenant.store.cases import create_case
from revenant.store.db import alembic_config
from revenant.store.schema import CaptureRow

BEFORE = importlib.import_module("revenant.store.migrations.versions.0003_plumbing").BEFORE


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


def _dead(host: str, when) -> Capture:
    return Capture(f"https://{host}/", host, when, when, Outcome.DNS_ERROR)


def _fp(host: str, *features: Feature, site: str = "") -> Fingerprint:
    return Fingerprint(
        target=f"https://{host}/",
        features=frozenset(features),
        title="Salut",
        text_simhash=(1 << 64) - 5,
        dom_simhash=7,
        text_minhash=(1, (1 << 64) - 1),
        host=host,
        registrable=site or host,
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


def test_feature_counts_are_per_distinct_background_site(store, clock) -> None:
    ga = Feature("ga", "UA-1-1")
    jq = Feature("script.sha256", "jquery")
    save_capture(store, _capture("a.fr", clock()), _fp("a.fr", ga, jq))
    save_capture(store, _capture("a.fr", clock()), _fp("a.fr", ga, jq))  # same host again
    save_capture(store, _capture("www.a.fr", clock()), _fp("www.a.fr", ga, site="a.fr"))
    save_capture(store, _capture("b.fr", clock()), _fp("b.fr", jq))
    ref = save_capture(store, _capture("seized.fr", clock()), _fp("seized.fr", ga, jq))
    set_background(store, [ref], False)
    assert feature_counts(store, [ga, jq]) == {ga: 1, jq: 2}
    assert background_size(store) == 2
    assert feature_counts(store, [ga, jq], exclude_hosts=["a.fr"]) == {ga: 1, jq: 1}
    assert background_size(store, exclude_hosts=["a.fr"]) == 2  # www.a.fr still counts
    assert feature_counts(store, [ga, jq], exclude_site="a.fr") == {ga: 0, jq: 1}
    assert background_size(store, exclude_site="a.fr") == 1
    assert {h for _, h in captures_with(store, ga)} == {"a.fr", "www.a.fr", "seized.fr"}


def test_a_host_confirmed_as_a_case_s_never_counts_as_unrelated(store, clock) -> None:
    fav = Feature("favicon_mmh3", "1")
    tg = Feature("telegram", "coco_news")
    mirror = save_capture(store, _capture("mirror.fr", clock()), _fp("mirror.fr", fav, tg))
    save_capture(store, _capture("other.fr", clock()), _fp("other.fr", fav))
    case = create_case(store, "coco", ["coco.gg"])
    assert case.id is not None
    with store.session() as s:
        claim = Score("https://mirror.fr/", "coco", 20.0, Verdict.PROBABLE)
        alert_id, _ = raise_alert(s, case.id, claim, capture_id=mirror, now=clock())
    assert background_size(store) == 2
    with store.session() as s:
        set_alert_state(s, alert_id, "confirmed", now=clock())
    assert capture_row(store, mirror).background is True  # the flag is left as it was
    assert background_size(store) == 1
    assert feature_counts(store, [fav, tg]) == {fav: 1, tg: 0}
    assert hosts_sharing(store, [fav, tg], group=str) == set()
    assert [fp.host for fp in iter_fingerprints(store, background_only=True)] == ["other.fr"]
    with store.session() as s:
        set_alert_state(s, alert_id, "open", now=clock())  # reopened: counts again
    assert background_size(store) == 2


def test_a_stored_capture_scores_again_under_the_target_it_was_asked_as(store, clock) -> None:
    when = clock()
    page = Exchange(
        role="page", url="https://moved.fr/", started=when, outcome=Outcome.OK, status=200
    )
    cap = Capture(
        "https://www.moved.fr/", "www.moved.fr", when, when, Outcome.OK, exchanges=(page,)
    )
    cid = save_capture(store, cap, _fp("www.moved.fr", Feature("ga", "UA-1-1"), site="moved.fr"))
    again = scorable(store, cid)
    assert again == (cid, "www.moved.fr", True, again.fingerprint)
    assert again.fingerprint.target == "https://www.moved.fr/"
    dead = save_capture(store, _dead("gone.fr", when))
    assert scorable(store, dead).responded is False


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


def test_a_minhash_is_stored_with_its_scheme(store, clock) -> None:
    cid = save_capture(store, _capture("a.example", clock()), _fp("a.example"))
    assert capture_row(store, cid).text_minhash_scheme == MINHASH_SCHEME
    assert load_fingerprint(store, cid).text_minhash == (1, (1 << 64) - 1)


def test_a_minhash_of_another_scheme_is_never_compared(store, clock, caplog) -> None:
    cid = save_capture(store, _capture("a.example", clock()), _fp("a.example"))
    with store.session() as session:
        session.execute(
            update(CaptureRow).values(text_minhash_scheme="minhash-v0 made by an older library")
        )
    with caplog.at_level(logging.WARNING, logger="revenant.store"):
        fp = load_fingerprint(store, cid)
    assert fp.text_minhash == ()
    assert fp.text_simhash == (1 << 64) - 5  # the rest of the fingerprint is kept
    assert "another scheme" in caplog.text


def test_sketches_stored_before_the_scheme_column_get_the_scheme_that_made_them(
    tmp_path: Path,
) -> None:
    # If this fails, datasketch (or our text code) now sketches differently from the
    # code that stored those sketches: they must not be compared with new ones.
    assert BEFORE == MINHASH_SCHEME
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text(
                "INSERT INTO captures (target, host, final_url, started_at, finished_at, "
                "outcome, reason, title, registrable, text_minhash, text_words, "
                "brand_tokens, background) VALUES ('https://a.example/', 'a.example', "
                "'https://a.example/', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'ok', "
                "'', '', 'a.example', X'0000000000000001', 0, '[]', 1)"
            )
        )
    engine.dispose()
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}")
    assert load_fingerprint(store, 1).text_minhash == (1,)
    store.close()
