"""A small real world for the dashboard's tests: cases, captures written as WARC evidence,
fingerprints, scored alerts and accounts, built in-process through the same pipeline
the CLI uses (no network: captures are made by hand, then recorded for real).

- case `alpha` (TLP:GREEN): seized site, mirror `alpha-one` (shares the Telegram handle,
  which is TLP:RED) and mirror `alpha-two` (shares no RED feature);
- case `beta`: its own seized site and mirror (only the outsider and admins see it);
- case `gamma` (TLP:AMBER): the partner is a member, but cleared to GREEN only.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from revenant.act.decisions import decide
from revenant.act.notice_text import Notifier
from revenant.act.notices import draft
from revenant.act.orders import add_order
from revenant.act.rdap import RdapAnswer, RdapOutcome
from revenant.model import Capture, Exchange, Outcome, Tlp
from revenant.pipeline import Pipeline, default_probe_config
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.store.accounts import Role, add_user, grant
from revenant.store.cases import (
    case_features,
    create_case,
    get_case,
    set_case_tlp,
    set_feature_tlp,
)
from revenant.store.rdap import answers_for_alert, save_answer

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (so the favicon check has the genuine signature to find)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


ICON = png()


def page(
    brand: str,
    *,
    telegram: str = "",
    ga: str = "",
    btc: str = "",
    extra: str = "",
    title: str | None = None,
) -> bytes:
    ids = []
    if telegram:
        ids.append(f'<a href="https://t.me/{telegram}">t.me/{telegram}</a>')
    if ga:
        ids.append(f"<script>gtag('config', '{ga}');</script>")
    if btc:
        ids.append(f"<p>Dons : {btc}</p>")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{title if title is not None else f"{brand}, le chat sans inscription"}</title>
<link rel="icon" href="/favicon.png"></head><body>
<h1>Bienvenue sur {brand}</h1>
<p>Le tchat gratuit et anonyme, sans inscription, ouvert jour et nuit.</p>
<p>Salons : amitié, musique, cinéma, régions, 25-35 ans.</p>
<p>Respect de tous. Pas de données personnelles. Les modérateurs veillent.</p>
{"".join(ids)}
{extra}
</body></html>""".encode()


def capture(
    host: str,
    body: bytes,
    *,
    when: datetime,
    headers: tuple[tuple[str, str], ...] = (),
    icon: bytes | None = ICON,
    icon_type: str = "image/png",
    path: str = "/",
) -> Capture:
    """A capture as the prober would have made it (page, favicon), with a TLS-less
    address from the documentation range."""
    url = f"https://{host}{path}"
    exchanges = [
        Exchange(
            "page",
            url,
            when,
            Outcome.OK,
            peer="192.0.2.10",
            status=200,
            headers=(("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx"), *headers),
            payload=body,
            content=body,
        )
    ]
    if icon is not None:
        exchanges.append(
            Exchange(
                "favicon",
                f"https://{host}/favicon.png",
                when,
                Outcome.OK,
                peer="192.0.2.10",
                status=200,
                headers=(("Content-Type", icon_type),),
                payload=icon,
                content=icon,
            )
        )
    return Capture(
        url, host, when, when + timedelta(seconds=1), Outcome.OK, exchanges=tuple(exchanges)
    )


@dataclass
class World:
    settings: Settings
    store: Store
    pipe: Pipeline
    alerts: dict[str, int] = field(default_factory=dict)  # host -> alert id
    captures: dict[str, int] = field(default_factory=dict)  # host -> capture id
    red_value: str = ""  # the TLP:RED feature value a GREEN partner must never see
    orders: dict[str, int] = field(default_factory=dict)  # case -> order id
    notices: dict[str, int] = field(default_factory=dict)  # case -> a drafted notice

    def close(self) -> None:
        self.pipe.close()
        self.store.close()


TELEGRAM = "alpha_secret_channel"
USERS = {
    "admin": (Role.ADMIN, ()),
    "analyst": (Role.ANALYST, ("alpha",)),
    "viewer": (Role.VIEWER, ("alpha",)),
    "partner": (Role.PARTNER, ("alpha", "gamma")),
    "outsider": (Role.ANALYST, ("beta",)),
}


