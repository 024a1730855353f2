"""The database mirror of the custody ledger.

The JSON lines file beside the WARC files is the primary ledger; every entry is mirrored
here as it is appended, exactly as chained, so `verify` can compare the two and a
deleted or edited ledger file is caught.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from revenant.evidence.ledger import LedgerEntry, canonical
from revenant.store.db import Store
from revenant.store.schema import LedgerRow


def mirror_entry(store: Store, case: str, entry: LedgerEntry) -> None:
    """Record one ledger entry of a case (called by the evidence log's `on_append`)."""
    with store.session() as session:
        mirror_in(session, case, entry)


def mirror_in(session: Session, case: str, entry: LedgerEntry) -> None:
    """Record one ledger entry inside the caller's transaction (a decision and its
    mirror are committed together)."""
    session.add(
        LedgerRow(
            case_name=case,
            seq=entry.seq,
            entry=canonical(entry.body() | {"hash": entry.hash}).decode(),
            entry_hash=entry.hash,
        )
    )


def mirrored_entries(store: Store, case: str) -> Iterator[LedgerEntry]:
    """The mirrored entries of a case, in chain order."""
    import json

    with store.session() as session:
        rows = session.scalars(
            select(LedgerRow).where(LedgerRow.case_name == case).order_by(LedgerRow.seq)
        ).all()
    for row in rows:
        yield LedgerEntry(**json.loads(row.entry))
