"""The demo's sharing step: who to tell about each confirmed mirror (RDAP, from a
registry and a RIR the scenario serves on loopback), the notices drafted to them, and
what partner agencies and a prosecutor get: a STIX bundle, a MISP event and the case
report, written into the data directory.

The registry and the RIR answer for every alerted name, so the dashboard the demo then
serves can look up the mirrors still waiting in the queue once someone confirms them.
Everything here is the scenario's: the registrar, the host and the notifier are made up
and named as such. The RDAP servers are a second testnet on loopback; nothing else is
reached, and nothing is sent (`revenant notice send` does that against a real server).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from revenant.act.casefile import read_case_file
from revenant.act.channels import RdapAccess, lookup_contacts
from revenant.act.misp import build_event
from revenant.act.notice_text import Notifier, message
from revenant.act.notices import draft
from revenant.act.rdap import Bootstrap
from revenant.act.report import render, write
from revenant.act.stix import build_bundle
from revenant.act.tlp import export_limit
from revenant.errors import UsageError
from revenant.fingerprint.names import registrable
from revenant.model import Clock, Tlp, utcnow
from revenant.probe import ProbeConfig, parse_allow
from revenant.store import Store
from revenant.store.alerts import list_alerts
from revenant.store.cases import get_case
from revenant.store.rdap import answers_for_alert
from revenant.testnet import Testnet
from revenant.testnet.rdap import Allocation, Registration, bootstrap, registry_site, rir_site

NOTIFIER = Notifier(
    "Demo notifier (scenario)", "notices@example.org", "Revenant demo unit (scenario)"
)
_REGISTRY = "rdap.registry.test"
_RIR = "rdap.rir.test"


@dataclass(frozen=True)
class Shared:
    notices: tuple[str, ...]  # the drafted notices' files
    skipped: tuple[str, ...]
    stix: Path
    misp: Path
    report_html: Path
    report_pdf: Path

    def as_json(self) -> dict[str, object]:
        return {
            "notices": list(self.notices),
            "no_notice": list(self.skipped),
            "stix": str(self.stix),
            "misp": str(self.misp),
            "report": [str(self.report_html), str(self.report_pdf)],
        }


def _served(web: Testnet, host: str) -> bool:
    try:
        web.site_of(host)
    except UsageError:
        return False
    return True


@contextmanager
def rdap_servers(web: Testnet, hosts: Sequence[str]) -> Iterator[RdapAccess]:
    """A registry and a RIR answering for `hosts` (those the scenario serves), on their
    own testnet while the block runs; yields how to ask them (probe options, bootstrap)."""
    served = [h for h in dict.fromkeys(hosts) if _served(web, h)]
    registrations = [
        Registration(
            registrable(h) or h,
            "Registrar Exemple SAS (scenario)",
            "9999",
            "abuse@registrar.example",
        )
        for h in served
    ]
    allocations = {
        web.address_of(h): Allocation(
            f"127.{web.block}.0.0/16",
            "SCENARIO-HOSTING",
            "Hebergeur (scenario)",
            "NL",
            "abuse@hosting.example",
            64500,
        )
        for h in served
    }
    net = Testnet(
        [
            registry_site(_REGISTRY, f"https://{_REGISTRY}/", registrations),
            rir_site(_RIR, f"https://{_RIR}/", allocations),
        ],
        seed=web.block,
    )
    net.start()
    try:
        port = net.https_port
        tlds = {r.name.rsplit(".", 1)[-1]: f"https://{_REGISTRY}:{port}/" for r in registrations}
        boot = Bootstrap.from_registries(
            bootstrap(tlds, {f"127.{web.block}.0.0/16": f"https://{_RIR}:{port}/"})
        )
        config = ProbeConfig(
            allow=parse_allow([net.allow]),
            resolver=net.resolver,
            https_port=port,
            http_port=net.http_port,
            ca_file=str(net.ca_pem),
        )
        yield RdapAccess(config, boot)
    finally:
        net.stop()


def share_case(
    store: Store, data_dir: Path, case: str, rdap: RdapAccess, *, clock: Clock = utcnow
) -> Shared:
    """RDAP contacts (asked as `rdap` says) and drafted notices for every confirmed
    alert, then the STIX bundle, the MISP event and the case report (HTML and PDF) in
    `data_dir`."""
    confirmed = [a for a in list_alerts(store, case=case) if a.state == "confirmed"]

    lookup_contacts(store, data_dir, case, confirmed, rdap, clock=clock)
    folder = data_dir / "notices"
    folder.mkdir(exist_ok=True)
    files: list[str] = []
    skipped: list[str] = []
    domains = get_case(store, case).domains
    for alert in confirmed:
        made = draft(
            store,
            data_dir,
            alert.id,
            answers_for_alert(store, alert.id),
            roles=["registrar", "host"],
            notifier=NOTIFIER,
            actor="demo-analyst",
            case_domains=domains,
            clock=clock,
        )
        skipped += [f"{alert.host}: {why}" for why in made.skipped]
        for notice in made.notices:
            path = folder / f"notice-{notice.id}-{notice.role}-{notice.host}.eml"
            path.write_bytes(message(notice, clock()).as_bytes())
            files.append(str(path))
    casefile = read_case_file(store, case)
    limit = export_limit(Tlp.AMBER)
    stix = data_dir / f"{case}.stix.json"
    stix.write_text(
        json.dumps(build_bundle(casefile, limit=limit, now=clock()).bundle, indent=2) + "\n"
    )
    misp = data_dir / f"{case}.misp.json"
    misp.write_text(build_event(casefile, limit=limit, now=clock()).to_json() + "\n")
    report = render(store, data_dir, case, now=clock())
    html = write(report, data_dir / f"{case}-report.html")
    pdf = write(report, data_dir / f"{case}-report.pdf")
    return Shared(tuple(files), tuple(skipped), stix, misp, html, pdf)
