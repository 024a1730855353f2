"""What each feature kind is, in one table: its words in a report, the group of
observations it comes with, the most bits it may earn and why, whether its values
belong to one operator, and how common an unseen value is taken to be.

Every other module reads these rows (the scorer, the background, the explanations,
the pipeline's related-host policy); adding a kind is one row here, and a test fails
when an extractor emits a kind this table lacks. `kind()` never raises: a kind read
from an older store that is no longer here gets a conservative row (UNKNOWN).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

IDENTIFIER_PRIOR_N = 65_534
"""An identifier no captured site shares counts as shared by at most 1 site in 2^16
(16 bits): enough alone for "probable" and no more (scraped copies keep their source's
ids)."""

FILE_PRIOR_N = 4_094
"""A file (favicon, script, key) no captured site serves: at most 1 site in 2^12."""

DEFAULT_PRIOR_N = 254
"""Any other value nobody has seen and the seed does not list: at most 1 site in 2^8.
The seed's silence is weak evidence of rarity, so this is low."""

STACK_PRIOR_N = 14
"""A server stack (header-name set, Server, X-Powered-By) or network operator nobody
has seen: at most 1 site in 16 (4 bits). A handful of stacks and providers (nginx,
Apache, Cloudflare, IIS, LiteSpeed, the big clouds, CDNs and PaaS) serve most of the
web, so an unseen one is far more often a variant of a common one than an
operator's own."""

INFRA_PRIOR_N = 62
"""Shared infrastructure nobody has seen (a name server, a mail exchanger, a /24):
at most 1 site in 64 (6 bits): a provider serves all its customers alike."""

TEXT_WORDS_FREE = 4
"""A line of text of this many words nobody has seen is taken as shown by at most 1
site in 2^4; each further word halves that, up to the default prior (8 words). Short
lines are a site's furniture (menus, buttons, widget titles, bylines, "skip to main
content", "from around the web"), written alike by unrelated sites; only longer ones
are unlikely to recur by chance."""


@dataclass(frozen=True)
class Kind:
    """One row of the table."""

    name: str
    label: str
    """How a report names it: "Google Analytics property"."""
    group: str | None
    """Observations that come together ("template", "hosting"...) count once per group
    (see match/score.py); None: each value is its own group (identifiers)."""
    cap: float = math.inf
    """The most bits one observation of this kind may earn."""
    cap_reason: str = ""
    """Why it is capped, in words a report quotes after "capped at N bits: "."""
    identifier: bool = False
    """Its values belong to one operator by construction (an account id, a wallet)."""
    tracker: bool = False
    """An analytics or advertising account: a hosting platform may write its own into
    every site's template (match/platforms.py)."""
    prior_n: int = DEFAULT_PRIOR_N
    """A value no captured site shows and the seed does not list counts as shown by at
    most 1 site in prior_n + 2."""
    prior_words: str = "a value"
    """What an unseen value is called in the prior's sentence: "an identifier"."""
    operator: str | None = None
    """Operator group for the related-host policy: stored hosts sharing two
    independent operator groups with a case are not unrelated sites. Kinds of one
    object (a favicon's two hashes) share a group."""
    lookup: bool = False
    """Worth an exact lookup in the store ("who else has this?")."""
    extracted: bool = True
    """Emitted by the fingerprint extractor (False: a similarity the scorer computes)."""
    per_provider: bool = False
    """Values are host names of a provider's servers (ns1 and ns2.provider.net): the
    servers of one provider are one choice and count once."""


def _identifier(name: str, label: str, *, tracker: bool = False) -> Kind:
    return Kind(
        name,
        label,
        None,
        identifier=True,
        tracker=tracker,
        prior_n=IDENTIFIER_PRIOR_N,
        prior_words="an identifier",
        operator=name,
        lookup=True,
    )


