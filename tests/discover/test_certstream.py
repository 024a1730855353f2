"""discover/certstream.py: replay files (plain, gzip, damaged) and the live WebSocket
consumer against testnet.certstream's loopback server."""

from __future__ import annotations

import asyncio
import gzip
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.certstream import _candidates, replay, stream
from revenant.discover.feed import FeedStats
from revenant.model import Source
from revenant.testnet.certstream import certificate_message, serve_certstream, write_replay
from revenant.testnet.ctlog import CertFactory

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def ca() -> CertFactory:
    return CertFactory(clock=clock)


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_replay_finds_the_chosen_certificate_among_unrelated_entries(
    ca: CertFactory, tmp_path: Path, suffix: str
) -> None:
    cert = ca.issue(["coco-chat.fr", "www.coco-chat.fr"])
    info = write_replay(tmp_path / f"r{suffix}", [cert], unrelated=2000, seed=3, avoid=["coco"])
    stats = FeedStats()
    cands = list(replay(info.path, stats=stats, clock=clock))
    hits = [c for c in cands if "coco" in c.name]
    assert [c.name for c in hits] == ["coco-chat.fr", "www.coco-chat.fr"]
    assert f"line {info.positions[0] + 1}" in hits[0].detail
    assert all(c.source is Source.CT and c.seen_at == NOW for c in cands)
    assert stats.read == 2001 and stats.total_skipped == 0


def test_replay_generation_is_seeded(ca: CertFactory, tmp_path: Path) -> None:
    a = write_replay(tmp_path / "a.jsonl", unrelated=500, seed=9)
    b = write_replay(tmp_path / "b.jsonl", unrelated=500, seed=9)
    c = write_replay(tmp_path / "c.jsonl", unrelated=500, seed=10)
    assert a.path.read_bytes() == b.path.read_bytes() != c.path.read_bytes()


def test_bad_lines_are_counted_and_skipped(ca: CertFactory, tmp_path: Path) -> None:
    good = certificate_message(ca.issue(["good.example"]), index=1, seen=NOW)
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"message_type": "heartbeat"}),
        json.dumps({"message_type": "weird"}),
        json.dumps({"message_type": "certificate_update", "data": {}}),
        json.dumps({"message_type": "certificate_update",
                    "data": {"leaf_cert": {"all_domains": ["x" * 312, "ok.example", 5,
                                                           "a\x07.com", "-bad-.com"]}}}),
        json.dumps({"message_type": "dns_entries", "data": ["dns.example"]}),
    ]  # fmt: skip
    path = tmp_path / "ct.json"
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe\n")
    stats = FeedStats()
    names = [c.name for c in replay(path, stats=stats)]
    assert names == ["good.example", "ok.example", "dns.example"]
    assert stats.skipped == {
        "bad_json": 1, "bad_message": 3, "too_long": 1, "control_chars": 1,
        "invalid_idna": 1, "not_utf8": 1,
    }  # fmt: skip
    assert "feed ct.json line 6: SAN has 312 characters (max 253); skipped" in stats.recent


def test_truncated_gzip_replay_keeps_what_it_read(tmp_path: Path) -> None:
    info = write_replay(tmp_path / "r.jsonl.gz", unrelated=5000, seed=1)
    data = info.path.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    stats = FeedStats()
    names = list(replay(cut, stats=stats))
    assert names
    assert stats.skipped == {"truncated_gzip": 1}


def test_websocket_consumer_reads_a_certstream_server(ca: CertFactory) -> None:
    messages: list[dict[str, Any] | str] = [
        certificate_message(ca.issue(["ws1.example"]), index=1, seen=NOW),
        "{broken",
        certificate_message(ca.issue(["ws2.example", "*.ws2.example"]), index=2, seen=NOW),
    ]
    stats = FeedStats()

    async def main() -> list[str]:
        async with serve_certstream(messages) as url:
            assert url.startswith("ws://127.0.0.1:")
            return [c.name async for c in stream(url, stats=stats, clock=clock, reconnect=False)]

    assert asyncio.run(main()) == ["ws1.example", "ws2.example"]
    assert stats.read == 4  # heartbeat, two certificates, one broken frame
    assert stats.skipped == {"bad_json": 1}


