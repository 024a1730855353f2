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
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from yarl import URL

from revenant import __version__
from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.keys import load_or_create, public_key_b64, sign, verify_signature
from revenant.evidence.ledger import LEDGER_NAME, Ledger, LedgerEntry
from revenant.evidence.read import read_captures, warc_files
from revenant.evidence.verify import Finding, verify
from revenant.evidence.warc import case_dir
from revenant.evidence.zipcheck import MODE as _MODE
from revenant.evidence.zipcheck import container_findings
from revenant.model import Clock, utcnow

WACZ_VERSION = "1.1.1"
_CHUNK = 1024 * 1024
# What a damaged ZIP raises while being read (CRC, inflate, headers, encodings).
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    zlib.error,
    ValueError,
    KeyError,
    UnicodeError,
    RuntimeError,
)
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


def _index(path: Path) -> Iterator[str]:
    """CDXJ lines for the response and metadata records of one WARC file."""
    with path.open("rb") as fh:
        it = ArchiveIterator(fh)
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


def _pages(directory: Path) -> bytes:
    lines = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    for capture in read_captures(directory):
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


def _sha256_file(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return "sha256:" + h.hexdigest(), size


def export_wacz(
    data_dir: str | Path,
    case: str,
    output: str | Path,
    *,
    clock: Clock = utcnow,
    on_append: Callable[[LedgerEntry], None] | None = None,
) -> Path:
    """Package `DATA/evidence/<case>` as a signed WACZ at `output`; refuses evidence
    that does not verify (EvidenceCorrupt) and an existing output file (UsageError)."""
    directory = case_dir(data_dir, case)
    out = Path(output)
    if out.exists():
        raise UsageError(f"{out}: exists; will not overwrite")
    files = warc_files(directory) if directory.is_dir() else []
    if not files:
        raise UsageError(f"case {case}: no evidence under {directory}")
    report = verify(directory)
    if not report.ok:
        raise EvidenceCorrupt(
            f"case {case}: evidence does not verify ({report.findings[0]}); not exported"
        )
    key = load_or_create(data_dir)
    created = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    index = ("\n".join(sorted(line for p in files for line in _index(p))) + "\n").encode()
    pages = _pages(directory)
    resources: list[dict[str, Any]] = []
    tmp = out.with_name(out.name + ".part")
    stamp = clock().timetuple()[:6]

    def entry(name: str, method: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=stamp)  # type: ignore[arg-type]
        info.compress_type = method
        info.create_system = 3
        info.external_attr = _MODE
        return info

    with zipfile.ZipFile(tmp, "w") as z:
        for p in files:
            digest, size = _sha256_file(p)
            info = entry(f"archive/{p.name}", zipfile.ZIP_STORED)
            info.file_size = size  # zip64 fields only when the size needs them
            with p.open("rb") as src, z.open(info, "w") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
            resources.append(
                {"name": p.name, "path": f"archive/{p.name}", "hash": digest, "bytes": size}
            )
        ledger = directory / LEDGER_NAME
        digest, size = _sha256_file(ledger)
        z.writestr(entry(f"ledger/{LEDGER_NAME}", zipfile.ZIP_STORED), ledger.read_bytes())
        resources.append(
            {"name": LEDGER_NAME, "path": f"ledger/{LEDGER_NAME}", "hash": digest, "bytes": size}
        )
        decisions = directory / "decisions"
        for doc in sorted(decisions.iterdir()) if decisions.is_dir() else []:
            # Decision documents the ledger holds (act/decisions.py), so the packaged
            # ledger verifies inside the package too.
            data = doc.read_bytes()
            z.writestr(entry(f"decisions/{doc.name}", zipfile.ZIP_STORED), data)
            resources.append(
                {
                    "name": doc.name,
                    "path": f"decisions/{doc.name}",
                    "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                }
            )
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
    digest, size = _sha256_file(out)
    Ledger(directory, clock=clock, on_append=on_append).append(
        action="export", file=str(out.resolve()), offset=0, length=size, digest=digest, uri=""
    )
    return out


@dataclass(frozen=True)
class WaczReport:
    """What `verify_wacz` found: ok when no finding."""

    path: str
    public_key: str = ""
    resources: int = 0
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, object]:
        return {
            "wacz": self.path,
            "ok": self.ok,
            "public_key": self.public_key,
            "resources": self.resources,
            "findings": [f.as_json() for f in self.findings],
        }


def _member_digest(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with z.open(info) as fh:
        while size <= limit and (chunk := fh.read(_CHUNK)):
            h.update(chunk)
            size += len(chunk)
    return "sha256:" + h.hexdigest(), size


def verify_wacz(path: str | Path, *, data_dir: str | Path | None = None) -> WaczReport:
    """Check a WACZ: the signature, every resource digest and size, nothing unlisted,
    and the embedded WARCs against the embedded ledger. With `data_dir`, the package must
    also be signed by this installation's key."""
    p = Path(path)
    name = p.name
    findings: list[Finding] = []

    def bad(problem: str, where: str = name, offset: int = 0) -> WaczReport:
        findings.append(Finding(where, offset, problem))
        return WaczReport(str(p), findings=tuple(findings))

    try:
        z = zipfile.ZipFile(p)
    except _DAMAGED as exc:
        return bad(f"not a readable ZIP ({exc})")
    with z:
        members = {i.filename: i for i in z.infolist()}
        for required in ("datapackage.json", "datapackage-digest.json"):
            if required not in members:
                return bad(f"{required} is missing")
        try:
            with z.open(members["datapackage-digest.json"]) as fh:
                digest_doc = json.loads(fh.read(1 << 20))
            with z.open(members["datapackage.json"]) as fh:
                package_blob = fh.read(16 << 20)
            package = json.loads(package_blob)
        except _DAMAGED as exc:
            return bad(f"package descriptor unreadable ({exc})")
        actual = "sha256:" + hashlib.sha256(package_blob).hexdigest()
        signed = digest_doc.get("signedData") or {}
        public = str(signed.get("publicKey", ""))
        if digest_doc.get("hash") != actual:
            findings.append(
                Finding("datapackage.json", 0, "digest differs from datapackage-digest.json")
            )
        if signed.get("hash") != digest_doc.get("hash"):
            findings.append(
                Finding("datapackage-digest.json", 0, "signed hash differs from the stated hash")
            )
        if not verify_signature(
            public, str(signed.get("hash", "")), str(signed.get("signature", ""))
        ):
            findings.append(Finding("datapackage-digest.json", 0, "signature does not verify"))
        if data_dir is not None and public != public_key_b64(load_or_create(data_dir)):
            findings.append(
                Finding(
                    "datapackage-digest.json", 0, "signed by a key other than this installation's"
                )
            )
        if not isinstance(signed, dict):
            signed = {}
        resources = package.get("resources") if isinstance(package, dict) else None
        if not isinstance(resources, list):
            return bad("datapackage.json has no resource list", "datapackage.json")
        listed = {"datapackage.json", "datapackage-digest.json"}
        for res in resources:
            rpath = str(res.get("path", "")) if isinstance(res, dict) else ""
            listed.add(rpath)
            info = members.get(rpath)
            if info is None:
                findings.append(Finding(rpath or "?", 0, "listed resource is missing"))
                continue
            declared = int(res.get("bytes", -1))
            try:
                digest, size = _member_digest(z, info, max(declared, 0))
            except _DAMAGED as exc:
                findings.append(Finding(rpath, 0, f"unreadable ({exc})"))
                continue
            if size != declared:
                findings.append(
                    Finding(rpath, 0, f"{size} bytes, datapackage.json says {declared}")
                )
            elif digest != res.get("hash"):
                findings.append(Finding(rpath, 0, "sha256 differs from datapackage.json"))
        for extra in sorted(set(members) - listed):
            findings.append(Finding(extra, 0, "file not listed in datapackage.json"))
        findings.extend(container_findings(p, z))
        if not findings:
            findings.extend(_verify_embedded(z, resources))
    return WaczReport(str(p), public, len(resources), tuple(findings))


def _verify_embedded(z: zipfile.ZipFile, resources: list[dict[str, Any]]) -> list[Finding]:
    """The packaged WARCs against the packaged ledger, with the case verifier."""
    with tempfile.TemporaryDirectory(prefix="revenant-wacz-") as tmp:
        for res in resources:
            rpath = str(res["path"])
            if rpath.startswith(("archive/", "decisions/")) or rpath == f"ledger/{LEDGER_NAME}":
                target = Path(tmp) / Path(rpath).name
                if rpath.startswith("decisions/"):
                    target = Path(tmp) / "decisions" / Path(rpath).name
                    target.parent.mkdir(exist_ok=True)
                with z.open(rpath) as src, target.open("wb") as dst:
                    while chunk := src.read(_CHUNK):
                        dst.write(chunk)
        report = verify(tmp)
        return [Finding(f"archive/{f.file}", f.offset, f.problem) for f in report.findings]
