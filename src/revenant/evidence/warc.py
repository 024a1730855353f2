"""Writing captures as WARC 1.1: per file a `warcinfo`, per exchange a `request` and a
`response` (status line and headers as received, then the body as received), per
rendered capture a `resource` record of the DOM after load and one of the screenshot,
per capture a `metadata` record (JSON: DNS, TLS chain, peer, timings, outcomes, the
browser's refused requests). Each
record is its own gzip member, carries WARC-Block-Digest (and WARC-Payload-Digest for
responses) and gets a custody ledger entry. Files roll over by size, one directory
per case.

It must never rewrite a byte already written: files are created exclusively and only
appended to, each by the one process that created it (its claim in `writers/`), so
several processes writing one case never share a file. Records and their ledger entries
are written under the case's ledger lock, in the same order. A refused body is never
written (its headers and the refusal are).
Records are serialised here rather than by warcio's writer so that the bytes hashed
into the ledger are exactly the bytes on disk; `warcio check` validates the result.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import random
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from io import FileIO
from pathlib import Path
from types import TracebackType
from typing import Any

from isal import igzip

from revenant import __version__
from revenant.errors import UsageError
from revenant.evidence.ledger import Ledger, LedgerEntry, LedgerHold, Mirror
from revenant.evidence.metadata import capture_to_json
from revenant.model import Capture, Clock, Exchange, Outcome, utcnow

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
_CASE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")
_RENAMED = "X-Revenant-Transfer-Encoding-Removed"


def case_dir(data_dir: str | Path, case: str) -> Path:
    """`DATA/evidence/<case>/`; UsageError for a case name that is not a safe file name."""
    if not _CASE.match(case) or case in (".", ".."):
        raise UsageError(f"case name {case!r}: use letters, digits, '.', '_' and '-'")
    return Path(data_dir) / "evidence" / case


def warc_digest(data: bytes) -> str:
    """WARC digest label: sha256, base32 (as warcio and pywb read it)."""
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def _date(value: datetime) -> str:
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if value.microsecond
        else value.strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _header_block(first: str, headers: tuple[tuple[str, str], ...]) -> bytes:
    lines = [first]
    for key, value in headers:
        if key.lower() == "transfer-encoding":
            # The body is stored without transfer coding (see docs/evidence.md).
            key = _RENAMED
        lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")


def _request_block(e: Exchange) -> bytes:
    from yarl import URL

    url = URL(e.url)
    target = url.raw_path_qs or "/"
    return _header_block(f"GET {target} {e.http_version}", e.request_headers)


def _response_block(e: Exchange) -> tuple[bytes, bytes]:
    head = _header_block(f"{e.http_version} {e.status} {e.status_text}".rstrip(), e.headers)
    # The writer enforces it too: whatever the prober handed over, a refused body stays out.
    return head, (b"" if e.outcome is Outcome.REFUSED else e.payload)


def _truncation(e: Exchange) -> str | None:
    if e.outcome is Outcome.REFUSED:
        return "unspecified"
    if not e.truncated:
        return None
    return {
        Outcome.TOO_LARGE: "length",
        Outcome.TIMEOUT: "time",
        Outcome.PROTOCOL_ERROR: "disconnect",
    }.get(e.outcome, "unspecified")


class EvidenceLog:
    """A case's evidence directory: appends captures to `<case>-<time>-<n>.warc.gz` files
    and their custody entries to `ledger.jsonl`.

    `with EvidenceLog(DATA/evidence/coco, case="coco") as log: path = log.write(capture)`.
    `mirror` is the database copy of the ledger and its lock across processes;
    `on_append` receives every ledger entry once it is on disk.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        case: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Clock = utcnow,
        rng: random.Random | None = None,
        actor: str = "revenant",
        on_append: Callable[[LedgerEntry], None] | None = None,
        mirror: Mirror | None = None,
        decompressed_limit: int = 10 * 1024 * 1024,
    ) -> None:
        self.directory = Path(directory)
        self.case = case or self.directory.name
        if not _CASE.match(self.case) or self.case in (".", ".."):
            raise UsageError(f"case name {self.case!r}: use letters, digits, '.', '_' and '-'")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._max = max_bytes
        self._clock = clock
        self._rng = rng or random.Random()
        self._limit = decompressed_limit
        self.ledger = Ledger(
            self.directory, actor=actor, clock=clock, on_append=on_append, mirror=mirror
        )
        self._file: Path | None = None
        self._fh: FileIO | None = None
        self._size = 0

    def __enter__(self) -> EvidenceLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, *, finished: bool = True) -> None:
        """Stop writing the current file (a later write starts a new one)."""
        if self._fh is not None:
            with contextlib.suppress(OSError):  # unbuffered: nothing left to lose
                self._fh.close()
        if self._file is not None:
            self.ledger.release(self._file.name, finished=finished)
        self._file, self._fh, self._size = None, None, 0

    def _record_id(self) -> str:
        return f"<urn:uuid:{uuid.UUID(int=self._rng.getrandbits(128), version=4)}>"

    def _open(self) -> tuple[bytes, dict[str, object]]:
        """Create a new WARC file (under the ledger lock) and its warcinfo record."""
        seq = len(list(self.directory.glob("*.warc.gz")))
        while True:
            name = f"{self.case}-{self._clock():%Y%m%d%H%M%S}-{seq:05d}.warc.gz"
            path = self.directory / name
            if not path.exists():
                try:
                    self.ledger.claim(name)  # the claim first: a file is never unclaimed
                    self._fh = path.open("xb", buffering=0)
                    break
                except FileExistsError:
                    self.ledger.release(name, finished=True)
            seq += 1
        self._file, self._size = path, 0
        info = (
            f"software: Revenant/{__version__}\r\n"
            f"format: WARC File Format 1.1\r\n"
            f"conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
            f"isPartOf: {self.case}\r\n"
            f"description: Revenant evidence, case {self.case}\r\n"
        ).encode()
        return self._record(
            "warcinfo",
            {"WARC-Filename": name, "Content-Type": "application/warc-fields"},
            info,
            self._clock(),
        )

    def _record(
        self,
        rtype: str,
        extra: dict[str, str],
        block: bytes,
        when: datetime,
        *,
        uri: str = "",
        payload: bytes | None = None,
        record_id: str | None = None,
    ) -> tuple[bytes, dict[str, object]]:
        rid = record_id or self._record_id()
        fields = [("WARC-Type", rtype), ("WARC-Record-ID", rid), ("WARC-Date", _date(when))]
        if uri:
            fields.append(("WARC-Target-URI", uri))
        fields.extend(extra.items())
        fields.append(("WARC-Block-Digest", warc_digest(block)))
        if payload is not None:
            fields.append(("WARC-Payload-Digest", warc_digest(payload)))
        fields.append(("Content-Length", str(len(block))))
        head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
        raw = head.encode("utf-8") + block + b"\r\n\r\n"
        # ISA-L at level 2: standard gzip members, as small as zlib's level 1 and several
        # times faster than zlib's default, which cost the prober a tenth of its time.
        member = igzip.compress(raw, compresslevel=2, mtime=0)
        entry: dict[str, object] = {
            "action": "record",
            "length": len(member),
            "digest": "sha256:" + hashlib.sha256(member).hexdigest(),
            "record_id": rid,
            "uri": uri,
        }
        return member, entry

    def _append(
        self, held: LedgerHold, records: list[tuple[bytes, dict[str, object]]]
    ) -> list[LedgerEntry]:
        """Write the records to this process's file, then their entries (lock held)."""
        if self._file is not None and self._size >= self._max:
            self.close()
        if self._file is None:
            records = [self._open(), *records]
        assert self._file is not None and self._fh is not None
        items = []
        offset = self._size
        for member, entry in records:
            items.append({**entry, "file": self._file.name, "offset": offset})
            offset += len(member)
        try:
            view = memoryview(b"".join(member for member, _ in records))
            while view:
                view = view[self._fh.write(view) or 0 :]
            self._size = offset
            return held.append_many(items)
        except BaseException:
            # What reached the file or the ledger is unknown: give the file up (a new
            # one starts), so the next append records whatever no entry names.
            self.close(finished=False)
            raise

    def _rendering(
        self,
        capture: Capture,
        page_id: str | None,
        records: list[tuple[bytes, dict[str, object]]],
    ) -> tuple[str | None, str | None]:
        """The rendered DOM and the screenshot as `resource` records (appended to
        `records`); their record ids, for the capture's metadata."""
        r = capture.rendering
        if r is None:
            return None, None
        ids: list[str | None] = []
        refers = {"WARC-Refers-To": page_id} if page_id else {}
        for kind, body, ctype in (
            ("rendered-dom", r.dom, "text/html; charset=utf-8"),
            ("screenshot", r.screenshot, "image/png"),
        ):
            if not body:
                ids.append(None)
                continue
            rid = self._record_id()
            extra = {"Content-Type": ctype, **refers}
            if kind == "rendered-dom" and r.dom_truncated:
                extra["WARC-Truncated"] = "length"
            records.append(
                self._record(
                    "resource",
                    extra,
                    body,
                    r.finished,
                    uri=_resource_uri(kind, r.url),
                    payload=body,
                    record_id=rid,
                )
            )
            ids.append(rid)
        return ids[0], ids[1]

    def write(self, capture: Capture) -> Path:
        """Write one capture's records, then their ledger entries; returns the WARC file."""
        records: list[tuple[bytes, dict[str, object]]] = []
        ids: list[tuple[str | None, str | None]] = []
        page_id: str | None = None
        for e in capture.exchanges:
            if e.status is None:  # nothing came back: the metadata says why
                ids.append((None, None))
                continue
            req_id, resp_id = self._record_id(), self._record_id()
            ip = {"WARC-IP-Address": e.peer} if e.peer else {}
            head, body = _response_block(e)
            extra = {"Content-Type": "application/http;msgtype=response", **ip}
            cut = _truncation(e)
            if cut:
                extra["WARC-Truncated"] = cut
            records.append(
                self._record(
                    "response",
                    extra,
                    head + body,
                    e.started,
                    uri=e.url,
                    payload=body,
                    record_id=resp_id,
                )
            )
            records.append(
                self._record(
                    "request",
                    {
                        "Content-Type": "application/http;msgtype=request",
                        "WARC-Concurrent-To": resp_id,
                        **ip,
                    },
                    _request_block(e),
                    e.started,
                    uri=e.url,
                    record_id=req_id,
                )
            )
            ids.append((req_id, resp_id))
            if e.role == "page":
                page_id = resp_id
        rendered = self._rendering(capture, page_id, records)
        doc = capture_to_json(capture, ids, decompressed_limit=self._limit, rendered=rendered)
        block = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")
        meta_extra = {"Content-Type": "application/json"}
        if page_id:
            meta_extra["WARC-Refers-To"] = page_id
        records.append(
            self._record("metadata", meta_extra, block, capture.finished, uri=capture.target)
        )
        with self.ledger.hold() as held:
            self._append(held, records)
            assert self._file is not None
            return self._file


def _resource_uri(kind: str, url: str) -> str:
    return f"urn:revenant:{kind}:{url}"


def open_case_log(data_dir: str | Path, case: str, **options: Any) -> EvidenceLog:
    """The evidence log of `case` under the data dir: `DATA/evidence/<case>/`."""
    return EvidenceLog(case_dir(data_dir, case), case=case, **options)
