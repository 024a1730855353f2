"""A small world for the sharing tests: a seized chat site and its mirror on the testnet,
a domain registry and a RIR answering RDAP for them, and a case whose mirror alert is
confirmed, with real captures, WARC evidence and a custody ledger.

Imported by the tests of act/ (not a conftest: another slice owns tests/act/conftest.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from revenant.act.decisions import decide
from revenant.act.rdap import Bootstrap
from revenant.demo import probe_config_for
from revenant.evidence.warc import EvidenceLog, open_case_log
from revenant.model import Case
from revenant.pipeline import Pipeline
from revenant.probe import Bounds, ProbeConfig, Prober
from revenant.settings import Settings
from revenant.store import open_store
from revenant.store.alerts import Alert, list_alerts
from revenant.store.cases import create_case, get_case
from revenant.store.ledger import mirror_entry
from revenant.testnet import Page, SiteSpec, Testnet
from revenant.testnet.net import allocate
from revenant.testnet.rdap import Allocation, Registration, bootstrap, registry_site, rir_site

SEED = 14
BLOCK = 214
FAVICON = b"\x00\x00\x01\x00" + bytes(range(200))


def _chat(title: str, extra: str = "") -> bytes:
    return f"""<!DOCTYPE html><html lang="fr"><head><title>{title}</title>