_SHARED_STACK = "a server stack is a configuration choice shared by many unrelated sites"

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        # identifiers: each value belongs to one operator
        _identifier("ga", "Google Analytics property", tracker=True),
        _identifier("gtm", "Google Tag Manager container", tracker=True),
        _identifier("gads", "Google Ads account", tracker=True),
        _identifier("adsense", "AdSense publisher id", tracker=True),
        _identifier("ym", "Yandex Metrica counter", tracker=True),
        _identifier("matomo", "Matomo tracker", tracker=True),
        _identifier("fbpixel", "Facebook pixel", tracker=True),
        _identifier("hotjar", "Hotjar site id", tracker=True),
        _identifier("email", "e-mail address"),
        _identifier("telegram", "Telegram handle or invite"),
        _identifier("discord", "Discord invite"),
        _identifier("signal", "Signal link"),
        _identifier("whatsapp", "WhatsApp number or group"),
        _identifier("btc", "Bitcoin address"),
        _identifier("eth", "Ethereum address"),
        _identifier("xmr", "Monero address"),
        _identifier("ltc", "Litecoin address"),
        _identifier("trx", "TRON address"),
        _identifier("onion", "onion address"),
        _identifier("pgp", "PGP key"),
        _identifier("phone", "phone number"),
        Kind(
            "adsense_host",
            "AdSense host id",
            "template",
            cap=4.0,
            cap_reason="an AdSense host id is the hosting platform's, written into every site it hosts",
        ),
        # one favicon file, two hashes
        Kind(
            "favicon_mmh3",
            "favicon (Shodan hash)",
            "favicon",
            prior_n=FILE_PRIOR_N,
            prior_words="a file",
            operator="favicon",
            lookup=True,
        ),
        Kind(
            "favicon_sha256",
            "favicon (sha256)",
            "favicon",
            prior_n=FILE_PRIOR_N,
            prior_words="a file",
            operator="favicon",
        ),
        # the template: files, code, forms, endpoints
        Kind(
            "asset_sha256",
            "script or style file (sha256)",
            "template",
            prior_n=FILE_PRIOR_N,
            prior_words="a file",
        ),
        Kind(
            "asset_url",
            "asset path",
            "template",
            cap=10.0,
            cap_reason="a file's path is often a convention of the software that serves it",
        ),
        Kind(
            "cms_asset",
            "file of a CMS or plugin",
            "template",
            cap=4.0,
            cap_reason="a CMS or plugin ships the same files to every site that installs it",
        ),
        Kind("build_asset", "build-hashed asset", "template"),
        Kind(
            "script_host",
            "third-party script host",
            "template",
            cap=4.0,
            cap_reason="a third-party host serves the same scripts to many sites",
        ),
        Kind(
            "inline_script",
            "inline script",
            "template",
            cap=5.0,
            cap_reason="vendor snippets are pasted verbatim into many sites",
        ),
        Kind(
            "form",
            "form (action and fields)",
            "template",
            cap=10.0,
            cap_reason="a form's action and fields often come with the software",
        ),
        Kind(
            "form_fields",
            "form field set",
            "template",
            cap=6.0,
            cap_reason="field names often come with the software",
        ),
        Kind(
            "endpoint",
            "API/WebSocket endpoint",
            "template",
            cap=10.0,
            cap_reason="API paths are often conventions of the software",
            lookup=True,
        ),
        Kind(
            "cookie",
            "cookie name",
            "template",
            cap=4.0,
            cap_reason="cookie names come with the software",
        ),
        Kind(
            "generator",
            "generator",
            "template",
            cap=4.0,
            cap_reason="a generator names software many unrelated sites run",
        ),
        # hosting: one provider, one stack
        Kind(
            "hhhash",
            "HTTP header set (HHHash)",
            "hosting",
            cap=4.0,
            cap_reason=_SHARED_STACK,
            prior_n=STACK_PRIOR_N,
            prior_words="a server stack",
        ),
        Kind(
            "server",
            "Server header",
            "hosting",
            cap=4.0,
            cap_reason=_SHARED_STACK,
            prior_n=STACK_PRIOR_N,
            prior_words="a server stack",
        ),
        Kind(
            "powered_by",
            "X-Powered-By header",
            "hosting",
            cap=4.0,
            cap_reason=_SHARED_STACK,
            prior_n=STACK_PRIOR_N,
            prior_words="a server stack",
        ),
        Kind(
            "issuer",
            "certificate issuer",
            "hosting",
            cap=3.0,
            cap_reason="a certificate authority serves millions of sites",
        ),
        Kind(
            "ip",
            "IP address",
            "hosting",
            cap=8.0,
            cap_reason="shared hosting puts many sites on one address",
        ),
        Kind(
            "net",
            "network (/24)",
            "hosting",
            cap=6.0,
            cap_reason="a hosting provider's customers share its networks",
            prior_n=INFRA_PRIOR_N,
            prior_words="a network",
        ),
        Kind(
            "asn",
            "autonomous system",
            "hosting",
            cap=4.0,
            cap_reason="an autonomous system hosts many unrelated sites",
            prior_n=STACK_PRIOR_N,
            prior_words="a network operator",
        ),
        Kind(
            "ns",
            "name server",
            "hosting",
            cap=6.0,
            cap_reason="a name server answers for all its provider's customers",
            per_provider=True,
            prior_n=INFRA_PRIOR_N,
            prior_words="a name server",
        ),
        Kind(
            "mx",
            "mail exchanger",
            "hosting",
            cap=6.0,
            cap_reason="a mail exchanger serves all its provider's customers",
            per_provider=True,
            prior_n=INFRA_PRIOR_N,
            prior_words="a mail exchanger",
        ),
        # the certificate
        Kind(
            "spki",
            "TLS public key (SPKI sha256)",
            "certificate",
            prior_n=FILE_PRIOR_N,
            prior_words="a key",
            operator="spki",
            lookup=True,
        ),
        Kind(
            "san",
            "certificate name",
            "certificate",
            cap=10.0,
            cap_reason="hosting providers put many customers' names on one certificate",
        ),
        # content
        Kind(
            "title",
            "page title",
            "content",
            cap=8.0,
            cap_reason="titles are short and often generic",
        ),
        Kind(
            "text",
            "visible text",
            "content",
            cap=8.0,
            cap_reason="a line of text can be quoted, syndicated or copied",
            prior_words="a line of text",
        ),
        Kind(
            "link_host",
            "outbound link to",
            "links",
            cap=5.0,
            cap_reason="sites link to the same sites (sister sites, partners, ad and affiliate widgets)",
            prior_words="a linked site",
        ),
        # computed by the scorer, not extracted
        Kind(
            "similarity:text",
            "visible text",
            "content",
            cap=16.0,
            cap_reason="unrelated pages share text (quotes, syndication, templates)",
            extracted=False,
        ),
        Kind(
            "similarity:dom",
            "page structure",
            "template",
            cap=10.0,
            cap_reason="page structure comes with the software",
            extracted=False,
        ),
        Kind(
            "similarity:name",
            "host name",
            "name",
            cap=8.0,
            cap_reason="look-alike names are cheap to register, and typosquatters are not the operator",
            extracted=False,
        ),
    )
}

