"""A case's evidence as one WACZ 1.1 package — WARC files, CDXJ index, pages list, the
custody ledger, `datapackage.json`, and `datapackage-digest.json` whose hash is signed
with the installation's key — and the check that refuses a tampered package.

It must never package evidence that fails `verify` without saying so (export refuses),
never trust a package's own claims (every digest is recomputed from the bytes, the
signature checked against the embedded key and, when given, the installation's key),
and never extract more than a resource's declared size.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from yarl import URL

from revenant import __version__
from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.keys import load_or_create, public_key_b64, sign
from revenant.evidence.ledger import (
    INTERRUPTED,
    LEDGER_NAME,
    UNRECORDED,
    Ledger,
    LedgerEntry,
    Mirror,
    file_digest,
    read_entries,
)
from revenant.evidence.read import read_captures, warc_files
from revenant.evidence.snapshot import Upto, snapshot
from revenant.evidence.verify import verify
from revenant.evidence.warc import case_dir
from revenant.evidence.zipcheck import MODE as _MODE
from revenant.model import Clock, utcnow

WACZ_VERSION = "1.1.1"
_CHUNK = 1024 * 1024
_TITLE = re.compile(rb"<title[^>]*>([^<]{0,300})", re.IGNORECASE)


def surt(url: str) -> str:
    """Sort-friendly URL key for CDXJ: "test,coco)/path?q"."""
    try:
        u = URL(url)
    except (ValueError, TypeError):
        return url
    host = (u.host or "").lower().removeprefix("www.")
    key = ",".join(reversed(host.split(".")))
    if u.explicit_port and u.port not in (80, 443):
        key += f":{u.port}"
    return f"{key}){(u.raw_path_qs or '/').lower()}"


def _ts14(warc_date: str) -> str:
    return re.sub(r"\D", "", warc_date)[:14]


def _index(path: Path, end: int) -> Iterator[str]:
    """CDXJ lines for the response and metadata records of one WARC file (up to `end`)."""
    with path.open("rb") as fh:
        it = ArchiveIterator(Upto(fh, end))
        for record in it:
            rtype = record.rec_type
            if rtype not in ("response", "metadata"):
                continue
            h = record.rec_headers
            uri = h.get_header("WARC-Target-URI") or ""
            entry: dict[str, Any] = {"url": uri}
            if rtype == "response" and record.http_headers is not None:
                entry["mime"] = (record.http_headers.get_header("Content-Type") or "").split(";")[0]
                entry["status"] = record.http_headers.get_statuscode()
                entry["digest"] = h.get_header("WARC-Payload-Digest")
            else:
                entry["mime"] = h.get_header("Content-Type") or ""
                entry["recordType"] = rtype
            while record.raw_stream.read(_CHUNK):
                pass
            entry["offset"] = it.get_record_offset()
            entry["length"] = it.get_record_length()
            entry["filename"] = path.name
            ts = _ts14(h.get_header("WARC-Date") or "")
            yield f"{surt(uri)} {ts} {json.dumps(entry, sort_keys=True)}"


def _pages(directory: Path, ends: dict[str, int]) -> bytes:
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    for capture in read_captures(directory, ends=ends):
        page = capture.page
        if page is None or page.status is None:
            continue
        match = _TITLE.search(page.content[:65536])
        item = {
            "id": hashlib.sha256(f"{page.url} {page.started.isoformat()}".encode()).hexdigest()[
                :32
            ],
            "url": page.url,
            "ts": page.started.isoformat(),
        }
        if match:
            item["title"] = match.group(1).decode("utf-8", "replace").strip()
        lines.append(json.dumps(item, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def _record_ends(entries: list[LedgerEntry]) -> dict[str, int]:
    """Per WARC file, where its records end (what follows is `unrecorded`, if anything)."""
    ends: dict[str, int] = {}
    stopped: set[str] = set()
    for e in entries:
        if e.action == UNRECORDED:
            stopped.add(e.file)
            ends.setdefault(e.file, e.offset)
        elif e.action == "record" and e.file not in stopped:
            ends[e.file] = e.offset + e.length
    return ends


def export_wacz(
    data_dir: str | Path,
    case: str,
    output: str | Path,
    *,
    clock: Clock = utcnow,
    on_append: Callable[[LedgerEntry], None] | None = None,
    mirror: Mirror | None = None,
    actor: str | None = None,
) -> Path:
    """Package `DATA/evidence/<case>` as a signed WACZ at `output`: the WARC files, the
    ledger and every file it names, as they stood in one snapshot taken under the
    ledger's lock (writers may go on meanwhile). Refuses evidence that does not verify
    (EvidenceCorrupt) and an existing output file (UsageError)."""
    directory = case_dir(data_dir, case)
    out = Path(output)
    if out.exists():
        raise UsageError(f"{out}: exists; will not overwrite")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such directory")
    if not directory.is_dir() or not warc_files(directory):
        raise UsageError(f"case {case}: no evidence under {directory}")
    snap = snapshot(directory)
    report = verify(directory, snap=snap)
    if not report.ok:
        raise EvidenceCorrupt(
            f"case {case}: evidence does not verify ({report.findings[0]}); not exported"
        )
    sizes = snap.sizes
    files = [p for p in warc_files(directory) if p.name in sizes]
    entries = [
        e
        for _, _, e in read_entries(directory / LEDGER_NAME, limit=sizes[LEDGER_NAME])
        if isinstance(e, LedgerEntry)
    ]
    ends = _record_ends(entries)
    named = sorted(
        {
            e.file
            for e in entries
            if e.action not in ("record", UNRECORDED, INTERRUPTED) and e.file in sizes
        }
    )
    key = load_or_create(data_dir)
    created = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    index = (
        "\n".join(sorted(line for p in files for line in _index(p, ends.get(p.name, 0)))) + "\n"
    ).encode()
    pages = _pages(directory, ends)
    resources: list[dict[str, Any]] = []
    tmp = out.with_name(out.name + ".part")
    stamp = clock().timetuple()[:6]

    def entry(name: str, method: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
        info.compress_type = method
        info.create_system = 3
        info.external_attr = _MODE
        return info

    def add_file(path: Path, member: str, name: str) -> None:
        size = sizes[path.relative_to(directory).as_posix()]
        digest, got = file_digest(path, 0, size)
        info = entry(member, zipfile.ZIP_STORED)
        info.file_size = got  # zip64 fields only when the size needs them
        with path.open("rb") as raw, z.open(info, "w") as dst:
            src = Upto(raw, got)
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
        resources.append({"name": name, "path": member, "hash": digest, "bytes": got})

    with zipfile.ZipFile(tmp, "w") as z:
        for p in files:
            add_file(p, f"archive/{p.name}", p.name)
        add_file(directory / LEDGER_NAME, f"ledger/{LEDGER_NAME}", LEDGER_NAME)
        for rel in named:  # timestamp replies, decision documents
            add_file(directory / rel, f"ledger/{rel}", rel.rsplit("/", 1)[-1])
        for name, blob in (("indexes/index.cdxj", index), ("pages/pages.jsonl", pages)):
            z.writestr(entry(name, zipfile.ZIP_STORED), blob)
            resources.append(
                {
                    "name": name.rsplit("/", 1)[1],
                    "path": name,
                    "hash": "sha256:" + hashlib.sha256(blob).hexdigest(),
                    "bytes": len(blob),
                }
            )
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": f"Revenant evidence, case {case}",
            "created": created,
            "software": f"Revenant {__version__}",
            "mainPageUrl": None,
            "revenant": {"case": case, "ledger_head": report.head, "records": report.records},
            "resources": resources,
        }
        blob = json.dumps(package, indent=2, ensure_ascii=False).encode()
        z.writestr(entry("datapackage.json", zipfile.ZIP_STORED), blob)
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        signed = {
            "hash": digest,
            "created": created,
            "software": f"Revenant {__version__}",
            "signature": sign(key, digest),
            "publicKey": public_key_b64(key),
        }
        z.writestr(
            entry("datapackage-digest.json", zipfile.ZIP_STORED),
            json.dumps(
                {"path": "datapackage.json", "hash": digest, "signedData": signed}, indent=2
            ),
        )
    tmp.rename(out)
    digest, size = file_digest(out)
    Ledger(directory, clock=clock, on_append=on_append, mirror=mirror).append(
        action="export",
        file=str(out.resolve()),
        offset=0,
        length=size,
        digest=digest,
        uri="",
        actor=actor,
    )
    return out


from revenant.evidence.waczcheck import WaczReport, verify_wacz  # noqa: E402

__all__ = ["WaczReport", "export_wacz", "surt", "verify_wacz"]
