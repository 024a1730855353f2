"""`revenant verify --wacz`: a WACZ package is what its signature covers and nothing
else. The container is checked first (member names, count, sizes, compression, the ZIP
structure byte by byte) without inflating anything; then the signed descriptor, every
field type-checked; then each listed member is inflated once, within its declared size,
and its digest compared; last, the packaged WARCs are verified against the packaged
ledger.

It must never trust a package's own claims, never inflate a member twice or beyond the
size the container declares, and never raise on a hostile package: every problem is a
finding (exit 1).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from revenant.evidence.keys import load_or_create, public_key_b64, verify_signature
from revenant.evidence.ledger import LEDGER_NAME
from revenant.evidence.verify import Finding, verify
from revenant.evidence.zipcheck import container_findings

MAX_MEMBERS = 100_000
"""More members than any case Revenant packages (WARC files roll over at 1 GiB)."""
MAX_RATIO = 100
"""Largest inflated/compressed ratio accepted for a deflated member: Revenant stores
every member uncompressed; text deflates ~10:1, zip bombs ~1000:1."""
MAX_DIGEST_DOC = 1 << 20
MAX_PACKAGE = 16 << 20
DESCRIPTORS = ("datapackage.json", "datapackage-digest.json")
_CHUNK = 1 << 20
# What a damaged ZIP raises while being read (CRC, inflate, headers, encodings). Not
# zipfile's error for an unknown compression method: `_container` refuses every method
# but stored and deflated before any member is opened, and zipfile inflates by the
# central directory's method, the one checked.
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
    OverflowError,
    IndexError,
)


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


@dataclass(frozen=True)
class _Resource:
    path: str
    hash: str
    bytes: int


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return (
        bool(name)
        and not p.is_absolute()
        and ".." not in p.parts
        and "\\" not in name
        and "\x00" not in name
        and not name.endswith("/")
    )


def _container(p: Path, z: zipfile.ZipFile) -> list[Finding]:
    """Names, count, sizes and compression, then the ZIP bytes: nothing inflated."""
    out: list[Finding] = []
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        return [Finding(p.name, 0, f"{len(infos)} members (at most {MAX_MEMBERS})")]
    for name, n in Counter(i.filename for i in infos).items():
        if n > 1:
            out.append(Finding(name, 0, f"member name appears {n} times"))
    for info in infos:
        if not _safe_name(info.filename):
            out.append(Finding(info.filename, 0, "member name is not a plain relative path"))
        if info.compress_type == zipfile.ZIP_STORED:
            if info.file_size != info.compress_size:
                out.append(Finding(info.filename, 0, "stored member sizes differ"))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if info.file_size > max(1, info.compress_size) * MAX_RATIO:
                out.append(
                    Finding(
                        info.filename,
                        0,
                        f"inflates {info.compress_size} bytes to {info.file_size} "
                        f"(over {MAX_RATIO}:1)",
                    )
                )
        else:
            out.append(Finding(info.filename, 0, f"compression method {info.compress_type}"))
        if info.flag_bits & 0x1:
            out.append(Finding(info.filename, 0, "member is encrypted"))
    if out:
        return out
    try:
        return container_findings(p, z)
    except _DAMAGED as exc:
        return [Finding(p.name, 0, f"ZIP structure unreadable ({type(exc).__name__}: {exc})")]


def _read(z: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise ValueError(f"{info.file_size} bytes (at most {limit})")
    with z.open(info) as fh:
        return bytes(fh.read(limit + 1))[:limit]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _signed(doc: object, where: str, findings: list[Finding]) -> tuple[str, str, str, str]:
    """(stated hash, signed hash, signature, public key) of datapackage-digest.json."""
    bad = ("", "", "", "")
    if not isinstance(doc, dict):
        findings.append(Finding(where, 0, "is not a JSON object"))
        return bad
    signed = doc.get("signedData")
    if not isinstance(signed, dict):
        findings.append(Finding(where, 0, "signedData is missing or not an object"))
        return bad
    fields = {
        "hash": _text(doc.get("hash")),
        "signedData.hash": _text(signed.get("hash")),
        "signedData.signature": _text(signed.get("signature")),
        "signedData.publicKey": _text(signed.get("publicKey")),
    }
    wrong = [name for name, value in fields.items() if value is None]
    if wrong:
        findings.append(Finding(where, 0, f"{', '.join(wrong)}: missing or not a string"))
        return bad
    if doc.get("path", "datapackage.json") != "datapackage.json":
        findings.append(Finding(where, 0, "path is not datapackage.json"))
    stated, hashed, signature, public = fields.values()
    return stated or "", hashed or "", signature or "", public or ""


def _resources(package: object, findings: list[Finding]) -> list[_Resource] | None:
    """The listed resources, each field type-checked; None when unusable."""
    where = "datapackage.json"
    raw = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(raw, list):
        findings.append(Finding(where, 0, "has no resource list"))
        return None
    out: list[_Resource] = []
    for i, res in enumerate(raw):
        if not isinstance(res, dict):
            findings.append(Finding(where, 0, f"resource {i} is not an object"))
            continue
        path, digest, size = res.get("path"), res.get("hash"), res.get("bytes")
        if (
            not isinstance(path, str)
            or not isinstance(digest, str)
            or not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
        ):
            findings.append(
                Finding(where, 0, f"resource {i}: path, hash or bytes missing or of a wrong type")
            )
            continue
        out.append(_Resource(path, digest, size))
    for path, n in Counter(r.path for r in out).items():
        if n > 1:
            findings.append(Finding(path, 0, f"listed {n} times in datapackage.json"))
    return out


def verify_wacz(path: str | Path, *, data_dir: str | Path | None = None) -> WaczReport:
    """Check a WACZ: the container, the signature, every resource's digest and size,
    nothing unlisted, and the embedded WARCs against the embedded ledger. With
    `data_dir`, the package must also be signed by this installation's key."""
    p = Path(path)
    findings: list[Finding] = []
    try:
        z = zipfile.ZipFile(p)
    except _DAMAGED as exc:
        return WaczReport(str(p), findings=(Finding(p.name, 0, f"not a readable ZIP ({exc})"),))
    with z:
        try:
            return _verify_open(p, z, data_dir, findings)
        except _DAMAGED as exc:  # anything the checks above did not foresee
            findings.append(Finding(p.name, 0, f"unreadable ({type(exc).__name__}: {exc})"))
            return WaczReport(str(p), findings=tuple(findings))


