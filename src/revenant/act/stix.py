"""A case as a STIX 2.1 bundle for partner agencies (built with `stix2`): the seized
platform and each confirmed re-emergence as infrastructure, indicators for their
domains, URLs, addresses, TLS key and favicon, the relationships between them, the
confidence the reported likelihood ratio supports, and TLP 2.0 markings.

TLP is enforced here, not only marked: every object gets the level of the most
restricted thing it draws on (act/tlp.py), and an export at a level leaves out every
object above it and every relationship touching one. Identifiers are deterministic
(`stable_id`), so two exports of the same case agree.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stix2

from revenant import __version__
from revenant.act.casefile import CaseFile, Mirror, require_mirrors
from revenant.act.notice_text import ratio_text
from revenant.act.tlp import LEVELS, effective, shareable, stix_marking
from revenant.errors import UsageError
from revenant.model import Feature, Tlp


def stable_id(kind: str, *key: str) -> str:
    """A STIX id for an object of `kind` saying `key`: a version-4 UUID (as STIX wants for
    domain objects) whose random bits are the SHA-256 of what the object says, so two
    exports of one case give one id."""
    digest = hashlib.sha256("|".join(("revenant", kind, *key)).encode()).digest()
    return f"{kind}--{uuid.UUID(bytes=digest[:16], version=4)}"


SPKI_PROPERTY = "x_revenant_spki_sha256"
"""STIX has no property for a certificate's public-key hash; a custom one carries it."""

CONFIDENCE_BY_LR: tuple[tuple[float, int], ...] = (
    (1e6, 95),
    (1e4, 85),
    (1e3, 70),
    (1e2, 50),
    (1e1, 30),
    (1.0, 15),
)
"""STIX confidence (0-100) for a reported likelihood ratio, by ENFSI band: above 10^6
(extremely strong support) 95, 10^4-10^6 (very strong) 85, 10^3-10^4 (strong) 70,
10^2-10^3 (moderately strong) 50, 10-100 (moderate) 30, 1-10 (weak) 15. This mapping is
Revenant's convention (an assumption: STIX fixes no scale for LRs), stated in every
bundle's report object and in docs/act.md."""


def confidence(lr: dict[str, object] | None) -> int | None:
    """STIX confidence for a reported LR that supports the same-operator proposition;
    None when there is no reported LR or it does not support it."""
    if not lr or lr.get("favours") not in (None, "same-operator"):
        return None
    value = lr.get("value")
    if not isinstance(value, int | float) or value < 1:
        return None
    return next((c for bound, c in CONFIDENCE_BY_LR if value >= bound), None)


@dataclass
class _Draft:
    """Objects under construction, each with its TLP level."""

    limit: Tlp
    created: datetime
    identity: str
    objects: dict[str, tuple[Any, Tlp]] = field(default_factory=dict)
    left_out: int = 0

    def sid(self, kind: str, *key: str) -> str:
        return stable_id(kind, *key)

    def add(self, obj: Any, level: Tlp) -> str | None:
        """Keep `obj` if its level is within the export's; its id, or None if left out."""
        if not shareable(level, self.limit):
            self.left_out += 1
            return None
        self.objects[obj.id] = (obj, level)
        return str(obj.id)

    def common(self, level: Tlp) -> dict[str, Any]:
        return {
            "created": self.created,
            "modified": self.created,
            "created_by_ref": self.identity,
            "object_marking_refs": [LEVELS[level].stix_id],
        }


@dataclass(frozen=True)
class StixExport:
    """The bundle and what was left out for TLP."""

    bundle: dict[str, Any]
    limit: Tlp
    objects: int
    left_out: int


