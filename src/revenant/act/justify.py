"""What justifies acting on a name: the alert's score as explained when it was raised,
and the capture behind it as evidence (its WARC records' digests and their entries in
the custody ledger), gathered into the decision document of an order extension.

It only reads evidence; it never trusts the database alone for a digest: the digests
come from the ledger file beside the WARC.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from revenant.errors import EvidenceCorrupt
from revenant.evidence.ledger import LEDGER_NAME, LedgerEntry, read_entries
from revenant.evidence.metadata import FORMAT
from revenant.store.alerts import Alert
from revenant.store.schema import CaptureRow

_METADATA_MAX = 4 << 20


def alert_justification(alert: Alert, capture: CaptureRow | None) -> dict[str, object]:
    """The score (bits, verdict, the sentence as reported, every contribution and any
    calibrated fields the scorer added) and the capture's evidence."""
    explanation = dict(alert.explanation)
    return {
        "alert": alert.id,
        "host": alert.host,
        "target": alert.target,
        "score": explanation,
        "capture": None if capture is None else capture_evidence(capture),
    }


def capture_evidence(capture: CaptureRow) -> dict[str, object]:
    """The capture's WARC file and, per record, its id, offset, length and sha256 as the
    custody ledger holds them, with each entry's seq and hash."""
    doc: dict[str, object] = {
        "id": capture.id,
        "target": capture.target,
        "started": capture.started_at.isoformat(),
        "outcome": capture.outcome,
        "warc": capture.warc_file,
        "records": [],
    }
    if not capture.warc_file or not Path(capture.warc_file).is_file():
        doc["records_note"] = "no WARC file recorded for this capture"
        return doc
    warc = Path(capture.warc_file)
    ids = _record_ids(warc, capture.target, capture.started_at.isoformat())
    if not ids:
        doc["records_note"] = f"no metadata record for this capture found in {warc.name}"
        return doc
    entries = _ledger_entries(warc.parent / LEDGER_NAME, warc.name, set(ids))
    doc["records"] = [
        {
            "record_id": e.record_id,
            "uri": e.uri,
            "file": e.file,
            "offset": e.offset,
            "length": e.length,
            "digest": e.digest,
            "ledger_seq": e.seq,
            "ledger_hash": e.hash,
        }
        for e in entries
    ]
    return doc


def _record_ids(warc: Path, target: str, started: str) -> list[str]:
    """Record ids of one capture: its exchanges' requests and responses and its metadata."""
    with warc.open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests=False):
            if record.rec_type != "metadata":
                continue
            if record.rec_headers.get_header("WARC-Target-URI") != target:
                continue
            raw = record.raw_stream.read(_METADATA_MAX)
            try:
                meta = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                continue
            if meta.get("started") != started and not _same_time(meta.get("started"), started):
                continue
            ids = [str(record.rec_headers.get_header("WARC-Record-ID") or "")]
            for ex in meta.get("exchanges", []):
                ids += [str(ex.get(k)) for k in ("response_record", "request_record") if ex.get(k)]
            return ids
    return []


def _same_time(a: object, b: str) -> bool:
    try:
        return isinstance(a, str) and datetime.fromisoformat(a) == datetime.fromisoformat(b)
    except ValueError:
        return False


def _ledger_entries(ledger: Path, file: str, ids: set[str]) -> list[LedgerEntry]:
    found: list[LedgerEntry] = []
    if not ledger.is_file():
        return found
    for _, _, item in read_entries(ledger):
        if isinstance(item, EvidenceCorrupt):
            continue
        if item.action == "record" and item.file == file and item.record_id in ids:
            found.append(item)
    return found