def _verify_open(
    p: Path, z: zipfile.ZipFile, data_dir: str | Path | None, findings: list[Finding]
) -> WaczReport:
    def done(public: str = "", resources: int = 0) -> WaczReport:
        return WaczReport(str(p), public, resources, tuple(findings))

    findings.extend(_container(p, z))
    if findings:
        return done()
    members = {i.filename: i for i in z.infolist()}
    for required in DESCRIPTORS:
        if required not in members:
            findings.append(Finding(required, 0, "is missing"))
    if findings:
        return done()
    try:
        digest_blob = _read(z, members["datapackage-digest.json"], MAX_DIGEST_DOC)
        package_blob = _read(z, members["datapackage.json"], MAX_PACKAGE)
        digest_doc = json.loads(digest_blob)
        package = json.loads(package_blob)
    except (*_DAMAGED, RecursionError) as exc:
        findings.append(Finding(p.name, 0, f"package descriptor unreadable ({exc})"))
        return done()
    stated, hashed, signature, public = _signed(digest_doc, "datapackage-digest.json", findings)
    actual = "sha256:" + hashlib.sha256(package_blob).hexdigest()
    if stated != actual:
        findings.append(
            Finding("datapackage.json", 0, "digest differs from datapackage-digest.json")
        )
    if hashed != stated:
        findings.append(
            Finding("datapackage-digest.json", 0, "signed hash differs from the stated hash")
        )
    if not verify_signature(public, hashed, signature):
        findings.append(Finding("datapackage-digest.json", 0, "signature does not verify"))
    if data_dir is not None and public != public_key_b64(load_or_create(data_dir)):
        findings.append(
            Finding("datapackage-digest.json", 0, "signed by a key other than this installation's")
        )
    resources = _resources(package, findings)
    if resources is None:
        return done(public)
    listed = {r.path for r in resources}
    for extra in sorted(set(members) - listed - set(DESCRIPTORS)):
        findings.append(Finding(extra, 0, "file not listed in datapackage.json"))
    for res in resources:
        info = members.get(res.path)
        if info is None or res.path in DESCRIPTORS:
            findings.append(Finding(res.path or "?", 0, "listed resource is missing"))
        elif info.file_size != res.bytes:
            findings.append(
                Finding(res.path, 0, f"{info.file_size} bytes, datapackage.json says {res.bytes}")
            )
    if findings:  # nothing inflated before the descriptor and the container agree
        return done(public, len(resources))
    for res in resources:
        try:
            digest = _member_digest(z, members[res.path], res.bytes)
        except _DAMAGED as exc:
            findings.append(Finding(res.path, 0, f"unreadable ({exc})"))
            continue
        if digest != res.hash:
            findings.append(Finding(res.path, 0, "sha256 differs from datapackage.json"))
    if not findings:
        findings.extend(_verify_embedded(z, resources))
    return done(public, len(resources))


def _member_digest(z: zipfile.ZipFile, info: zipfile.ZipInfo, size: int) -> str:
    h, got = hashlib.sha256(), 0
    with z.open(info) as fh:
        while got <= size and (chunk := fh.read(_CHUNK)):
            h.update(chunk)
            got += len(chunk)
    if got != size:
        raise ValueError(f"{got} bytes inflated, {size} declared")
    return "sha256:" + h.hexdigest()


def _verify_embedded(z: zipfile.ZipFile, resources: list[_Resource]) -> list[Finding]:
    """The packaged WARCs and ledger files against the packaged ledger, with the case
    verifier, in a scratch directory laid out as the case's."""
    with tempfile.TemporaryDirectory(prefix="revenant-wacz-") as tmp:
        for res in resources:
            rel: str | None = None
            if res.path.startswith("archive/") and "/" not in res.path[8:]:
                rel = res.path[8:]
            elif res.path.startswith("ledger/"):
                rel = res.path[7:]
            if not rel:
                continue
            target = Path(tmp) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with z.open(res.path) as src, target.open("wb") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
        if not (Path(tmp) / LEDGER_NAME).exists():
            return [Finding(f"ledger/{LEDGER_NAME}", 0, "the package has no custody ledger")]
        report = verify(tmp)
        return [Finding(_member(f.file), f.offset, f.problem) for f in report.findings]


def _member(rel: str) -> str:
    return f"archive/{rel}" if rel.endswith((".warc.gz", ".warc")) else f"ledger/{rel}"