def build_world(root: Path) -> World:
    settings = Settings.resolve(root / "data")
    store = open_store(settings.db_url)
    clock_at = [T0]

    def clock() -> datetime:
        clock_at[0] += timedelta(seconds=7)
        return clock_at[0]

    pipe = Pipeline(settings, store, default_probe_config(), clock=clock)
    world = World(settings, store, pipe)
    specs = {
        "alpha": (
            "alphachat.net",
            dict(telegram=TELEGRAM, ga="UA-1111111-1", btc="1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
            [
                ("alpha-one.net", dict(telegram=TELEGRAM, ga="UA-1111111-1")),
                (
                    "alpha-two.net",
                    dict(ga="UA-1111111-1", btc="1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
                ),
            ],
        ),
        "beta": (
            "betatalk.org",
            dict(telegram="beta_talk_news", ga="UA-2222222-1"),
            [("beta-again.org", dict(telegram="beta_talk_news", ga="UA-2222222-1"))],
        ),
        "gamma": (
            "gammaroom.fr",
            dict(telegram="gamma_room_info", ga="UA-3333333-1"),
            [("gamma-back.fr", dict(telegram="gamma_room_info", ga="UA-3333333-1"))],
        ),
    }
    for name, (seized, ids, mirrors) in specs.items():
        create_case(store, name, [seized], [name], clock=clock)
        stored = pipe.record(
            capture(seized, page(name, **ids), when=clock()), case=name, background=False
        )
        world.captures[seized] = stored.capture_id
        pipe.fingerprint_case(name, [stored.capture_id])
        for host, shared in mirrors:
            got = pipe.record(capture(host, page(name, **shared), when=clock()), case=None)
            world.captures[host] = got.capture_id
            result = pipe.score(name, got.fingerprint)
            alert_id, _ = pipe.alert(get_case(store, name), result, capture_id=got.capture_id)
            world.alerts[host] = alert_id
    set_case_tlp(store, "alpha", Tlp.GREEN)
    for cf in case_features(store, "alpha"):  # features are AMBER unless said otherwise
        set_feature_tlp(store, "alpha", cf.feature, Tlp.GREEN)
    red = next(cf.feature for cf in case_features(store, "alpha") if cf.feature.kind == "telegram")
    set_feature_tlp(store, "alpha", red, Tlp.RED)
    world.red_value = red.value
    set_case_tlp(store, "gamma", Tlp.AMBER)
    for name, (seized, _, _) in specs.items():
        change = add_order(
            store,
            settings.data_dir,
            name,
            authority="Tribunal judiciaire de Paris",
            reference=f"RG 26/{len(world.orders) + 1:05d}",
            basis="art. 6-3 LCEN",
            issued=T0.date(),
            expires=None,
            domains=[seized],
            covers_mirrors=True,
            two_person=True,
            actor="clerk",
            clock=clock,
        )
        world.orders[name] = change.order.id
    for name, host in (("alpha", "alpha-two.net"), ("beta", "beta-again.org")):
        # a confirmed alert with its registrar's abuse contact kept, and a drafted notice
        alert_id = world.alerts[host]
        decide(store, settings.data_dir, alert_id, "confirm", actor="clerk", clock=clock)
        case = get_case(store, name)
        assert case.id is not None
        answer = RdapAnswer(
            "domain",
            host,
            f"https://rdap.registrar.example/domain/{host}",
            RdapOutcome.OK,
            holder="Example Registrar",
            abuse_emails=("abuse@registrar.example",),
        )
        save_answer(store, case.id, alert_id, answer.as_json(), now=clock())
        drafted = draft(
            store,
            settings.data_dir,
            alert_id,
            answers_for_alert(store, alert_id),
            roles=["registrar"],
            notifier=Notifier("Cellule cyber", "cyber@unit.example"),
            actor="clerk",
            clock=clock,
        )
        world.notices[name] = drafted.notices[0].id
    for user, (role, cases) in USERS.items():
        add_user(store, user, role, PASSWORD, tlp=Tlp.GREEN, clock=clock)
        for c in cases:
            grant(store, user, c, clock=clock)
    return world