<link rel="icon" href="/favicon.ico">
<script async src="https://www.googletagmanager.com/gtag/js?id=G-BAVARD042"></script>
</head><body><h1>{title}</h1>
<p>Rejoignez le salon sans inscription. Nouvelles adresses sur Telegram : https://t.me/bavardo_news</p>
<p>Dons : bc1qjeg92p5fpvyancqjlw6e9xtvt6w35y2ahmwnqa</p>{extra}
<form action="/login"><input name="pseudo"><input name="age"><input name="ville"></form>
</body></html>""".encode()


SEIZED = SiteSpec(
    names=("bavardo.net",),
    pages=(Page("/", _chat("bavardo, le chat sans inscription")),),
    favicon=FAVICON,
    label="seized",
)
MIRROR = SiteSpec(
    names=("bavard0.net",),
    pages=(Page("/", _chat("bavardo, le chat sans inscription", "<p>nouvelle adresse</p>")),),
    favicon=FAVICON,
    label="re-emergence",
)
UNRELATED = SiteSpec(
    names=("meteo-lyon.fr",),
    pages=(Page("/", b"<html><head><title>Meteo Lyon</title></head><body>Soleil.</body></html>"),),
)
REGISTRY_HOST = "rdap.nic.test"
RIR_HOST = "rdap.rir.test"
BROKEN_HOST = "rdap.broken.test"

# Pages of a registry that answers badly, one way per name.
BROKEN_PAGES = (
    Page("/domain/notjson.org", b"<html>maintenance</html>", content_type="text/html"),
    Page("/domain/array.org", b"[1, 2, 3]", content_type="application/rdap+json"),
    Page(
        "/domain/nohandle.org",
        b'{"objectClassName": "domain"}',
        content_type="application/rdap+json",
    ),
    Page(
        "/domain/error.org", b'{"errorCode": 500}', status=500, content_type="application/rdap+json"
    ),
    Page(
        "/domain/redacted.org",
        b"""{"objectClassName": "domain", "handle": "R-1", "ldhName": "redacted.org",
        "entities": [{"objectClassName": "entity", "handle": "9999", "roles": ["registrar"],
          "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Quiet Registrar"]]],
          "entities": [{"objectClassName": "entity", "roles": ["abuse"],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", ""],
              ["email", {}, "text", "REDACTED FOR PRIVACY"],
              ["contact-uri", {}, "uri", "https://quiet.example/abuse-form"]]]}]}]}""",
        content_type="application/rdap+json",
    ),
    Page(
        "/domain/partial.org",
        b"""{"objectClassName": "domain", "handle": "P-1", "ldhName": "partial.org",
        "entities": [{"objectClassName": "entity", "roles": ["registrar"], "vcardArray": "oops",
          "entities": [null, 5, {"roles": "abuse"}]}, "junk"]}""",
        content_type="application/rdap+json",
    ),
)

REGISTRAR = "Registrar Exemple SAS"
REGISTRAR_ABUSE = "abuse@registrar-exemple.test"
HOST_ABUSE = "abuse@hebergeur.test"


@dataclass
class World:
    net: Testnet
    pipe: Pipeline
    case: Case
    alert: Alert
    seized_capture: int
    probe: ProbeConfig
    rdap: Bootstrap
    data_dir: Path

    def prober(self) -> Prober:
        return Prober(self.probe, clock=self.pipe.clock)


def sites() -> tuple[SiteSpec, ...]:
    """Every site of the world, RDAP servers built for the addresses the others get."""
    web = (SEIZED, MIRROR, UNRELATED)
    count = len(web) + 3
    addresses = allocate(count, SEED, BLOCK)
    mirror_ip = addresses[1]
    seized_ip = addresses[0]
    registry = registry_site(
        REGISTRY_HOST,
        f"https://{REGISTRY_HOST}/",
        [
            Registration("bavard0.net", REGISTRAR, "4242", REGISTRAR_ABUSE),
            Registration("bavardo.net", REGISTRAR, "4242", REGISTRAR_ABUSE),
            Registration("silent.net", "Registrar Muet", "77", None),
        ],
    )
    rir = rir_site(
        RIR_HOST,
        f"https://{RIR_HOST}/",
        {
            mirror_ip: Allocation(
                f"127.{BLOCK}.0.0/16",
                "HEBERG-NET",
                "Hebergeur Lointain Ltd",
                "MD",
                HOST_ABUSE,
                64512,
            ),
            seized_ip: Allocation(
                f"127.{BLOCK}.0.0/16",
                "HEBERG-NET",
                "Hebergeur Lointain Ltd",
                "MD",
                HOST_ABUSE,
                64512,
            ),
        },
    )
    broken = SiteSpec(names=(BROKEN_HOST,), pages=BROKEN_PAGES, http=False)
    return (*web, registry, rir, broken)


def rdap_bootstrap(net: Testnet) -> Bootstrap:
    port = net.https_port
    return Bootstrap.from_registries(
        bootstrap(
            {
                "net": f"https://{REGISTRY_HOST}:{port}/",
                "org": f"https://{BROKEN_HOST}:{port}/",
            },
            {f"127.{BLOCK}.0.0/16": f"https://{RIR_HOST}:{port}/"},
        )
    )


def start_net() -> Testnet:
    net = Testnet(sites(), seed=SEED, block=BLOCK)
    net.start()
    return net


def quick_config(net: Testnet) -> ProbeConfig:
    return replace(
        probe_config_for(net),
        bounds=Bounds(connect=3, read=3, exchange=5, total=15),
    )


def build_world(net: Testnet, data_dir: Path, clock) -> World:  # type: ignore[no-untyped-def]
    """Capture the seized site, fingerprint the case, capture and score the mirror and an
    unrelated site, and confirm the mirror's alert."""
    settings = Settings.resolve(data_dir)
    store = open_store(settings.db_url)
    config = quick_config(net)
    pipe = Pipeline(settings=settings, store=store, probe_config=config, clock=clock)
    create_case(store, "coco", ["bavardo.net"], ["bavardo"])

    async def run() -> int:
        async with Prober(config, clock=clock) as prober:
            seized = await pipe.capture(prober, net.url("bavardo.net"), case="coco")
            pipe.fingerprint_case("coco", [seized.capture_id])
            await pipe.capture(prober, net.url("meteo-lyon.fr"), case=None)
            mirror = await pipe.capture(prober, net.url("bavard0.net"), case="coco")
            case = get_case(store, "coco")
            pipe.alert(case, pipe.score("coco", mirror.fingerprint), capture_id=mirror.capture_id)
            return seized.capture_id

    seized_id = asyncio.run(run())
    alert = list_alerts(store, case="coco")[0]
    alert = decide(store, data_dir, alert.id, "confirmed", actor="analyst-a", clock=clock).alert
    return World(
        net=net,
        pipe=pipe,
        case=get_case(store, "coco"),
        alert=alert,
        seized_capture=seized_id,
        probe=config,
        rdap=rdap_bootstrap(net),
        data_dir=data_dir,
    )


def running_net() -> Iterator[Testnet]:
    net = start_net()
    try:
        yield net
    finally:
        net.stop()


def fresh_log(w: World) -> EvidenceLog:
    """A new evidence log of the case, mirrored into the database. Each writer opens its
    own: a log kept open across another writer's ledger appends (a decision, say) would
    resume from a stale chain head (issue 11 serialises appends across writers)."""
    return open_case_log(
        w.data_dir,
        "coco",
        clock=w.pipe.clock,
        on_append=partial(mirror_entry, w.pipe.store, "coco"),
    )
