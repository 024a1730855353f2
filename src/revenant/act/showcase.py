"""The demo's act step: an order on the seized site's domains (two-person rule), the
strongest re-emergences confirmed by a demo analyst and extended under it, each
extension approved by a second person, the blocking zone written, and the case
timeline. The other re-emergences are left open: they wait in the queue for whoever
opens the dashboard.

Everything here is the scenario's: the order is labelled as made up, and the demo's
analysts are named as such in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from revenant.act.decisions import decide
from revenant.act.orders import add_order, approve, extend
from revenant.act.rpz import ZoneFile, export_zone
from revenant.act.timeline import CaseTimeline, case_timeline
from revenant.model import Clock, Verdict, utcnow
from revenant.store import Store
from revenant.store.alerts import list_alerts
from revenant.store.cases import get_case

CLERK = "demo-clerk"  # records the order
ANALYST = "demo-analyst"  # confirms and extends
SUPERVISOR = "demo-supervisor"  # the second person who approves each extension
CONFIRMED = 3
"""Re-emergences the demo confirms itself, strongest first; the rest wait in the queue."""


@dataclass(frozen=True)
class Acted:
    order_id: int
    reference: str
    extended: tuple[str, ...]  # confirmed by the demo analyst, approved by the supervisor
    waiting: tuple[str, ...]  # re-emergences left open for the analyst
    zone: ZoneFile
    timeline: CaseTimeline

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order_id,
            "reference": self.reference,
            "extended": list(self.extended),
            "waiting": list(self.waiting),
            "actors": {"order": CLERK, "confirm": ANALYST, "approve": SUPERVISOR},
            "zone": {
                "file": str(self.zone.path),
                "serial": self.zone.serial,
                "names": self.zone.names,
            },
            "timeline": self.timeline.as_json(),
        }


def act_on_case(
    store: Store,
    data_dir: Path,
    case: str,
    *,
    confirm: int = CONFIRMED,
    clock: Clock = utcnow,
) -> Acted:
    """Order the seized domains blocked (two-person rule), confirm and extend the
    `confirm` strongest re-emergence alerts, approve each extension as a second person,
    write the zone to DATA/rpz.zone, and read the timeline back."""
    record = get_case(store, case)
    reference = "DEMO-2024-0001 (scenario, not a real order)"
    order = add_order(
        store,
        data_dir,
        case,
        authority="Tribunal judiciaire (scenario)",
        reference=reference,
        basis="seizure of the platform's domains (scenario)",
        issued=(clock() - timedelta(days=400)).date(),
        expires=None,
        domains=list(record.domains),
        covers_mirrors=True,
        two_person=True,
        actor=CLERK,
        clock=clock,
    ).order
    mirrors = [a for a in list_alerts(store, case=case) if a.verdict == str(Verdict.REEMERGENCE)]
    mirrors.sort(key=lambda a: (-a.bits, a.id))  # strongest first, ties by age
    extended = []
    for alert in mirrors[:confirm]:
        decide(
            store,
            data_dir,
            alert.id,
            "confirm",
            actor=ANALYST,
            comment="re-emergence score, checked side by side",
            clock=clock,
        )
        change = extend(store, data_dir, order.id, alert.id, actor=ANALYST, clock=clock)
        approve(
            store,
            data_dir,
            order.id,
            change.name,
            actor=SUPERVISOR,
            comment="extension checked against the alert's evidence",
            clock=clock,
        )
        extended.append(alert.host)
    zone = export_zone(store, data_dir / "rpz.zone", now=clock())
    return Acted(
        order.id,
        reference,
        tuple(extended),
        tuple(a.host for a in mirrors[confirm:]),
        zone,
        case_timeline(store, case),
    )
