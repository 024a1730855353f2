"""What a case's exports draw on, read once from the store: the case and its TLP level,
its fingerprint features with theirs, the seized platform's reference captures and each
confirmed re-emergence with its capture, score and the reported likelihood ratio.

STIX, MISP and the report are three renderings of one `CaseFile`, so they can never
disagree on what was confirmed. Read-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from revenant.errors import UsageError
from revenant.evidence.metadata import FORMAT
from revenant.model import Case, CaseFeature, Feature, Tlp
from revenant.store import Store
from revenant.store.alerts import Alert, list_alerts
from revenant.store.captures import capture_row, load_fingerprint
from revenant.store.cases import case_features, get_case, reference_ids

_METADATA_MAX = 4 << 20
"""Longest metadata record read (a capture's JSON is a few kB; a chain of 10 certs ~40 kB)."""


@dataclass(frozen=True)
class Sighting:
    """One capture of a platform's site: where and when it answered, what it showed."""

    capture_id: int
    host: str
    target: str
    captured_at: datetime
    peer: str | None
    outcome: str
    warc_file: str | None
    features: frozenset[Feature]
    certificate: dict[str, Any] | None = None  # the TLS leaf as the WARC metadata has it

    def values(self, kind: str) -> list[str]:
        return sorted(f.value for f in self.features if f.kind == kind)


@dataclass(frozen=True)
class Mirror:
    """A confirmed re-emergence: the alert, the score as explained, and its capture."""

    alert: Alert
    sighting: Sighting | None

    @property
    def host(self) -> str:
        return self.alert.host

    @property
    def bits(self) -> float:
        return self.alert.bits

    @property
    def sentence(self) -> str:
        return str(self.alert.explanation.get("sentence", ""))

    @property
    def reported_lr(self) -> dict[str, object] | None:
        """The reported LR as the scorer explained it (value, shown, verbal, favours,
        ELUB), or None when the score carried none."""
        lr = self.alert.explanation.get("reported_lr")
        return lr if isinstance(lr, dict) else None

    @property
    def contributions(self) -> list[dict[str, object]]:
        found = self.alert.explanation.get("contributions") or []
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


@dataclass(frozen=True)
class CaseFile:
    case: Case
    features: tuple[CaseFeature, ...]
    seized: tuple[Sighting, ...]
    mirrors: tuple[Mirror, ...]
    alerts: tuple[Alert, ...]  # every alert of the case, any state (the report counts them)

    @property
    def tlp(self) -> Tlp:
        return self.case.tlp

    def feature_level(self, feature: Feature) -> Tlp:
        """The TLP level of a feature as the case fingerprint holds it; a value the case
        fingerprint does not hold is at the case's level."""
        for cf in self.features:
            if cf.feature == feature:
                return cf.tlp
        return self.case.tlp


def sighting(store: Store, capture_id: int) -> Sighting:
    row = capture_row(store, capture_id)
    return Sighting(
        capture_id=capture_id,
        host=row.host,
        target=row.target,
        captured_at=row.started_at,
        peer=row.peer,
        outcome=row.outcome,
        warc_file=row.warc_file,
        features=load_fingerprint(store, capture_id).features,
        certificate=leaf_certificate(row.warc_file, row.target, row.started_at),
    )


def leaf_certificate(
    warc_file: str | None, target: str, started: datetime
) -> dict[str, Any] | None:
    """The leaf certificate a capture recorded (subject, issuer, SANs, validity, SPKI and
    certificate SHA-256), read from its WARC metadata record; None if none was recorded."""
    if not warc_file or not Path(warc_file).is_file():
        return None
    with Path(warc_file).open("rb") as fh:
        for record in ArchiveIterator(fh, check_digests=False):
            if record.rec_type != "metadata":
                continue
            if record.rec_headers.get_header("WARC-Target-URI") != target:
                continue
            try:
                meta = json.loads(record.raw_stream.read(_METADATA_MAX))
                when = datetime.fromisoformat(meta["started"])
            except (ValueError, KeyError, TypeError):
                continue
            if meta.get("format") != FORMAT or when != started:
                continue
            chain = (meta.get("tls") or {}).get("chain") or []
            if not chain or not isinstance(chain[0], dict):
                return None
            return {k: v for k, v in chain[0].items() if k != "der"}
    return None


def read_case_file(store: Store, name: str) -> CaseFile:
    """Everything the exports of case `name` draw on."""
    case = get_case(store, name)
    alerts = tuple(list_alerts(store, case=name))
    mirrors = tuple(
        Mirror(a, sighting(store, a.capture_id) if a.capture_id else None)
        for a in sorted(alerts, key=lambda a: (a.created_at, a.id))
        if a.state == "confirmed"
    )
    seized = tuple(sighting(store, i) for i in reference_ids(store, name))
    return CaseFile(case, tuple(case_features(store, name)), seized, mirrors, alerts)


def require_mirrors(casefile: CaseFile, what: str) -> None:
    """Refuse an export with nothing confirmed to share."""
    if not casefile.mirrors:
        raise UsageError(
            f"case {casefile.case.name!r} has no confirmed re-emergence: nothing to {what} "
            "(confirm an alert with `revenant decide ID confirmed`)"
        )
