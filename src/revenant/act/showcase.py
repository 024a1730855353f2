"""The demo's act step: an order on the seized site's domains, the confirmed mirrors
extended under it, the blocking zone written, and the case timeline.

Everything here is the scenario's: the order is labelled as made up, and the demo's
analysts are named as such in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from revenant.act.decisions import decide
from revenant.act.orders import add_order, extend
from revenant.act.rpz import ZoneFile, export_zone
from revenant.act.timeline import CaseTimeline, case_timeline
from revenant.model import Clock, Verdict, utcnow
from revenant.store import Store
from revenant.store.alerts import list_alerts
from revenant.store.cases import get_case


@dataclass(frozen=True)
class Acted:
    order_id: int
    reference: str
    extended: tuple[str, ...]
    zone: ZoneFile
    timeline: CaseTimeline

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order_id,
            "reference": self.reference,
            "extended": list(self.extended),
            "zone": {
                "file": str(self.zone.path),
                "serial": self.zone.serial,
                "names": self.zone.names,
            },
            "timeline": self.timeline.as_json(),
        }


def act_on_case(store: Store, data_dir: Path, case: str, *, clock: Clock = utcnow) -> Acted:
    """Order the seized domains blocked, confirm and extend every re-emergence alert,
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
        actor="demo-clerk",
        clock=clock,
    ).order
    extended = []
    for alert in list_alerts(store, case=case):
        if alert.verdict != str(Verdict.REEMERGENCE):
            continue
        decide(
            store,
            data_dir,
            alert.id,
            "confirm",
            actor="demo-analyst",
            comment="re-emergence score, checked side by side",
            clock=clock,
        )
        extend(store, data_dir, order.id, alert.id, actor="demo-analyst", clock=clock)
        extended.append(alert.host)
    zone = export_zone(store, data_dir / "rpz.zone", now=clock())
    return Acted(order.id, reference, tuple(extended), zone, case_timeline(store, case))
