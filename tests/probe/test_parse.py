"""The prober's one parse per page: pages made to drive the HTML tree builder without
limit end within the parse's bounds as a recorded outcome while the prober's other
captures go on, and no page is parsed twice on its way to a fingerprint."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from revenant.fingerprint import extract
from revenant.html import ParsePool, default_pool
from revenant.model import Capture, Outcome, ParseOutcome
from revenant.pipeline import Pipeline
from revenant.probe import ProbeConfig, Prober
from revenant.settings import Settings
from revenant.store import Store
from revenant.testnet import Testnet
from tests.probe.conftest import TREE_BUILDER


def _probe(
    config: ProbeConfig, targets: list[str], parser: ParsePool | None = None
) -> list[Capture]:
    async def run() -> list[Capture]:
        async with Prober(config, parser=parser) as prober:
            return list(await asyncio.gather(*(prober.capture(t) for t in targets)))

    return asyncio.run(run())


@pytest.fixture(scope="module")
def pool() -> ParsePool:
    with ParsePool(2) as running:
        yield running


@pytest.mark.parametrize("name", sorted(TREE_BUILDER))
def test_a_tree_builder_page_ends_within_its_bound_as_an_outcome(
    net: Testnet, config: ProbeConfig, pool: ParsePool, name: str
) -> None:
    started = time.monotonic()
    hostile, ordinary = _probe(config, [net.url(name), net.url("coco.test")], pool)
    assert time.monotonic() - started < config.bounds.total
    parsed = hostile.parsed
    assert parsed is not None and hostile.outcome is Outcome.OK
    roles = [e.role for e in hostile.exchanges]
    if parsed.outcome is ParseOutcome.CUT:  # the cuts before the parse read it
        assert "nested deeper than 2,000" in hostile.reason
        assert parsed.summary.title == "t" and "script" in roles
    else:  # the parse went past its bound: the page's links were not read
        assert parsed.outcome is ParseOutcome.TOO_COMPLEX
        assert hostile.reason.startswith("page too complex to parse within 0.8 s of CPU")
        assert hostile.reason.endswith("; its links, text and structure not read")
        assert roles == ["page", "favicon"]  # /favicon.ico only, not the page's script
        fingerprint = extract(hostile, parser=pool)
        assert {"favicon_mmh3", "hhhash"} <= {f.kind for f in fingerprint.features}
    # the prober's other capture went on, whole
    assert ordinary.outcome is Outcome.OK and ordinary.reason == ""
    assert {"favicon", "style", "script"} <= {e.role for e in ordinary.exchanges}


def test_the_prober_parses_a_page_once_and_the_fingerprint_not_again(
    net: Testnet, config: ProbeConfig
) -> None:
    with ParsePool(1) as pool:
        (capture,) = _probe(config, [net.url("coco.test")], pool)
        assert pool.stats.parsed == 1
        fingerprint = extract(capture, parser=pool)
        assert pool.stats.parsed == 1
    assert fingerprint.title == "coco" and fingerprint.revealed.text == "Coco"


def test_a_capture_through_the_pipeline_is_parsed_once(
    net: Testnet, config: ProbeConfig, tmp_path: Path, store: Store
) -> None:
    settings = Settings.resolve(tmp_path / "data", "unused://")
    pipe = Pipeline(settings=settings, store=store, probe_config=config)
    before = default_pool().stats.parsed

    async def run() -> None:
        async with Prober(config) as prober:  # the process's pool, as the watch uses it
            await pipe.probe(prober, net.url("coco.test"))
            await pipe.probe(prober, net.url("www.coco.test"))

    try:
        asyncio.run(run())
    finally:
        pipe.close()
    assert default_pool().stats.parsed - before == 2


def test_a_capture_read_back_from_its_warc_is_parsed_by_the_same_pool(
    net: Testnet, config: ProbeConfig, tmp_path: Path, store: Store
) -> None:
    from revenant.evidence import read_captures

    settings = Settings.resolve(tmp_path / "data", "unused://")
    pipe = Pipeline(settings=settings, store=store, probe_config=config)
    with ParsePool(1) as pool:
        (capture,) = _probe(config, [net.url("coco.test")], pool)
        try:
            kept, fingerprint = pipe.preserve(capture, case=None)
        finally:
            pipe.close()
        assert kept.warc_file is not None
        (again,) = read_captures(kept.warc_file)
        assert again.parsed is None  # never written
        assert extract(again, parser=pool) == fingerprint
        assert pool.stats.parsed == 2
