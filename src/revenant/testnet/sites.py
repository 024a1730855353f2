"""Sites of the testnet, declared as data: what each name serves, with which
certificate, which DNS records and which hostile behaviour.

Nothing here does I/O. The `Testnet` (net.py) serves these specs; the scenario
generator (scenario.py) and the hostile corpus (hostile.py) produce them. Every
value is a frozen dataclass so specs can be shared, hashed and compared.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from revenant.errors import UsageError

Headers = tuple[tuple[str, str], ...]

HTML = "text/html; charset=utf-8"
JS = "application/javascript; charset=utf-8"
CSS = "text/css; charset=utf-8"
ICO = "image/x-icon"
PNG = "image/png"
JSON = "application/json"


@dataclass(frozen=True)
class Page:
    """One path of a site and the response it gets (scripts and styles are pages too)."""

    path: str
    body: bytes
    status: int = 200
    content_type: str = HTML
    headers: Headers = ()


@dataclass(frozen=True)
class CertSpec:
    """The certificate a site presents over HTTPS.

    Empty `sans` means the site's own names. `key_id`: sites with the same non-empty
    key_id share one private key (an operator reusing a key across hops).
    """

    sans: tuple[str, ...] = ()
    expired: bool = False
    self_signed: bool = False
    wrong_name: bool = False
    organization: str = ""
    key_id: str = ""


class Hostile(enum.StrEnum):
    """Misbehaviours a site can have; each is bounded on the server side too."""

    SLOW_DRIP = "slow-drip"  # whole response 1 byte per 0.5 s, at most ~60 s
    ENDLESS_BODY = "endless-body"  # body never ends (stops at 50 MB or when the client goes)
    GZIP_BOMB = "gzip-bomb"  # small gzip body inflating to 100 MB
    BROTLI_BOMB = "brotli-bomb"  # small br body inflating to 100 MB
    REDIRECT_LOOP = "redirect-loop"  # every path redirects to a new path, forever
    REDIRECT_TO = "redirect-to"  # every path redirects to `hostile_param`
    HUGE_HEADERS = "huge-headers"  # one 1 MB header
    LYING_CONTENT_TYPE = "lying-content-type"  # PNG bytes served as text/html
    BAD_CERT = "bad-cert"  # self-signed unless the CertSpec says otherwise
    RESET_MID_BODY = "reset-mid-body"  # TCP reset after part of the announced body
    MALFORMED_HTML = "malformed-html"  # broken markup, bad bytes, deep nesting
    STATUS_404 = "status-404"
    STATUS_500 = "status-500"


RTYPES = ("A", "AAAA", "CNAME", "NS", "MX", "TXT")


@dataclass(frozen=True)
class Record:
    """An extra DNS record. `name` "" means the site's first name; a name that is not
    one of the site's names (e.g. "mail.brand.fr") is declared by this record.

    Values: AAAA an IPv6 address (loopback only, e.g. "::1"); CNAME/NS a name;
    MX "10 mail.brand.fr"; TXT the text. A records are automatic (the site's address)
    unless given here explicitly.
    """

    rtype: str
    value: str
    name: str = ""
    ttl: int = 300

    def __post_init__(self) -> None:
        if self.rtype not in RTYPES:
            raise UsageError(f"record {self.name or '@'}: unknown type {self.rtype!r}")


LABELS = ("seized", "re-emergence", "decoy", "background", "hostile")


@dataclass(frozen=True)
class SiteSpec:
    """One site: its names (all served from one address), pages and behaviour.

    `redirects` maps a path to a Location (answered 302). `label` is the ground truth
    for scenarios: "seized", "re-emergence", "decoy", "background" or "hostile".
    """

    names: tuple[str, ...]
    pages: tuple[Page, ...] = ()
    favicon: bytes | None = None
    headers: Headers = ()
    cookies: tuple[tuple[str, str], ...] = ()
    redirects: tuple[tuple[str, str], ...] = ()
    cert: CertSpec = field(default_factory=CertSpec)
    hostile: Hostile | None = None
    hostile_param: str = ""
    label: str = "background"
    operator: str = ""
    dns: tuple[Record, ...] = ()
    https: bool = True
    http: bool = True
    gzip: bool = False  # gzip text bodies when the client accepts it, as nginx would

    def __post_init__(self) -> None:
        if not self.names:
            raise UsageError("site without a name")
        if self.label not in LABELS:
            raise UsageError(f"site {self.names[0]}: unknown label {self.label!r}")

    @property
    def name(self) -> str:
        """The site's primary name."""
        return self.names[0]

    def page(self, path: str) -> Page | None:
        """The page declared at `path`, if any."""
        for page in self.pages:
            if page.path == path:
                return page
        return None

    def dns_names(self) -> tuple[str, ...]:
        """Every name this site makes resolvable: its names and its records' names."""
        extra = tuple(r.name for r in self.dns if r.name and r.name not in self.names)
        return self.names + tuple(dict.fromkeys(extra))
