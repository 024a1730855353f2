"""Where Revenant keeps its data: the data directory (evidence, keys, SQLite database)
and the database URL. Chosen by `--data-dir`/`REVENANT_DATA` and `--db`/`REVENANT_DB`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "data"


@dataclass(frozen=True)
class Settings:
    """Resolved locations; nothing is created until a command needs it."""

    data_dir: Path
    db_url: str

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None, db_url: str | None = None) -> Settings:
        """Arguments win over the environment, the environment over the defaults."""
        chosen = Path(data_dir or os.environ.get("REVENANT_DATA") or DEFAULT_DATA_DIR)
        url = db_url or os.environ.get("REVENANT_DB") or f"sqlite:///{chosen / 'revenant.db'}"
        return cls(data_dir=chosen, db_url=url)