UNKNOWN = Kind(
    "unknown",
    "feature",
    "unknown",
    cap=4.0,
    cap_reason="a feature of a kind this version does not know",
)
"""The row of a kind not in the table (a store written by another version)."""


def kind(name: str) -> Kind:
    """The row of a kind; UNKNOWN (capped low, one group) for a kind not in the table."""
    return KINDS.get(name, UNKNOWN)


class Prior(NamedTuple):
    """How common an unseen value is taken to be: at most 1 site in n + 2, and what
    the sentence calls such a value."""

    n: int
    words: str


def unseen_prior(kind_name: str, value: str) -> Prior:
    """The prior of a value nobody has seen: its kind's, except that a short line of
    text is taken as more common the fewer words it has (TEXT_WORDS_FREE)."""
    row = kind(kind_name)
    if kind_name == "text":
        words = len(value.split())
        if words < 8:
            n = 2 ** (max(TEXT_WORDS_FREE, words) + 1) - 2
            return Prior(min(n, row.prior_n), f"a line of {words} words")
    return Prior(row.prior_n, row.prior_words)


IDENTIFIER_KINDS = frozenset(k.name for k in KINDS.values() if k.identifier)
LOOKUP_KINDS = frozenset(k.name for k in KINDS.values() if k.lookup)