def build_bundle(casefile: CaseFile, *, limit: Tlp, now: datetime) -> StixExport:
    """The case as a STIX 2.1 bundle carrying only objects at or below `limit`."""
    require_mirrors(casefile, "share")
    case = casefile.case
    if not shareable(case.tlp, limit):
        raise UsageError(
            f"case {case.name!r} is TLP:{case.tlp}: nothing in it may be exported at "
            f"TLP:{limit} (see `revenant case tlp`)"
        )
    identity_id = stable_id("identity", "revenant")
    draft = _Draft(limit=limit, created=now, identity=identity_id)
    identity = stix2.v21.Identity(
        id=identity_id,
        name="Revenant",
        description=f"Revenant {__version__}: detection and evidence of re-emerging seized platforms",
        identity_class="system",
        created=now,
        modified=now,
        object_marking_refs=[LEVELS[Tlp.CLEAR].stix_id],
    )
    draft.objects[identity.id] = (identity, Tlp.CLEAR)

    first = min((s.captured_at for s in casefile.seized), default=None)
    seized_id = draft.add(
        stix2.v21.Infrastructure(
            id=draft.sid("infrastructure", case.name, "seized"),
            name=f"{case.name}: seized platform",
            description=(
                f"The platform of case {case.name}, seized; known domains: "
                f"{', '.join(case.domains)}."
            ),
            infrastructure_types=["unknown"],
            **({"first_seen": first} if first else {}),
            **draft.common(case.tlp),
        ),
        case.tlp,
    )
    for domain in case.domains:
        _domain_indicator(draft, casefile, domain, seized_id, role="seized platform", seen=None)
    for mirror in casefile.mirrors:
        _mirror(draft, casefile, mirror, seized_id)

    markings = {level for _, level in draft.objects.values()}
    marking_objects = [stix_marking(level) for level in sorted(markings, key=lambda t: t.rank)]
    report_id = draft.sid("report", case.name, limit.value)
    shared = [oid for oid in draft.objects if oid != identity_id]
    report = stix2.v21.Report(
        id=report_id,
        name=f"Revenant case {case.name}: re-emergences of a seized platform",
        description=(
            f"{len(casefile.mirrors)} confirmed re-emergence(s) of case {case.name}, shared at "
            f"TLP:{limit} ({draft.left_out} object(s) above TLP:{limit} left out). Confidence "
            "values map the reported likelihood ratio's ENFSI band to 0-100 (>10^6: 95, "
            ">10^4: 85, >10^3: 70, >10^2: 50, >10: 30, >1: 15); that mapping is Revenant's "
            "convention, not a STIX rule. A TLS key is matched on its SPKI SHA-256 in the "
            f"custom property {SPKI_PROPERTY}."
        ),
        report_types=["threat-actor", "indicator"],
        published=now,
        object_refs=shared,
        **draft.common(case.tlp),
    )
    objects = [
        identity,
        *(o for oid, (o, _) in draft.objects.items() if oid != identity_id),
    ]
    objects.append(report)
    bundle = stix2.v21.Bundle(objects=objects, allow_custom=True)
    doc = _plain(bundle)
    doc["objects"] = [*marking_objects, *doc["objects"]]
    return StixExport(doc, limit, len(doc["objects"]), draft.left_out)


def _plain(bundle: stix2.v21.Bundle) -> dict[str, Any]:
    import json

    value = json.loads(bundle.serialize(sort_keys=True))
    assert isinstance(value, dict)
    return value


