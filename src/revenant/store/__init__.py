"""The database: cases, candidates (the probe queue), captures, features, alerts, ledger.

SQLite in WAL mode by default, PostgreSQL for teams; schema changes go through Alembic.
"""

from revenant.store.db import Store, open_store

__all__ = ["Store", "open_store"]
