"""discover/ct.py: the RFC 6962 client against a real log on loopback (testnet.ctlog)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revenant.discover.ct import (
    CtBatch,
    CtState,
    _candidates,
    follow,
    parse_entries,
    parse_leaf,
    parse_sth,
)
from revenant.discover.feed import FeedStats
from revenant.errors import BadFeed
from revenant.model import Source
from revenant.testnet.ctlog import (
    CertFactory,
    CtLog,
    precert_leaf,
    precert_tbs,
    serve_ctlog,
    x509_leaf,
)

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


# ------------------------------------------------------------------ hostile answers


@contextlib.asynccontextmanager
async def _canned_log(sth: bytes, entries: bytes) -> AsyncIterator[str]:
    """A log on loopback that answers get-sth and get-entries with the bytes given."""

    async def get_sth(_request: web.Request) -> web.Response:
        return web.Response(body=sth, content_type="application/json")

    async def get_entries(_request: web.Request) -> web.Response:
        return web.Response(body=entries, content_type="application/json")

    app = web.Application()
    app.router.add_get("/ct/v1/get-sth", get_sth)
    app.router.add_get("/ct/v1/get-entries", get_entries)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


def _sth(size: object) -> bytes:
    root = base64.b64encode(b"\0" * 32).decode()
    return f'{{"tree_size": {size}, "timestamp": 1, "sha256_root_hash": "{root}"}}'.encode()


def _follow_canned(sth: bytes, entries: bytes, stats: FeedStats) -> list[CtBatch]:
    async def main() -> list[CtBatch]:
        async with _canned_log(sth, entries) as url:
            return [b async for b in follow([url], CtState({url: 0}), stats=stats, clock=clock)]

    return asyncio.run(main())


@pytest.mark.parametrize(
    "size", ["1e99999", "-1", "true", "18446744073709551616", '"12"', "[" * 3000 + "]" * 3000]
)
def test_a_tree_head_out_of_range_skips_the_log_with_a_reason(size: str) -> None:
    stats = FeedStats()
    assert _follow_canned(_sth(size), b"{}", stats) == []
    assert stats.skipped == {"log_unavailable": 1}
    assert "get-sth" in stats.recent[0]


def test_a_malformed_entry_is_skipped_with_its_index_and_the_batch_is_read(
    ca: CertFactory,
) -> None:
    good = x509_leaf(ca.issue(["good.example"]).public_bytes(Encoding.DER), 1_700_000_000_000)
    cert = ca.issue(["version.example"]).public_bytes(Encoding.DER)
    at = cert.find(bytes.fromhex("a003020102"))  # [0] version 3 ...
    bad_version = cert[: at + 4] + b"\x05" + cert[at + 5 :]  # ... made version 6
    entry = {"leaf_input": base64.b64encode(good).decode()}
    entries = [
        entry,
        "a string",
        {"leaf_input": 12},
        {"leaf_input": "not base64!"},
        {"leaf_input": base64.b64encode(x509_leaf(bad_version, 1)).decode()},
        entry,
    ]
    stats = FeedStats()
    batches = _follow_canned(_sth(6), json.dumps({"entries": entries}).encode(), stats)
    assert [c.name for b in batches for c in b.candidates] == ["good.example", "good.example"]
    assert batches[-1].state.positions  # the log moved on past the bad entries
    assert max(batches[-1].state.positions.values()) == 6
    assert stats.skipped == {"bad_entry": 3, "invalid_cert": 1}
    why = "entry 1: malformed entry (entry is 'a string', not an object)"
    assert any(why in m for m in stats.recent)
    assert any("entry 4: invalid certificate (InvalidVersion" in m for m in stats.recent)


def test_entries_json_nested_too_deep_is_a_reason_not_a_crash() -> None:
    with pytest.raises(ValueError, match="nested too deep"):
        parse_entries(b'{"entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 10)


_CT_KEYS = [
    "entries",
    "leaf_input",
    "extra_data",
    "tree_size",
    "timestamp",
    "sha256_root_hash",
    "tree_head_signature",
]
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(_CT_KEYS),
            children,
            max_size=4,
        )
    ),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), _JSON_VALUES.map(lambda v: json.dumps(v).encode())))
def test_any_get_sth_answer_gives_a_tree_head_or_a_reason(body: bytes) -> None:
    try:
        head = parse_sth(body)
    except ValueError as exc:
        assert str(exc).startswith("get-sth")
    else:
        assert 0 <= head.tree_size < 2**63 and len(head.root_hash) == 32


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.binary(max_size=300), _JSON_VALUES.map(lambda v: json.dumps(v).encode())),
    st.integers(-2, 5),
)
def test_any_get_entries_answer_gives_entries_or_reasons(body: bytes, most: int) -> None:
    try:
        got = parse_entries(body, most)
    except ValueError as exc:
        assert str(exc).startswith("get-entries")
        return
    assert len(got) <= max(0, most)
    stats = FeedStats()
    _candidates("log", 0, got, clock, stats)  # never raises either
    assert stats.read == len(got)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.binary(max_size=64), st.booleans())
def test_any_precert_leaf_gives_an_entry_or_a_value_error(
    tbs: bytes, extra: bytes, framed: bool
) -> None:
    leaf = precert_leaf(tbs, b"\0" * 32, 1_700_000_000_000)
    body = (len(extra).to_bytes(3, "big") + extra) if framed else extra
    with contextlib.suppress(ValueError):
        parse_leaf(0, leaf, body)


@pytest.fixture(scope="module")
def certificate(ca: CertFactory) -> bytes:
    return ca.issue(["damaged.example", "www.damaged.example"]).public_bytes(Encoding.DER)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_damaged_certificate_gives_an_entry_or_a_value_error(
    certificate: bytes, data: st.DataObject
) -> None:
    der = bytearray(certificate)
    for _ in range(data.draw(st.integers(1, 4))):
        der[data.draw(st.integers(0, len(der) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(ValueError):
        parse_leaf(0, x509_leaf(bytes(der), 1_700_000_000_000))
