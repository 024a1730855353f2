"""evidence/ledger.py: the chain, the callback, reopening."""

from __future__ import annotations

from pathlib import Path

from revenant.evidence.ledger import GENESIS, Ledger, LedgerEntry, read_entries


def _item(n: int) -> dict[str, object]:
    return {
        "action": "record",
        "file": "a.warc.gz",
        "offset": n * 10,
        "length": 10,
        "digest": f"sha256:{n:064x}",
    }


def test_entries_chain_to_the_previous_hash(tmp_path: Path, clock) -> None:
    ledger = Ledger(tmp_path, clock=clock)
    a, b = ledger.append_many([_item(0), _item(1)])
    assert a.prev == GENESIS and b.prev == a.hash and ledger.head == b.hash
    assert a.compute_hash() == a.hash


def test_on_append_receives_each_entry_after_it_is_on_disk(tmp_path: Path, clock) -> None:
    seen: list[LedgerEntry] = []

    def mirror(entry: LedgerEntry) -> None:
        assert entry.line() in (tmp_path / "ledger.jsonl").read_bytes()
        seen.append(entry)

    ledger = Ledger(tmp_path, clock=clock, on_append=mirror)
    ledger.append(**_item(0))
    ledger.append(**_item(1))
    assert [e.seq for e in seen] == [0, 1]


def test_reopened_ledger_continues_the_chain(tmp_path: Path, clock) -> None:
    first = Ledger(tmp_path, clock=clock).append(**_item(0))
    second = Ledger(tmp_path, clock=clock).append(**_item(1))
    assert second.seq == 1 and second.prev == first.hash
    entries = [e for _, _, e in read_entries(tmp_path / "ledger.jsonl")]
    assert entries == [first, second]


def test_hash_covers_every_field_but_the_hash(tmp_path: Path, clock) -> None:
    # body() is written out by hand for speed: a field added to LedgerEntry must be
    # added there too, or it would escape the chain.
    import json
    from dataclasses import asdict, fields

    entry = Ledger(tmp_path, clock=clock).append(**_item(0), record_id="<urn:x>", uri="http://a/")
    assert set(entry.body()) == {f.name for f in fields(LedgerEntry)} - {"hash"}
    assert json.loads(entry.line()) == asdict(entry)
