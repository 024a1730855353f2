"""A case with recorded captures and alerts, built without network: what decisions,
orders and the zone are given."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from revenant.model import Contribution, Score, Verdict
from revenant.pipeline import Pipeline
from revenant.probe import ProbeConfig
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.store.alerts import raise_alert
from revenant.store.cases import create_case
from tests.conftest import FakeClock
from tests.evidence.conftest import make_capture


@dataclass
class World:
    """A data dir, its store, a clock, and a way to raise an alert on a recorded capture."""

    settings: Settings
    store: Store
    clock: FakeClock
    pipe: Pipeline

    @property
    def data(self) -> Path:
        return self.settings.data_dir

    def alert(self, host: str, bits: float = 40.0, *, case: str = "coco") -> int:
        """Record a capture of `host` as evidence and raise an alert on it; its id."""
        capture = replace(make_capture(0), target=f"https://{host}/", host=host)
        stored = self.pipe.record(capture, case=None)
        score = Score(
            target=f"https://{host}/",
            case=case,
            bits=bits,
            verdict=Verdict.REEMERGENCE,
            sentence=f"These observations are 2^{bits:.0f} times more probable if {host} is "
            f"operated by those behind {case} than if it were an unrelated site.",
            contributions=(
                Contribution("telegram:coco_news", 16.0, "shares Telegram handle coco_news"),
            ),
        )
        from revenant.store.cases import get_case

        case_id = get_case(self.store, case).id
        assert case_id is not None
        with self.store.session() as session:
            alert_id, _ = raise_alert(
                session, case_id, score, capture_id=stored.capture_id, now=self.clock()
            )
        return alert_id


@pytest.fixture
def world(tmp_path: Path, clock: FakeClock) -> Iterator[World]:
    settings = Settings.resolve(tmp_path / "data")
    store = open_store(settings.db_url)
    create_case(store, "coco", ["coco.gg"], ["coco"])
    pipe = Pipeline(settings=settings, store=store, probe_config=ProbeConfig(), clock=clock)
    yield World(settings, store, clock, pipe)
    pipe.close()
    store.close()


@pytest.fixture
def alert_on(world: World) -> Callable[..., int]:
    return world.alert
