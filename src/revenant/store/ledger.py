"""The database mirror of the custody ledger, and the lock that serialises appends.

The JSON lines file beside the WARC files is the primary ledger; every entry is mirrored
here, in the same transaction that holds the case's lock, so `verify` can compare the two
and a deleted or edited ledger file is caught. The lock is `BEGIN IMMEDIATE` on SQLite
(the database's write lock) and a transaction-scoped advisory lock per case on
PostgreSQL: appends to one case's chain are serialised across processes and machines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from revenant.evidence.ledger import LedgerEntry, canonical
from revenant.store.db import Store
from revenant.store.schema import LedgerRow


def lock_case(session: Session, case: str) -> None:
    """Take the lock on `case`'s chain inside the session's transaction (held until it
    ends). Take it before anything else in the transaction, and before the file lock."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:  # a transaction already began: a write takes the lock now
            session.execute(update(LedgerRow).where(LedgerRow.id == -1).values(seq=0))
    else:
        key = int.from_bytes(hashlib.sha256(f"revenant-ledger:{case}".encode()).digest()[:8])
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key - (1 << 63)})


class _Transaction:
    """One append's side of the database (implements evidence.ledger.MirrorTransaction)."""

    def __init__(self, session: Session, case: str, *, owns: bool) -> None:
        self._session = session
        self._case = case
        self._owns = owns

    def head(self) -> tuple[int, str] | None:
        row = self._session.execute(
            select(LedgerRow.seq, LedgerRow.entry_hash)
            .where(LedgerRow.case_name == self._case)
            .order_by(LedgerRow.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def add(self, entries: Sequence[LedgerEntry], *, note: str = "") -> None:
        self._session.add_all(
            LedgerRow(
                case_name=self._case,
                seq=e.seq,
                entry=canonical(e.body() | {"hash": e.hash}).decode(),
                entry_hash=e.hash,
                note=note,
            )
            for e in entries
        )
        self._session.flush()

    def commit(self) -> None:
        if self._owns:
            self._session.commit()


class StoreMirror:
    """A case's ledger mirror in the store (evidence.ledger.Mirror). With `session`, the
    entries join the caller's transaction, which then holds the case's lock until the
    caller commits."""

    def __init__(self, store: Store | None, case: str, *, session: Session | None = None) -> None:
        if store is None and session is None:
            raise TypeError("StoreMirror needs a store or a session")
        self.store = store
        self.case = case
        self._session = session

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        if self._session is not None:
            lock_case(self._session, self.case)
            yield _Transaction(self._session, self.case, owns=False)
            return
        assert self.store is not None
        with self.store.sessions() as session:
            try:
                lock_case(session, self.case)
                yield _Transaction(session, self.case, owns=True)
            except BaseException:
                session.rollback()
                raise


def mirrored_entries(store: Store, case: str, *, upto: int | None = None) -> Iterator[LedgerEntry]:
    """The mirrored entries of a case, in chain order (up to seq `upto`)."""
    with store.session() as session:
        query = select(LedgerRow.entry).where(LedgerRow.case_name == case)
        if upto is not None:
            query = query.where(LedgerRow.seq <= upto)
        rows = session.scalars(query.order_by(LedgerRow.seq)).all()
    for entry in rows:
        yield LedgerEntry(**json.loads(entry))


def mirror_notes(store: Store, case: str) -> dict[int, str]:
    """What the mirror says about entries not mirrored when written, by seq."""
    with store.session() as session:
        rows = session.execute(
            select(LedgerRow.seq, LedgerRow.note).where(
                LedgerRow.case_name == case, LedgerRow.note != ""
            )
        ).all()
    return {int(seq): str(note) for seq, note in rows}
