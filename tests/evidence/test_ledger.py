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


def test_each_append_may_name_its_actor(tmp_path: Path, clock) -> None:
    ledger = Ledger(tmp_path, clock=clock, actor="revenant")
    a = ledger.append(**_item(0))
    b = ledger.append(**_item(1), actor="alice")
    c, d = ledger.append_many([_item(2), {**_item(3), "actor": "bob"}], actor="carol")
    assert [e.actor for e in (a, b, c, d)] == ["revenant", "alice", "carol", "bob"]


def test_hold_inside_hold_is_refused_not_a_deadlock(tmp_path: Path, clock) -> None:
    import pytest

    ledger = Ledger(tmp_path, clock=clock)
    with ledger.hold() as held:
        held.append(**_item(0))
        with pytest.raises(RuntimeError, match="inside hold"):
            ledger.append(**_item(1))
    assert ledger.append(**_item(1)).seq == 1


def test_a_ledger_file_behind_its_database_mirror_is_refused_not_extended(
    tmp_path: Path, clock, store
) -> None:
    import pytest

    from revenant.errors import EvidenceCorrupt
    from revenant.store.ledger import StoreMirror, mirrored_entries

    ledger = Ledger(tmp_path, clock=clock, mirror=StoreMirror(store, "coco"))
    ledger.append_many([_item(0), _item(1), _item(2)])
    path = tmp_path / "ledger.jsonl"
    cut = b"".join(path.read_bytes().splitlines(keepends=True)[:2])
    path.write_bytes(cut)
    with pytest.raises(EvidenceCorrupt, match="the file was cut or replaced"):
        ledger.append(**_item(3))
    assert path.read_bytes() == cut
    assert [e.seq for e in mirrored_entries(store, "coco")] == [0, 1, 2]


def test_entries_written_without_the_database_are_mirrored_later_saying_so(
    tmp_path: Path, clock, store
) -> None:
    from revenant.store.ledger import StoreMirror, mirror_notes, mirrored_entries

    Ledger(tmp_path, clock=clock).append_many([_item(0), _item(1)])
    Ledger(tmp_path, clock=clock, mirror=StoreMirror(store, "coco")).append(**_item(2))
    assert [e.seq for e in mirrored_entries(store, "coco")] == [0, 1, 2]
    notes = mirror_notes(store, "coco")
    assert set(notes) == {0, 1} and "not when written" in notes[0]


def test_threads_of_one_process_append_in_chain_order(tmp_path: Path, clock, store) -> None:
    import threading

    from revenant.evidence.verify import verify
    from revenant.store.ledger import StoreMirror, mirrored_entries

    case = tmp_path / "coco"  # apart from the database's files

    def work(n: int) -> None:
        # One Ledger object per thread, as separate components of one process would.
        ledger = Ledger(case, clock=clock, mirror=StoreMirror(store, "coco"))
        for i in range(20):
            ledger.append(**_item(n * 100 + i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = [e for _, _, e in read_entries(case / "ledger.jsonl")]
    assert [e.seq for e in entries] == list(range(80))  # type: ignore[union-attr]
    assert [e.seq for e in mirrored_entries(store, "coco")] == list(range(80))
    report = verify(case)  # the chain holds (the made-up WARC file does not exist)
    assert {f.file for f in report.findings} == {"a.warc.gz"}
