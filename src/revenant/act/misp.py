"""A case as a MISP event for partner agencies (built with `pymisp`): per confirmed
re-emergence a domain-ip object, a url object, an x509 object for its certificate, a
favicon object (Shodan hash) and the operator identifiers it shares with the seized
platform as attributes; TLP 2.0 as plain taxonomy tags (`tlp:amber`), no galaxies.

TLP is enforced as in STIX (act/tlp.py): every attribute gets the level of the most
restricted thing it draws on, an export at a level leaves out every attribute above it
and every object left empty, and each kept attribute is tagged with its level
(MISP objects carry no tags). `push` sends the same event to a MISP instance through PyMISP.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pymisp import MISPAttribute, MISPEvent, MISPObject

from revenant.act.casefile import CaseFile, Mirror, require_mirrors
from revenant.act.notice_text import ratio_text
from revenant.act.tlp import LEVELS, effective, shareable
from revenant.errors import UsageError
from revenant.match.background import IDENTIFIER_KINDS
from revenant.match.explain import label as kind_label
from revenant.model import Feature, Tlp

IDENTIFIER_TYPES: dict[str, tuple[str, str]] = {
    "btc": ("btc", "Financial fraud"),
    "xmr": ("xmr", "Financial fraud"),
    "email": ("email", "Attribution"),
    "phone": ("phone-number", "Attribution"),
    "onion": ("onion-address", "Network activity"),
}
"""MISP attribute type and category of an identifier kind; every other identifier kind
(analytics ids, messenger handles, other wallets, PGP key ids) is a `text` attribute in
`Attribution`, its kind in the comment."""


def _uuid(*key: str) -> str:
    digest = hashlib.sha256("|".join(("revenant-misp", *key)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@dataclass(frozen=True)
class MispExport:
    event: MISPEvent
    limit: Tlp
    attributes: int
    left_out: int

    def to_json(self) -> str:
        """The event as MISP exports and imports it: `{"Event": {...}}`."""
        return json.dumps({"Event": json.loads(self.event.to_json())}, indent=2, sort_keys=True)


class _Builder:
    def __init__(self, casefile: CaseFile, limit: Tlp, now: datetime) -> None:
        self.casefile = casefile
        self.limit = limit
        self.now = now
        self.kept = 0
        self.left_out = 0

    def keep(self, level: Tlp) -> bool:
        if shareable(level, self.limit):
            self.kept += 1
            return True
        self.left_out += 1
        return False

    def attribute(
        self, obj: MISPObject, relation: str, value: str, level: Tlp, **kw: Any
    ) -> MISPAttribute | None:
        if not self.keep(level):
            return None
        attr = obj.add_attribute(relation, value=value, **kw)
        assert attr is not None, f"MISP object {obj.name} has no relation {relation}"
        attr.uuid = _uuid(obj.uuid, relation, value)
        attr.add_tag(LEVELS[level].misp_tag)
        return attr

    def finish(self, event: MISPEvent, obj: MISPObject) -> None:
        """Add `obj` if any of its attributes was kept (each carries its own TLP tag)."""
        if obj.attributes:
            event.add_object(obj)


def build_event(casefile: CaseFile, *, limit: Tlp, now: datetime) -> MispExport:
    """The case as a MISP event carrying only what is at or below `limit`."""
    require_mirrors(casefile, "share")
    case = casefile.case
    if not shareable(case.tlp, limit):
        raise UsageError(
            f"case {case.name!r} is TLP:{case.tlp}: nothing in it may be exported at "
            f"TLP:{limit} (see `revenant case tlp`)"
        )
    b = _Builder(casefile, limit, now)
    event = MISPEvent()
    event.uuid = _uuid("event", case.name)
    event.info = f"Revenant case {case.name}: re-emergences of a seized platform"
    event.date = now.date()
    event.threat_level_id = 2
    event.analysis = 2
    event.distribution = 0  # this organisation only: the partner decides further sharing
    event.published = False
    event.add_tag(LEVELS[case.tlp].misp_tag)
    event.add_attribute(
        "comment",
        f"Known domains of the seized platform of case {case.name}: {', '.join(case.domains)}. "
        f"Shared at TLP:{limit}; everything above it was left out.",
        category="Other",
        uuid=_uuid("comment", case.name),
        to_ids=False,
    )
    for domain in case.domains:
        attr = event.add_attribute(
            "domain",
            domain,
            category="Network activity",
            comment="seized platform",
            to_ids=False,
            uuid=_uuid("seized", domain),
        )
        _tag(attr, case.tlp)
    for mirror in casefile.mirrors:
        _mirror(b, event, mirror)
    n_attrs = len(event.attributes) + sum(len(o.attributes) for o in event.objects)
    return MispExport(event, limit, n_attrs, b.left_out)


def _mirror(b: _Builder, event: MISPEvent, mirror: Mirror) -> None:
    case = b.casefile.case
    sight = mirror.sighting
    seen = sight.captured_at if sight else mirror.alert.created_at
    lr = mirror.reported_lr
    why = f"confirmed re-emergence of case {case.name}: {mirror.bits:.1f} bits; " + (
        f"reported LR {ratio_text(lr.get('shown'))} ({lr.get('verbal')})"
        if lr
        else "no reported LR"
    )
    dom = MISPObject("domain-ip", standalone=False)
    dom.uuid = _uuid("domain-ip", mirror.host)
    dom.comment = why
    dom.first_seen = seen
    b.attribute(dom, "domain", mirror.host, case.tlp, to_ids=True)
    if sight and sight.peer:
        b.attribute(dom, "ip", sight.peer, case.tlp, to_ids=True)
    b.finish(event, dom)

    url = MISPObject("url", standalone=False)
    url.uuid = _uuid("url", mirror.alert.target)
    url.first_seen = seen
    b.attribute(url, "url", mirror.alert.target, case.tlp, to_ids=True)
    b.attribute(url, "host", mirror.host, case.tlp, to_ids=False)
    b.finish(event, url)
    if sight is None:
        return

    cert = sight.certificate or {}
    if isinstance(cert.get("sha256"), str):
        spki = str(cert.get("spki_sha256", ""))
        level = effective(case.tlp, b.casefile.feature_level(Feature("spki", spki)))
        x509 = MISPObject("x509", standalone=False)
        x509.uuid = _uuid("x509", cert["sha256"])
        x509.comment = f"certificate {mirror.host} presented; SPKI SHA-256 {spki}"
        b.attribute(x509, "x509-fingerprint-sha256", cert["sha256"].lower(), level, to_ids=True)
        for relation, key in (("subject", "subject"), ("issuer", "issuer")):
            if cert.get(key):
                b.attribute(x509, relation, str(cert[key]), level, to_ids=False)
        for name in cert.get("sans") or []:
            b.attribute(x509, "dns_names", str(name), level, to_ids=False)
        if spki:
            b.attribute(x509, "text", f"SPKI SHA-256 {spki}", level, to_ids=False)
        b.finish(event, x509)

    for mmh3 in sight.values("favicon_mmh3"):
        level = effective(case.tlp, b.casefile.feature_level(Feature("favicon_mmh3", mmh3)))
        fav = MISPObject("favicon", standalone=False)
        fav.uuid = _uuid("favicon", mmh3)
        fav.comment = f"favicon served by {mirror.host} (Shodan hash)"
        b.attribute(fav, "favicon-mmh3", mmh3, level, to_ids=True)
        b.finish(event, fav)

    shared = {cf.feature for cf in b.casefile.features if not cf.excluded}
    for feature in sorted(sight.features):
        if feature.kind not in IDENTIFIER_KINDS or feature not in shared:
            continue
        level = effective(case.tlp, b.casefile.feature_level(feature))
        if not b.keep(level):
            continue
        kind, category = IDENTIFIER_TYPES.get(feature.kind, ("text", "Attribution"))
        attr = event.add_attribute(
            kind,
            feature.value,
            category=category,
            comment=f"{kind_label(feature.kind)} shown by {mirror.host} and by the seized platform",
            to_ids=False,
            uuid=_uuid("identifier", mirror.host, str(feature)),
            first_seen=seen,
        )
        _tag(attr, level)


def _tag(attr: MISPAttribute | list[MISPAttribute], level: Tlp) -> None:
    for one in attr if isinstance(attr, list) else [attr]:
        one.add_tag(LEVELS[level].misp_tag)


def load_event(path: Path) -> MISPEvent:
    """Read a MISP event file back (PyMISP's own loader)."""
    event = MISPEvent()
    event.load_file(str(path))
    return event


_KEY_FILE_MAX = 4096
"""Bytes of a key file read (a MISP key is its first line: 40 characters)."""


def read_key(path: Path) -> str:
    """A MISP API key from a file: its first line, 40 characters, nothing else."""
    try:
        with path.open("rb") as fh:
            text = fh.read(_KEY_FILE_MAX).decode("utf-8")
    except OSError as exc:
        raise UsageError(f"--key-file {path}: {exc.strerror}") from None
    except UnicodeError:
        raise UsageError(f"--key-file {path}: not UTF-8 text") from None
    key = text.strip().splitlines()[0].strip() if text.strip() else ""
    if len(key) != 40 or not key.isalnum():
        raise UsageError(f"--key-file {path}: a MISP API key is 40 letters and digits")
    return key


def push(export: MispExport, url: str, key: str, *, ca_file: str | None = None) -> str:
    """Send the event to the MISP at `url` (PyMISP's REST client); its id there."""
    from pymisp import PyMISP
    from pymisp.exceptions import PyMISPError

    from revenant.errors import FetchFailed

    verify: bool | str = ca_file or True
    try:
        misp = PyMISP(url, key, ssl=verify, timeout=30)
        answer = misp.add_event(export.event, pythonify=False)
    except PyMISPError as exc:
        raise FetchFailed(f"MISP {url}: {exc}") from None
    except OSError as exc:  # connection refused, TLS, timeout (requests' errors are OSErrors)
        raise FetchFailed(f"MISP {url}: {type(exc).__name__}: {exc}") from None
    if not isinstance(answer, dict) or "errors" in answer:
        detail = answer.get("errors") if isinstance(answer, dict) else answer
        raise FetchFailed(f"MISP {url} refused the event: {str(detail)[:300]}")
    event = answer.get("Event", {})
    return str(event.get("id") or event.get("uuid") or "")
