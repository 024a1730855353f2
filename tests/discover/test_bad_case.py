"""A case stored with a domain the permutations cannot use (before domains were checked
on entry) is logged and skipped by the watch; the other cases go on."""

from __future__ import annotations

import logging
from pathlib import Path

from revenant.discover.sources import build_sources, case_prioritiser
from revenant.pipeline import Pipeline
from revenant.probe import ProbeConfig
from revenant.settings import Settings
from revenant.store import queue
from revenant.store.cases import create_case
from revenant.store.schema import CaseRow, CaseTermRow
from revenant.watch import Watch


def test_a_bad_stored_case_is_skipped_and_the_others_are_watched(
    tmp_path: Path, store, clock, caplog
) -> None:
    with store.session() as session:
        row = CaseRow(name="old", created_at=clock())
        session.add(row)
        session.flush()
        session.add(CaseTermRow(case_id=row.id, kind="domain", value="https://*.old_case.gg/x"))
    create_case(store, "coco", ["coco.gg"])
    pipe = Pipeline(Settings.resolve(tmp_path), store, ProbeConfig(), clock=clock)
    watch = Watch(
        pipe=pipe,
        sources=build_sources(store, permutations=True),
        prioritise=case_prioritiser(store),
    )
    with caplog.at_level(logging.WARNING, logger="revenant"):
        new = watch.pull()
    assert new > 1000 and queue.counts(store) == {"queued": new}
    assert any(
        "case old: domain skipped" in r.getMessage() and "https://*.old_case.gg/x" in r.getMessage()
        for r in caplog.records
    )
