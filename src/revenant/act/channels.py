"""Where acting reaches beyond Revenant, for a long-running front (`revenant serve`): the
SMTP server notices go out through, the DNS primary the blocking zone is pushed to, a
partner's MISP, and how RDAP servers are asked (the probe options and the bootstrap).

The CLI takes these per command (`notice send --smtp`, `rpz push --server --tsig`, `misp
push --url --key-file`, `notice contacts --resolver --rdap-bootstrap`); the dashboard is
given them once, at start, by flags or the environment, and never by a page. Secrets stay
in files (the SMTP password, the TSIG key, the MISP key) and are read when used, so a key
rotated on disk is picked up; every file is checked when the settings are made, so a
wrong path stops the server at start with its name, not a click later.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from revenant.act.misp import read_key
from revenant.act.push import TsigKey, parse_server, push_target, read_tsig
from revenant.act.rdap import Bootstrap, Recipients, who_to_tell
from revenant.act.rpz import DEFAULT_ZONE, zone_origin
from revenant.act.smtp import SmtpServer
from revenant.errors import BadInput, UsageError
from revenant.evidence import open_case_log
from revenant.model import Clock, utcnow
from revenant.probe import ProbeConfig, Prober
from revenant.probe.options import default_probe_config
from revenant.store import Store
from revenant.store.alerts import Alert
from revenant.store.ledger import StoreMirror


def read_bootstrap(path: Path | None) -> Bootstrap:
    """RFC 9224 registries from a JSON file (`{"dns": ..., "ipv4": ...}`), or the IANA
    files shipped with Revenant when no file is given."""
    if path is None:
        return Bootstrap.shipped()
    try:
        docs = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--rdap-bootstrap {path}: {exc}") from None
    except RecursionError:
        raise UsageError(f"--rdap-bootstrap {path}: JSON nested too deep") from None
    if not isinstance(docs, dict):
        raise UsageError(f"--rdap-bootstrap {path}: a JSON object of RFC 9224 registries")
    try:
        return Bootstrap.from_registries(docs)
    except BadInput as exc:
        raise UsageError(f"--rdap-bootstrap {path}: {exc}") from None


@dataclass(frozen=True)
class RpzPrimary:
    """The DNS primary the zone is pushed to: `IP:PORT`, the zone's name there and the
    TSIG key file (tsig-keygen format)."""

    server: str
    tsig_file: Path
    zone: str = DEFAULT_ZONE
    timeout: float = 10.0

    @property
    def target(self) -> str:
        """As the push records it: `IP:PORT/zone.`"""
        return push_target(self.server, self.zone)

    def key(self) -> TsigKey:
        return read_tsig(self.tsig_file)


@dataclass(frozen=True)
class MispPartner:
    """A partner's MISP: its base URL, the file holding the API key, a CA for its TLS."""

    url: str
    key_file: Path
    ca_file: str | None = None

    def key(self) -> str:
        return read_key(self.key_file)


@dataclass(frozen=True)
class RdapAccess:
    """How RDAP servers are asked: through the prober with these options (its address
    policy, bounds, resolver), at the servers the bootstrap names (read at start)."""

    probe: ProbeConfig = field(default_factory=default_probe_config)
    bootstrap: Bootstrap = field(default_factory=Bootstrap.shipped)


def lookup_contacts(
    store: Store,
    data_dir: Path,
    case: str,
    alerts: Sequence[Alert],
    access: RdapAccess,
    *,
    clock: Clock = utcnow,
) -> list[Recipients]:
    """Who to tell about each alert of `case`: RDAP for its name and address through one
    prober with `access`'s options, each exchange written to the case's evidence and
    each answer kept (`rdap.who_to_tell`). Not from inside a running event loop."""

    async def run() -> list[Recipients]:
        log = open_case_log(data_dir, case, clock=clock, mirror=StoreMirror(store, case))
        try:
            async with Prober(access.probe, clock=clock) as prober:
                return [
                    await who_to_tell(
                        prober, access.bootstrap, store, alert, evidence=log, clock=clock
                    )
                    for alert in alerts
                ]
        finally:
            log.close()

    return asyncio.run(run())


@dataclass(frozen=True)
class Channels:
    """What a front may use to act outside; None: not configured (the page says so)."""

    smtp: SmtpServer | None = None
    rpz: RpzPrimary | None = None
    misp: MispPartner | None = None
    rdap: RdapAccess = field(default_factory=RdapAccess)


def channels(
    *,
    smtp: str | None = None,
    smtp_ca_file: str | None = None,
    smtp_user: str | None = None,
    smtp_password_file: str | None = None,
    rpz_server: str | None = None,
    rpz_zone: str = DEFAULT_ZONE,
    rpz_tsig: Path | None = None,
    misp_url: str | None = None,
    misp_key_file: Path | None = None,
    misp_ca_file: str | None = None,
    rdap_probe: ProbeConfig | None = None,
    rdap_bootstrap: Path | None = None,
) -> Channels:
    """Check the settings as `revenant serve` is given them (UsageError naming the
    flag), reading every key file once so a bad one stops the start."""
    server = None
    if smtp:
        server = SmtpServer.parse(
            smtp, ca_file=smtp_ca_file, username=smtp_user, password_file=smtp_password_file
        )
    elif smtp_ca_file or smtp_user or smtp_password_file:
        raise UsageError("--smtp-ca-file, --smtp-user and --smtp-password-file need --smtp")
    if bool(smtp_user) != bool(smtp_password_file):
        raise UsageError("give --smtp-user and --smtp-password-file together")
    primary = None
    if rpz_server or rpz_tsig:
        if not (rpz_server and rpz_tsig):
            raise UsageError("give --rpz-server and --rpz-tsig together")
        primary = RpzPrimary(rpz_server, rpz_tsig, rpz_zone)
        primary.key()  # a missing or malformed key file: said now
        zone_origin(rpz_zone)
        parse_server(rpz_server)
    partner = None
    if misp_url or misp_key_file:
        if not (misp_url and misp_key_file):
            raise UsageError("give --misp-url and --misp-key-file together")
        if not misp_url.startswith(("https://", "http://")):
            raise UsageError(f"--misp-url {misp_url!r}: give the MISP's http(s) base URL")
        if misp_ca_file is not None and not Path(misp_ca_file).is_file():
            raise UsageError(f"--misp-ca-file {misp_ca_file}: no such file")
        partner = MispPartner(misp_url.rstrip("/"), misp_key_file, misp_ca_file)
        partner.key()
    rdap = RdapAccess(rdap_probe or default_probe_config(), read_bootstrap(rdap_bootstrap))
    return Channels(server, primary, partner, rdap)
