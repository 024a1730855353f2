"""The store on a real PostgreSQL server: migrations give exactly the schema, the queue
hands a name to one worker only, and the ledger lock serialises a case's appends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from revenant.evidence.ledger import Ledger, read_entries
from revenant.model import Candidate, Source
from revenant.store import open_store, queue
from revenant.store.db import head_revision
from revenant.store.ledger import StoreMirror, mirrored_entries
from revenant.store.schema import Base

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_migrations_from_empty_give_exactly_the_schema_on_postgresql(postgres_url: str) -> None:
    store = open_store(postgres_url)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    store.close()


def test_two_workers_never_claim_the_same_name_on_postgresql(postgres_url: str) -> None:
    store = open_store(postgres_url)
    names = [f"n{i}.test" for i in range(200)]
    queue.enqueue(store, [Candidate(n, Source.NRD, NOW, "") for n in names])
    claimed: list[list[str]] = [[], []]

    def work(k: int) -> None:
        mine = open_store(postgres_url)
        while batch := queue.claim(mine, 7, now=NOW):
            claimed[k] += [c.name for c in batch]
        mine.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed[0] + claimed[1]) == sorted(names)
    store.close()


def test_the_ledger_lock_serialises_appends_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    # Each thread opens the (new) database itself: migrations run one at a time too.
    def work(n: int) -> None:
        store = open_store(postgres_url)
        ledger = Ledger(tmp_path, mirror=StoreMirror(store, "coco"))
        for i in range(15):
            ledger.append(action="note", file="", offset=0, length=0, digest="", uri=f"{n}-{i}")
        store.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = [e for _, _, e in read_entries(tmp_path / "ledger.jsonl")]
    assert [e.seq for e in entries] == list(range(60))  # type: ignore[union-attr]
    store = open_store(postgres_url)
    assert [e.hash for e in mirrored_entries(store, "coco")] == [e.hash for e in entries]  # type: ignore[union-attr]
    store.close()