def test_gzip_detection_is_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "no-suffix"
    msg = {"message_type": "dns_entries", "data": ["zip.example"]}
    path.write_bytes(gzip.compress(json.dumps(msg).encode()))
    assert [c.name for c in replay(path)] == ["zip.example"]


_KEYS = ["message_type", "data", "leaf_cert", "all_domains", "extensions", "subject", "CN"]
_KEYS = ["message_type", "data", "leaf_cert", "all_domains", "extensions", "subject", "CN"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_any_json_message_is_used_or_counted_never_raises(message: object) -> None:
    stats = FeedStats()
    for cand in _candidates(message, "f", "line 1", clock, stats):
        assert cand.source is Source.CT


def _deep(n: int) -> str:
    return "[" * n + "]" * n


def test_malformed_messages_are_skipped_with_their_line_and_the_rest_is_read(
    tmp_path: Path,
) -> None:
    leaf: dict[str, Any] = {"subject": "CN=flat.example", "extensions": {}}
    lines = [
        json.dumps({"message_type": "certificate_update", "data": {"leaf_cert": leaf}}),
        json.dumps(
            {
                "message_type": "certificate_update",
                "data": {"leaf_cert": {"subject": {}, "extensions": ["subjectAltName"]}},
            }
        ),
        _deep(100_000),
        '{"message_type": "certificate_update", "data": {"cert_index": 1e99999, '
        '"leaf_cert": {"all_domains": ["big.example"]}}}',
        '{"message_type": "dns_entries", "n": ' + "9" * 5000 + "}",
        json.dumps({"message_type": [[["x"]]]}),
        json.dumps({"message_type": "dns_entries", "data": ["after.example"]}),
    ]
    path = tmp_path / "ct.json"
    path.write_text("\n".join(lines) + "\n")
    stats = FeedStats()
    names = [c.name for c in replay(path, stats=stats)]
    assert names == ["big.example", "after.example"]
    assert stats.skipped == {"bad_message": 3, "bad_json": 2}
    assert stats.recent[:3] == [
        "feed ct.json line 1: leaf_cert.subject is a string, not an object; skipped",
        "feed ct.json line 2: leaf_cert.extensions is a list, not an object; skipped",
        "feed ct.json line 3: malformed JSON (nested too deep); skipped",
    ]
    assert stats.recent[4].startswith("feed ct.json line 6: unknown message_type of type list")


def test_websocket_consumer_skips_malformed_frames_and_goes_on(ca: CertFactory) -> None:
    messages: list[dict[str, Any] | str] = [
        _deep(100_000),
        json.dumps({"message_type": "certificate_update", "data": {"leaf_cert": {"subject": 7}}}),
        certificate_message(ca.issue(["ws3.example"]), index=3, seen=NOW),
    ]
    stats = FeedStats()

    async def main() -> list[str]:
        async with serve_certstream(messages) as url:
            return [c.name async for c in stream(url, stats=stats, clock=clock, reconnect=False)]

    assert asyncio.run(main()) == ["ws3.example"]
    assert stats.skipped == {"bad_json": 1, "bad_message": 1}
    assert any("message 2: malformed JSON (nested too deep)" in m for m in stats.recent)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_in_a_replay_file_give_names_or_counted_skips(data: bytes) -> None:
    path = Path(tempfile.mkdtemp()) / "any.json"
    path.write_bytes(data)
    stats = FeedStats()
    names = list(replay(path, stats=stats))
    assert stats.names == len(names)
    assert all(m.startswith("feed any.json line ") for m in stats.recent)
