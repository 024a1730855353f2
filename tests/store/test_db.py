from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from revenant.errors import StoreError
from revenant.store import open_store
from revenant.store.db import head_revision
from revenant.store.schema import Base


def test_migrations_from_empty_give_exactly_the_schema(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    assert set(inspect(store.engine).get_table_names()) >= {
        "cases",
        "captures",
        "features",
        "candidates",
        "alerts",
        "ledger",
    }


def test_sqlite_runs_in_wal_mode(store) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_reopening_keeps_data_and_does_not_remigrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    from revenant.store.cases import create_case, list_cases

    create_case(open_store(url), "coco", ["coco.gg"])
    assert [c.name for c in list_cases(open_store(url))] == ["coco"]


def test_database_from_a_newer_revenant_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    store.close()
    with pytest.raises(StoreError, match="unknown to this Revenant"):
        open_store(url)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "junk.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        open_store(f"sqlite:///{bad}")
    assert bad.read_bytes() == b"this is not sqlite" * 100
