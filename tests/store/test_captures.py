from __future__ import annotations

import importlib
import logging
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text, update

from revenant.fingerprint.text import MINHASH_SCHEME
from revenant.model import Capture, Exchange, Feature, Fingerprint, Outcome
from revenant.store import open_store
from revenant.store.captures import (
    background_size,
    capture_row,
    captures_with,
    feature_counts,
    load_fingerprint,
    save_capture,
    set_background,
)
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
