"""Small named state values kept across runs (CT log positions, last run times)."""

from __future__ import annotations

import json
from typing import Any

from revenant.store.db import Store
from revenant.store.schema import StateRow


def get_state(store: Store, key: str, default: Any = None) -> Any:
    with store.session() as session:
        row = session.get(StateRow, key)
        return default if row is None else json.loads(row.value)


def set_state(store: Store, key: str, value: Any) -> None:
    with store.session() as session:
        row = session.get(StateRow, key)
        text = json.dumps(value, sort_keys=True)
        if row is None:
            session.add(StateRow(key=key, value=text))
        else:
            row.value = text
