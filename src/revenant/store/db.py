"""Opening the database: engine, SQLite pragmas (WAL), migrations to the newest schema.

Opening never drops or rewrites data: it only migrates forward with Alembic. A database
newer than this code, or one that is not a database, is refused with a clear error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from revenant.errors import StoreError, UsageError
from revenant.model import Case, JsonValue

_MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Store:
    """An open database: an engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    # what discovery asks of a database (model.DiscoveryStore)

    def list_cases(self) -> list[Case]:
        from revenant.store.cases import list_cases

        return list_cases(self)

    def get_state(self, key: str) -> JsonValue:
        from revenant.store.state import get_state

        value: JsonValue = get_state(self, key)
        return value

    def set_state(self, key: str, value: JsonValue) -> None:
        from revenant.store.state import set_state

        set_state(self, key, value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config() -> Config:
    """The Alembic configuration for Revenant's migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


_MIGRATING = threading.Lock()
"""Alembic's migration context is global to the process: one migration at a time."""
_MIGRATION_LOCK = 0x5245564D  # "REVM": the advisory lock taken while migrating (PostgreSQL)


def _migrate(engine: Engine) -> None:
    """Bring the schema up to the newest revision; refuse a database from the future.
    Processes opening one new database at once migrate it one after the other."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    with _MIGRATING, engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and not _known(script, current):
            raise StoreError(
                f"database {engine.url.render_as_string(hide_password=True)} is at schema "
                f"revision {current}, unknown to this Revenant; upgrade Revenant"
            )
        if current == script.get_current_head():
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown revisions
        return False


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (plain or `file:` URI form), None for other databases."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database.removeprefix("file:").split("?", 1)[0])


def check_url(url: str, *, create_dirs: bool) -> None:
    """Refuse a database URL that would keep nothing (in-memory SQLite) or, unless
    `create_dirs`, a SQLite file in a directory that does not exist."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UsageError(f"database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() != "sqlite":
        return
    name = parsed.database or ""
    if (
        name in ("", ":memory:")
        or name.startswith("file::memory:")
        or "memory" in str(parsed.query.get("mode", ""))
    ):
        raise UsageError(
            f"database URL {url!r} is an in-memory SQLite database: nothing would be kept; "
            "give a file, e.g. sqlite:////var/lib/revenant/revenant.db"
        )
    parent = (sqlite_file(url) or Path(name)).parent  # a SQLite file: never the fallback
    if not parent.is_dir():
        if not create_dirs:
            raise UsageError(f"database URL {url!r}: directory {parent} does not exist")
        parent.mkdir(parents=True, exist_ok=True)


def open_store(url: str, *, create_dirs: bool = True, migrate: bool = True) -> Store:
    """Open (creating and migrating if needed) the database at `url`. `migrate=False`
    opens it as it is, for reading (verify): nothing is created or changed."""
    check_url(url, create_dirs=create_dirs and migrate)
    try:
        engine = create_engine(url, future=True)
    except Exception as exc:  # bad URL, missing driver
        raise StoreError(f"database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        try:
            _migrate(engine)
        except (OperationalError, DatabaseError) as exc:
            engine.dispose()
            where = engine.url.render_as_string(hide_password=True)
            raise StoreError(f"database {where}: {exc.orig}") from exc
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