def _mirror(draft: _Draft, casefile: CaseFile, mirror: Mirror, seized_id: str | None) -> None:
    case = casefile.case
    sight = mirror.sighting
    conf = confidence(mirror.reported_lr)
    lr = mirror.reported_lr
    words = (
        f"reported likelihood ratio {ratio_text(lr.get('shown'))} ({lr.get('verbal')})"
        if lr
        else "no reported likelihood ratio (uncalibrated score)"
    )
    extra: dict[str, Any] = {"confidence": conf} if conf is not None else {}
    infra_id = draft.add(
        stix2.v21.Infrastructure(
            id=draft.sid("infrastructure", case.name, mirror.host),
            name=f"{case.name}: re-emergence at {mirror.host}",
            description=(
                f"Confirmed re-emergence of case {case.name}: {mirror.bits:.1f} bits of "
                f"evidence, {words}. {mirror.sentence}"
            ).strip(),
            infrastructure_types=["unknown"],
            first_seen=sight.captured_at if sight else mirror.alert.created_at,
            **extra,
            **draft.common(case.tlp),
        ),
        case.tlp,
    )
    if infra_id and seized_id:
        _relate(
            draft,
            infra_id,
            "related-to",
            seized_id,
            case.tlp,
            "re-emergence of the seized platform",
        )
    seen = sight.captured_at if sight else mirror.alert.created_at
    _domain_indicator(
        draft, casefile, mirror.host, infra_id, role="re-emergence", seen=seen, conf=conf
    )
    _pattern(
        draft,
        f"[url:value = '{_quote(mirror.alert.target)}']",
        f"URL of the re-emergence {mirror.host}",
        "malicious-activity",
        infra_id,
        case.tlp,
        seen,
        conf,
    )
    if sight is None:
        return
    if sight.peer:
        kind = "ipv6-addr" if ":" in sight.peer else "ipv4-addr"
        _pattern(
            draft,
            f"[{kind}:value = '{sight.peer}']",
            f"Address {mirror.host} answered from when captured",
            "malicious-activity",
            infra_id,
            case.tlp,
            seen,
            conf,
        )
    for spki in sight.values("spki"):
        level = effective(case.tlp, casefile.feature_level(Feature("spki", spki)))
        _pattern(
            draft,
            f"[x509-certificate:{SPKI_PROPERTY} = '{spki}']",
            f"TLS public key (SPKI SHA-256) of {mirror.host}",
            "attribution",
            infra_id,
            level,
            seen,
            conf,
        )
    cert = sight.certificate or {}
    if isinstance(cert.get("sha256"), str) and len(cert["sha256"]) == 64:
        # The certificate carries the key: it is as restricted as the key.
        level = effective(
            case.tlp, casefile.feature_level(Feature("spki", str(cert.get("spki_sha256", ""))))
        )
        _pattern(
            draft,
            f"[x509-certificate:hashes.'SHA-256' = '{cert['sha256'].lower()}']",
            f"TLS certificate {mirror.host} presented (SHA-256 of its DER)",
            "attribution",
            infra_id,
            level,
            seen,
            conf,
        )
    for sha in sight.values("favicon_sha256"):
        level = effective(case.tlp, casefile.feature_level(Feature("favicon_sha256", sha)))
        _pattern(
            draft,
            f"[file:hashes.'SHA-256' = '{sha}']",
            f"Favicon served by {mirror.host} (SHA-256 of the file)",
            "attribution",
            infra_id,
            level,
            seen,
            conf,
        )


def _domain_indicator(
    draft: _Draft,
    casefile: CaseFile,
    domain: str,
    target: str | None,
    *,
    role: str,
    seen: datetime | None,
    conf: int | None = None,
) -> None:
    _pattern(
        draft,
        f"[domain-name:value = '{_quote(domain)}']",
        f"Domain of the {role} {domain}",
        "malicious-activity",
        target,
        casefile.case.tlp,
        seen,
        conf,
    )


def _pattern(
    draft: _Draft,
    pattern: str,
    what: str,
    kind: str,
    target: str | None,
    level: Tlp,
    seen: datetime | None,
    conf: int | None,
) -> None:
    extra: dict[str, Any] = {"confidence": conf} if conf is not None else {}
    indicator_id = draft.add(
        stix2.v21.Indicator(
            id=draft.sid("indicator", pattern),
            name=what,
            description=f"{what}. Pattern: {pattern}",
            pattern=pattern,
            pattern_type="stix",
            valid_from=seen or draft.created,
            indicator_types=[kind],
            allow_custom=True,
            **extra,
            **draft.common(level),
        ),
        level,
    )
    if indicator_id and target:
        _relate(draft, indicator_id, "indicates", target, level, what)


def _relate(draft: _Draft, source: str, rel: str, target: str, level: Tlp, why: str) -> None:
    draft.add(
        stix2.v21.Relationship(
            id=draft.sid("relationship", source, rel, target),
            relationship_type=rel,
            source_ref=source,
            target_ref=target,
            description=why,
            **draft.common(level),
        ),
        level,
    )


def _quote(value: str) -> str:
    """A value inside a STIX pattern string literal."""
    return value.replace("\\", "\\\\").replace("'", "\\'")
