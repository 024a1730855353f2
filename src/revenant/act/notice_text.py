"""What a notice says: its roles (registrar, host) and what each is asked, the
evidence digests it cites, the order that covers the name, the readable body rendered
from `templates/notice.txt.j2` (French then English) and the e-mail carrying it with
its X-ARF report attached. Pure, apart from reading the ledger and the orders.

It must never put captured content in a notice: only what Revenant observed and
recorded (scores, reasons, digests) is rendered.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2

from revenant.act.justify import capture_evidence
from revenant.errors import UsageError
from revenant.evidence.ledger import LEDGER_NAME, read_entries
from revenant.evidence.warc import case_dir
from revenant.store import Store
from revenant.store.alerts import Alert
from revenant.store.notices import Notice
from revenant.store.orders import Order, OrderName, list_orders
from revenant.store.schema import CaptureRow

_QUOTED_CONTRIBUTIONS = 6


@dataclass(frozen=True)
class Role:
    """Who a notice goes to and what it asks of them."""

    kind: str  # the RDAP lookup that names the contact: "domain" or "ip"
    en: str
    fr: str
    request_en: str
    request_fr: str


ROLES: dict[str, Role] = {
    "registrar": Role(
        "domain",
        "registrar",
        "bureau d'enregistrement",
        "suspend the domain name, preserve the registration data, and tell us what was done.",
        "suspendre le nom de domaine, conserver les données d'enregistrement, et nous "
        "indiquer les mesures prises.",
    ),
    "host": Role(
        "ip",
        "hosting provider",
        "hébergeur",
        "stop serving this site from your network, preserve the customer and access data, "
        "and tell us what was done.",
        "cesser de servir ce site depuis votre réseau, conserver les données du client et "
        "de connexion, et nous indiquer les mesures prises.",
    ),
}


@dataclass(frozen=True)
class Notifier:
    """Who sends notices (DSA Art. 16(2)(c): name and e-mail)."""

    name: str
    email: str
    org: str = ""

    def __post_init__(self) -> None:
        local, at, domain = self.email.partition("@")
        if not self.name.strip() or not (at and local and "." in domain) or " " in self.email:
            raise UsageError(
                f"notifier {self.name!r} <{self.email}>: a name and an e-mail address are "
                "needed (--from-name, --from-email or REVENANT_NOTIFIER_NAME/_EMAIL)"
            )


def ratio_text(value: object) -> str:
    """A likelihood ratio as a person reads it: 17,000 or 3.5 or 1/250."""
    if not isinstance(value, int | float) or value <= 0:
        return str(value)
    if value < 1:
        return f"1/{1 / value:,.0f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:.2g}"


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("revenant.act", "templates"),
    autoescape=False,  # plain text mail; nothing captured is ever rendered
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_templates.filters["ratio"] = ratio_text


def evidence_of(session_capture: CaptureRow | None, data_dir: Path, case: str) -> dict[str, Any]:
    """The digests a notice cites: the capture's WARC records and their ledger entries,
    the ledger head, and the latest WACZ export if any."""
    entries = []
    ledger = case_dir(data_dir, case) / LEDGER_NAME
    if ledger.is_file():
        entries = [e for _, _, e in read_entries(ledger) if not isinstance(e, Exception)]
    export = next((e for e in reversed(entries) if e.action == "export"), None)
    return {
        "case": case,
        "capture": capture_evidence(session_capture) if session_capture is not None else None,
        "ledger_head": entries[-1].hash if entries else None,
        "ledger_entries": len(entries),
        "wacz": (
            {"file": Path(export.file).name, "digest": export.digest, "time": export.time}
            if export is not None
            else None
        ),
    }


def order_of(store: Store, alert: Alert, today: date) -> tuple[Order, OrderName] | None:
    """The order in force on `today` covering the alert's name (an extension for this
    alert, or the name in the order itself), if any."""
    for order in list_orders(store, case=alert.case):
        if order.status(today) != "in force":
            continue
        for name in order.names:
            if name.withdrawn_at is None and (name.alert_id == alert.id or name.name == alert.host):
                return order, name
    return None


def compose(
    alert: Alert,
    role: Role,
    evidence: dict[str, Any],
    capture: CaptureRow | None,
    covered: tuple[Order, OrderName] | None,
    notifier: Notifier,
    case_domains: Sequence[str],
    asn: int | None,
    quotable: Callable[[str], bool] = lambda feature: True,
) -> tuple[str, str]:
    """Subject and body of a notice. Observations whose feature `quotable` refuses (its
    TLP level is above what a notice may carry) are counted, not quoted."""
    explanation = alert.explanation
    lr = explanation.get("reported_lr")
    found = explanation.get("contributions")
    listed = [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []
    kept = [c for c in listed if quotable(str(c.get("feature", "")))]
    contributions = sorted(
        kept,
        key=lambda c: -float(c.get("bits", 0)),
    )[:_QUOTED_CONTRIBUTIONS]
    order, name = covered if covered else (None, None)
    records = (evidence.get("capture") or {}).get("records") or []
    body = _templates.get_template("notice.txt.j2").render(
        host=alert.host,
        role_en=role.en,
        role_fr=role.fr,
        request_en=role.request_en,
        request_fr=role.request_fr,
        order=order,
        extension=(
            {
                "added_at": f"{name.added_at:%Y-%m-%d %H:%M} UTC",
                "added_by": name.added_by,
                "approved_by": name.approved_by,
            }
            if name is not None and name.origin == "extension"
            else None
        ),
        url=capture.final_url if capture is not None else alert.target,
        peer=capture.peer if capture is not None else None,
        asn=asn,
        case=alert.case,
        case_domains=", ".join(case_domains),
        captured_at=f"{capture.started_at:%Y-%m-%d %H:%M:%S}" if capture else "(unknown)",
        bits=f"{alert.bits:.1f}",
        verdict=alert.verdict,
        lr=lr if isinstance(lr, dict) else None,
        contributions=contributions,
        withheld=len(listed) - len(kept),
        notifier=notifier,
        alert_id=alert.id,
        capture_id=alert.capture_id,
        records=records,
        ledger_head=evidence.get("ledger_head") or "(empty ledger)",
        wacz=evidence.get("wacz"),
    )
    if order is not None:
        subject = f"{order.reference}: {alert.host} — {role.en} notice / notification"
    else:
        subject = f"DSA Art. 16 notice: {alert.host} — {role.en} / notification"
    return subject, body


def message(notice: Notice, when: datetime) -> EmailMessage:
    """The e-mail of a notice: the readable body, the X-ARF report attached."""
    reporter = notice.xarf["reporter"]
    msg = EmailMessage()
    msg["From"] = f"{reporter['org']} <{reporter['contact']}>"
    msg["To"] = notice.recipient_email
    msg["Subject"] = notice.subject
    msg["Date"] = format_datetime(when)
    # Short enough not to be folded: "<n<id>.<16 random hex>@domain>".
    msg["Message-ID"] = f"<n{notice.id}.{secrets.token_hex(8)}@{reporter['domain']}>"
    msg["X-Revenant-Notice"] = f"{notice.case}/{notice.id}"
    msg.set_content(notice.body)
    report = json.dumps(notice.xarf, ensure_ascii=False, indent=1, sort_keys=True).encode()
    msg.add_attachment(report, maintype="application", subtype="json", filename="xarf-report.json")
    return msg
