"""The machine-readable part of a notice: an X-ARF v4 report (JSON), validated with
`jsonschema` against the official X-ARF v4 schemas shipped in `act/data/xarf/` (see
SOURCE.md there), offline.

The report states what Revenant observed and where its evidence is: no captured page is
ever attached, only digests and how to verify them (a notice must never carry the
platform's content). Type: `reputation` / `threat_intelligence`, the X-ARF type for
indicator reports.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import uuid
from datetime import datetime
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from revenant.errors import RevenantError

XARF_VERSION = "4.2.0"
TYPE_SCHEMA = "https://xarf.org/schemas/v4/types/reputation-threat-intelligence.json"
MASTER_SCHEMA = "https://xarf.org/schemas/v4/xarf-v4-master.json"


class BadXarf(RevenantError):
    """A notice's X-ARF part does not validate (a bug: the report is built here)."""


@functools.cache
def _registry() -> Registry:
    folder = resources.files("revenant.act") / "data" / "xarf" / "v4"
    resources_: list[tuple[str, Resource]] = []
    for entry in [*folder.iterdir(), *(folder / "types").iterdir()]:
        if entry.name.endswith(".json"):
            doc = json.loads(entry.read_text("utf-8"))
            resources_.append((doc["$id"], Resource.from_contents(doc)))
    return Registry().with_resources(resources_)


def validate(report: dict[str, Any]) -> None:
    """Raise BadXarf naming every problem unless `report` is valid X-ARF v4 of its type
    (checked against both the type schema and the master schema, formats included)."""
    registry = _registry()
    problems: list[str] = []
    for schema_id in (TYPE_SCHEMA, MASTER_SCHEMA):
        schema = registry.contents(schema_id)
        validator = Draft202012Validator(
            schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for error in validator.iter_errors(report):
            where = "/".join(str(p) for p in error.absolute_path) or "(report)"
            problems.append(f"{where}: {error.message}")
    if problems:
        raise BadXarf("X-ARF v4 report invalid: " + "; ".join(sorted(set(problems))[:10]))


def report_id(*key: str) -> str:
    """A stable report id (UUID) for one notice."""
    digest = hashlib.sha256("|".join(("revenant-xarf", *key)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def build(
    *,
    notice_key: str,
    when: datetime,
    notifier_org: str,
    notifier_email: str,
    host: str,
    url: str,
    first_seen: datetime,
    confidence: float | None,
    description: str,
    evidence: dict[str, Any],
    order_reference: str | None,
) -> dict[str, Any]:
    """An X-ARF v4 threat-intelligence report about one confirmed name; validated."""
    domain = notifier_email.rsplit("@", 1)[-1].lower()
    contact = {"org": notifier_org[:200], "contact": notifier_email, "domain": domain}
    blob = json.dumps(evidence, ensure_ascii=False, sort_keys=True, indent=1).encode()
    tags = ["revenant:re-emergence", "platform:seized"]
    if order_reference:
        tags.append("legal:court-order")
    report: dict[str, Any] = {
        "xarf_version": XARF_VERSION,
        "report_id": report_id(notice_key),
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reporter": contact,
        "sender": contact,
        "source_identifier": host,
        "category": "reputation",
        "type": "threat_intelligence",
        "threat_type": "seized_platform_re_emergence",
        "ioc_type": "domain",
        "url": url,
        "first_seen": first_seen.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "evidence_source": "automated_discovery",
        "description": description[:1000],
        "evidence": [
            {
                "content_type": "application/json",
                "description": (
                    "Revenant evidence digests: the capture's WARC records and their custody "
                    "ledger entries, the ledger head, the WACZ package when exported"
                ),
                "payload": base64.b64encode(blob).decode("ascii"),
                "hash": "sha256:" + hashlib.sha256(blob).hexdigest(),
                "size": len(blob),
            }
        ],
        "tags": tags,
    }
    if confidence is not None:
        report["confidence"] = round(confidence, 2)
    validate(report)
    return report
