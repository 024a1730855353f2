"""discover/ct.py: the RFC 6962 client against a real log on loopback (testnet.ctlog)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.ct import CtState, follow, parse_leaf
from revenant.discover.feed import FeedStats
from revenant.errors import BadFeed
from revenant.model import Source
from revenant.testnet.ctlog import CertFactory, CtLog, precert_leaf, precert_tbs, serve_ctlog

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def ca() -> CertFactory:
    return CertFactory(clock=clock)


def _run_with_log(log: CtLog, fn, **serve_kw):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        async with serve_ctlog(log, **serve_kw) as url:
            return await fn(url)

    return asyncio.run(main())


async def _follow_all(url: str, state: CtState, stats: FeedStats, **kw: object) -> list:
    return [b async for b in follow([url], state, stats=stats, clock=clock, **kw)]  # type: ignore[arg-type]


def test_x509_and_precert_entries_become_ct_candidates(ca: CertFactory) -> None:
    log = CtLog(clock=clock)
    log.add_certificate(ca.issue(["coco-chat.fr", "www.coco-chat.fr"]), [ca.cert])
    log.add_precertificate(
        ca.issue(["pre.cocotchat.net", "*.cdn.cocotchat.net"], precert=True), ca.cert
    )
    stats = FeedStats()
    batches = _run_with_log(log, lambda url: _follow_all(url, CtState(), stats, start_at_end=False))
    cands = [c for b in batches for c in b.candidates]
    assert [c.name for c in cands] == [
        "coco-chat.fr", "www.coco-chat.fr", "pre.cocotchat.net", "cdn.cocotchat.net",
    ]  # fmt: skip
    assert all(c.source is Source.CT and c.seen_at == NOW for c in cands)
    assert "(x509)" in cands[0].detail and "(precert)" in cands[2].detail
    assert stats.total_skipped == 0 and stats.read == 2


def test_position_is_saved_and_resumed_across_pages(ca: CertFactory, tmp_path: Path) -> None:
    log = CtLog(clock=clock)
    for i in range(75):
        log.add_certificate(ca.issue([f"site{i}.example"]))
    stats = FeedStats()

    async def first(url: str) -> tuple[list, str]:
        got = await _follow_all(url, CtState(), stats, start_at_end=False, max_entries=40, batch=16)
        return got, url

    batches, url = _run_with_log(log, first, max_batch=10)  # the log pages by 10
    assert [b.end for b in batches][-1] == 40
    assert all(b.end - b.start <= 10 for b in batches)
    state = batches[-1].state
    state.save(tmp_path / "ct.json")
    resumed = CtState.load(tmp_path / "ct.json")
    assert resumed == state

    # same log, new server, resume from the saved position: nothing lost, nothing twice
    log2_batches = _run_with_log(
        log, lambda u: _follow_all(u, CtState({u: resumed.get(url) or 0}), stats)
    )
    names = [c.name for b in batches + log2_batches for c in b.candidates]
    assert names == [f"site{i}.example" for i in range(75)]


def test_new_log_starts_at_its_end_by_default(ca: CertFactory) -> None:
    log = CtLog(clock=clock)
    log.add_certificate(ca.issue(["old.example"]))
    batches = _run_with_log(log, lambda url: _follow_all(url, CtState(), FeedStats()))
    assert batches == []


def test_bad_entries_are_counted_and_skipped(ca: CertFactory) -> None:
    log = CtLog(clock=clock)
    log.add_raw(b"\0\0garbage")
    log.add_raw(b"\0\0" + b"\0" * 8 + b"\0\0" + b"\0\0\x05hello\0\0")  # x509 entry, not DER
    log.add_certificate(ca.issue(["ok.example", "a" * 300 + ".com", "bad\x01.com"]))
    stats = FeedStats()
    batches = _run_with_log(log, lambda url: _follow_all(url, CtState(), stats, start_at_end=False))
    assert [c.name for b in batches for c in b.candidates] == ["ok.example"]
    assert stats.skipped == {"invalid_cert": 2, "too_long": 1, "control_chars": 1}
    assert any("entry 0: invalid certificate" in m for m in stats.recent)
    assert any("SAN has 304 characters (max 253)" in m for m in stats.recent)


def test_unreachable_log_is_counted_and_others_still_read(ca: CertFactory) -> None:
    log = CtLog(clock=clock)
    log.add_certificate(ca.issue(["live.example"]))
    stats = FeedStats()

    async def run(url: str) -> list:
        dead = "http://127.0.0.1:9/"  # discard port: nothing listens
        return [b async for b in follow([dead, url], CtState({url: 0}), stats=stats, clock=clock)]

    batches = _run_with_log(log, run)
    assert [c.name for b in batches for c in b.candidates] == ["live.example"]
    assert stats.skipped == {"log_unavailable": 1}


def test_precert_leaf_is_read_from_the_tbs_alone(ca: CertFactory) -> None:
    pre = ca.issue(["only-in-tbs.example"], precert=True)
    leaf = precert_leaf(precert_tbs(pre), b"\0" * 32, 1_700_000_000_000)
    entry = parse_leaf(7, leaf, b"")  # no extra_data: names come from the TBSCertificate
    assert entry.kind == "precert" and entry.names == ("only-in-tbs.example",)
    assert entry.timestamp == datetime.fromtimestamp(1_700_000_000, UTC)


def test_state_json_round_trip_and_bad_state() -> None:
    state = CtState().advanced("https://log.example/a/", 12).advanced("https://b/", 3)
    assert CtState.from_json(state.to_json()) == state
    with pytest.raises(BadFeed):
        CtState.from_json("{not json")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=50))
def test_parse_leaf_rejects_garbage_with_value_error_only(leaf: bytes, extra: bytes) -> None:
    with contextlib.suppress(ValueError):
        parse_leaf(0, leaf, extra)
