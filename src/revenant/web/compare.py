"""An alert beside the seized site: what each capture shows (title, favicon,
certificates, headers, DNS, visible text), which features they share and which differ,
and a line diff of their visible text.

Values only: every string here is captured, hostile input, and the templates print it
as escaped text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from revenant.fingerprint.extract import visible_text
from revenant.match.explain import label
from revenant.model import Capture, CaseFeature, Certificate, DnsRecord, Feature, Headers
from revenant.store.schema import CaptureRow
from revenant.web.images import CheckedImage, check_image

MAX_TEXT_LINES = 2000
"""Visible-text lines compared per side (difflib is quadratic in the worst case)."""
MAX_VALUES = 200  # feature values listed per kind and column


@dataclass(frozen=True)
class Favicon:
    checked: CheckedImage
    url: str
    size: int


@dataclass(frozen=True)
class Side:
    """One capture as the comparison shows it."""

    capture_id: int
    host: str
    url: str
    title: str
    status: int | None
    outcome: str
    reason: str
    peer: str | None
    started: datetime
    warc: str  # file name only
    evidence: str = ""  # why the WARC could not be read, when it could not
    favicon: Favicon | None = None
    tls_version: str = ""
    verified: bool | None = None
    verify_error: str = ""
    certificates: tuple[Certificate, ...] = ()
    headers: Headers = ()
    dns: tuple[DnsRecord, ...] = ()
    text: list[str] = field(default_factory=list)


def side(row: CaptureRow, capture: Capture | None, *, evidence: str = "") -> Side:
    """What one capture row and its evidence (when readable) show."""
    base = Side(
        capture_id=row.id,
        host=row.host,
        url=row.final_url or row.target,
        title=row.title,
        status=row.status,
        outcome=row.outcome,
        reason=row.reason,
        peer=row.peer,
        started=row.started_at,
        warc=Path(row.warc_file).name if row.warc_file else "",
        evidence=evidence or ("" if capture is not None else "the WARC record was not found"),
    )
    if capture is None:
        return base
    icon = capture.favicon
    favicon = (
        Favicon(
            check_image(icon.content, icon.header("content-type")),
            f"/captures/{row.id}/favicon",
            len(icon.content),
        )
        if icon is not None
        else None
    )
    tls = capture.tls
    page = capture.page
    return replace(
        base,
        favicon=favicon,
        tls_version=tls.version if tls else "",
        verified=tls.verified if tls else None,
        verify_error=tls.verify_error if tls else "",
        certificates=tls.chain if tls else (),
        headers=page.headers if page else (),
        dns=capture.dns,
        text=visible_text(capture)[:MAX_TEXT_LINES],
    )


@dataclass(frozen=True)
class KindDiff:
    """One feature kind: values both show, the case's only, the alert's only."""

    kind: str
    label: str
    shared: list[str]
    case_only: list[str]
    alert_only: list[str]


def feature_diff(case: Iterable[CaseFeature], alert: Iterable[Feature]) -> list[KindDiff]:
    """Shared and differing features by kind; shared kinds first. Excluded case
    features are left out (they never count)."""
    mine: dict[str, set[str]] = {}
    for cf in case:
        if not cf.excluded:
            mine.setdefault(cf.feature.kind, set()).add(cf.feature.value)
    theirs: dict[str, set[str]] = {}
    for f in alert:
        theirs.setdefault(f.kind, set()).add(f.value)
    out = []
    for kind in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(kind, set()), theirs.get(kind, set())
        out.append(
            KindDiff(
                kind,
                label(kind),
                sorted(a & b)[:MAX_VALUES],
                sorted(a - b)[:MAX_VALUES],
                sorted(b - a)[:MAX_VALUES],
            )
        )
    out.sort(key=lambda d: (not d.shared, d.kind))
    return out


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "removed" (seized site only), "added" (alert only), "changed"
    left: str
    right: str


def text_diff(left: list[str], right: list[str]) -> list[DiffLine]:
    """Visible text of the seized site (left) against the alert's (right), line by line."""
    a, b = left[:MAX_TEXT_LINES], right[:MAX_TEXT_LINES]
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(DiffLine("same", x, x) for x in a[i1:i2])
        elif op == "delete":
            out.extend(DiffLine("removed", x, "") for x in a[i1:i2])
        elif op == "insert":
            out.extend(DiffLine("added", "", y) for y in b[j1:j2])
        else:
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                x = a[i1 + k] if i1 + k < i2 else ""
                y = b[j1 + k] if j1 + k < j2 else ""
                out.append(DiffLine("changed", x, y))
    return out
