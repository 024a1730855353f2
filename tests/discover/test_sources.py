"""discover/sources.py: the watch loop's sources, triage and pivots, with plain callables
for cases and saved state (no database needed)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from revenant.discover.sources import (
    CT_STATE_KEY,
    CtLogSource,
    build_sources,
    capture_pivots,
    case_prioritiser,
    saved_positions,
)
from revenant.errors import UsageError
from revenant.fingerprint import extract
from revenant.model import Capture, Case, Exchange, Outcome, Source
from revenant.store import Store
from revenant.store.cases import create_case
from revenant.testnet.ctlog import CertFactory, CtLog, serve_ctlog

NOW = datetime(2026, 5, 1, tzinfo=UTC)
COCO = Case("coco", ("coco.gg",), ("coco",))


class Saved:
    """A dict standing in for the store's state table."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def load(self, key: str) -> Any:
        return self.values.get(key)

    def save(self, key: str, value: Any) -> None:
        self.values[key] = value


def _sources(**kw: Any) -> list[Any]:
    saved = Saved()
    return build_sources(None, cases=lambda: [COCO], load=saved.load, save=saved.save, **kw)


def test_permutations_once_per_case() -> None:
    (source,) = _sources()
    first = list(source.pull(NOW))
    assert len(first) > 10_000
    assert {c.source for c in first} == {Source.PERMUTATION} and first[0].case == "coco"
    assert list(source.pull(NOW)) == []


def test_file_sources_are_read_again_only_when_changed(tmp_path: Path) -> None:
    nrd = tmp_path / "nrd.txt"
    nrd.write_text("coco-chat.fr\n")
    (source,) = _sources(permutations=False, nrd_files=[nrd])
    assert [c.name for c in source.pull(NOW)] == ["coco-chat.fr"]
    assert list(source.pull(NOW)) == []
    nrd.write_text("coco-chat.fr\ncoco-live.fr\n")
    assert [c.name for c in source.pull(NOW)] == ["coco-chat.fr", "coco-live.fr"]


def test_zone_diff_option_needs_old_and_new() -> None:
    with pytest.raises(UsageError):
        _sources(zone_diffs=["only-one.zone"])


@pytest.mark.parametrize(
    ("option", "why"),
    [
        ("nrd_files", "--nrd {missing}: no such file or directory"),
        ("ct_replays", "--ct-replay {missing}: no such file or directory"),
        ("nrd_files", "--nrd {folder}: is a directory, not a file"),
        ("zone_diffs", "--zone-diff {missing}: no such file or directory"),
        ("zone_diffs", "--zone-diff {folder}: is a directory, not a file"),
    ],
)
def test_a_missing_or_unreadable_file_is_a_usage_error_naming_it(
    tmp_path: Path, option: str, why: str
) -> None:
    missing, folder, ok = tmp_path / "missing.txt", tmp_path, tmp_path / "ok.zone"
    ok.write_text("")
    bad = missing if "{missing}" in why else folder
    value = [f"{ok}:{bad}"] if option == "zone_diffs" else [bad]
    with pytest.raises(UsageError) as raised:
        _sources(permutations=False, **{option: value})
    assert str(raised.value) == why.format(missing=missing, folder=folder)


def test_a_file_that_cannot_be_opened_is_a_usage_error(tmp_path: Path) -> None:
    # (chmod 000 would not do: tests run as root in CI, and root reads anything)
    plain = tmp_path / "plain.txt"
    plain.write_text("coco.fr\n")
    with pytest.raises(UsageError) as raised:
        _sources(permutations=False, nrd_files=[plain / "inside"])
    assert str(raised.value) == f"--nrd {plain / 'inside'}: not a directory"


def test_a_file_gone_after_start_is_counted_and_the_watch_goes_on(tmp_path: Path) -> None:
    nrd = tmp_path / "nrd.txt"
    nrd.write_text("coco-chat.fr\n")
    (source,) = _sources(permutations=False, nrd_files=[nrd])
    nrd.unlink()
    assert list(source.pull(NOW)) == []
    assert source.stats.skipped == {"unreadable": 1}
    assert "nrd.txt (No such file or directory)" in source.stats.recent[0]


def test_file_sources_stop_reading_when_the_watch_stops(tmp_path: Path) -> None:
    replay = tmp_path / "replay.json"
    replay.write_bytes(b"x" * (20 << 20))  # no line end: skipped in 1 MiB steps
    stopping = threading.Event()
    (source,) = _sources(permutations=False, ct_replays=[replay], stop=stopping.is_set)
    stopping.set()
    assert list(source.pull(NOW)) == []
    assert source.stats.skipped == {"stopped": 1}


@pytest.fixture
def ct_log() -> Iterator[tuple[CtLog, CertFactory, str]]:
    """A CT log served on loopback from a background thread, so sync pulls can reach it."""
    ca = CertFactory()
    log = CtLog()
    ready = threading.Event()
    stop: asyncio.Event | None = None
    box: dict[str, Any] = {}

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with serve_ctlog(log) as url:
            box["url"], box["loop"] = url, asyncio.get_running_loop()
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield log, ca, box["url"]
    box["loop"].call_soon_threadsafe(stop.set)  # type: ignore[union-attr]
    thread.join(10)


def test_ct_positions_are_saved_one_pull_late(ct_log: tuple[CtLog, CertFactory, str]) -> None:
    log, ca, url = ct_log
    log.add_certificate(ca.issue(["a.example"]))
    saved = Saved()
    source = CtLogSource([url], saved.load, saved.save, from_start=True)
    assert [c.name for c in source.pull(NOW)] == ["a.example"]
    assert saved.values == {}  # not yet: the watch has not stored the names
    log.add_certificate(ca.issue(["b.example"]))
    assert [c.name for c in source.pull(NOW)] == ["b.example"]
    assert saved.values[CT_STATE_KEY] == {url: 1}
    # a crash now, then a restart: the last pull is read again, nothing is lost
    again = CtLogSource([url], saved.load, saved.save, from_start=True)
    assert [c.name for c in again.pull(NOW)] == ["b.example"]


def test_prioritiser_follows_the_cases() -> None:
    cases = [COCO]
    prioritise = case_prioritiser(None, cases=lambda: cases)
    assert prioritise(["cocochat.fr", "example.org"])[1] == 0.0
    assert prioritise(["cocochat.fr"])[0] > 0.5
    cases = [Case("bank", ("my-bank.com",))]
    assert prioritise(["cocochat.fr", "my-bank.fr"]) == [0.0, 0.95]


def test_capture_pivots() -> None:
    page = Exchange(
        role="page",
        url="https://old.example/",
        started=NOW,
        outcome=Outcome.OK,
        status=200,
        content=b"<p>Nouvelle adresse : coco-chat[.]fr</p>",
    )
    capture = Capture("https://old.example/", "old.example", NOW, NOW, Outcome.OK,
                      exchanges=(page,))  # fmt: skip
    (cand,) = capture_pivots(capture, extract(capture))
    assert (cand.name, cand.source, cand.seen_at) == ("coco-chat.fr", Source.PIVOT, NOW)


def test_the_store_is_what_discovery_needs(store: Store) -> None:
    store.set_state("ct.positions", {"https://log.example/": 7, "bad": "x"})
    create_case(store, "coco", ["coco.gg"], ["coco"])
    sources = build_sources(store, ct_logs=["https://log.example/"], follow=True)
    assert [s.name for s in sources] == ["permutations", "ct-logs"]
    assert saved_positions(store.get_state("ct.positions")) == {"https://log.example/": 7}
    assert case_prioritiser(store)(["coco.fr"])[0] > 0.9
