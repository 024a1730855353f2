"""Shared types that flow through the pipeline: discover -> probe -> evidence ->
fingerprint -> match -> store -> act.

Every type here is a frozen dataclass: stages pass values, never mutate them. Nothing in
this module does I/O; it must stay importable from every stage.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TypeAlias

Clock = Callable[[], datetime]
"""Time is injected: stages take a `clock` returning an aware UTC datetime."""


def utcnow() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def seeded(seed: int | None) -> random.Random:
    """Randomness is injected: stages take a `random.Random`, built here from a seed."""
    return random.Random(seed)


# --------------------------------------------------------------------------- cases


class Tlp(enum.StrEnum):
    """Traffic Light Protocol 2.0 level: who may see a case, a feature or what is derived
    from them. Ordered from least to most restricted (CLEAR < GREEN < AMBER <
    AMBER+STRICT < RED); an export for a partner at one level leaves out everything above."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"

    @property
    def rank(self) -> int:
        return _TLP_ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> Tlp:
        """A level from what a person types: `amber`, `TLP:AMBER+STRICT`, `amber-strict`."""
        key = text.strip().upper().removeprefix("TLP:").replace("-", "+").replace("_", "+")
        for level in cls:
            if level.value == key:
                return level
        raise ValueError(f"TLP level {text!r}: one of {', '.join(t.value for t in cls)}")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Tlp):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Tlp):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Tlp):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Tlp):
            return NotImplemented
        return self.rank >= other.rank


_TLP_ORDER = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)
DEFAULT_TLP = Tlp.AMBER
"""What a case or a feature is until an analyst says otherwise (TLP 2.0's usual default
for law-enforcement sharing: the recipient's organisation and its clients)."""


@dataclass(frozen=True)
class Case:
    """A seized platform being watched for: its known domains and brand words."""

    name: str
    domains: tuple[str, ...]
    brands: tuple[str, ...] = ()
    created: datetime | None = None
    id: int | None = None
    tlp: Tlp = Tlp.AMBER


# ---------------------------------------------------------------------- discovery

JsonValue: TypeAlias = "dict[str, JsonValue] | list[JsonValue] | str | int | float | bool | None"


class CaseBook(Protocol):
    """Where discovery reads the cases it works for (the store is one)."""

    def list_cases(self) -> Sequence[Case]: ...


class StateBook(Protocol):
    """Small named values discovery keeps across runs, e.g. CT log positions (the store
    is one)."""

    def get_state(self, key: str) -> JsonValue: ...

    def set_state(self, key: str, value: JsonValue) -> None: ...


class DiscoveryStore(CaseBook, StateBook, Protocol):
    """Everything discovery needs from a database."""


class Source(enum.StrEnum):
    """Where a candidate name came from."""

    PERMUTATION = "permutation"
    CT = "ct"
    NRD = "nrd"
    ZONE = "zone"
    PIVOT = "pivot"
    TIP = "tip"
    SCENARIO = "scenario"
    RECHECK = "recheck"  # a confirmed name probed again on schedule


@dataclass(frozen=True)
class Candidate:
    """A hostname (or URL) worth probing, with its provenance."""

    name: str
    source: Source
    seen_at: datetime
    detail: str = ""
    case: str | None = None
    priority: float = 0.0


# -------------------------------------------------------------------------- probe


class Outcome(enum.StrEnum):
    """How one fetch (or a whole capture) ended. Every refusal or failure is an outcome,
    never an exception escaping the prober."""

    OK = "ok"
    REFUSED = "refused"  # policy said no: address, content type, signature
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"  # body, decompressed body or headers over their bound
    TLS_ERROR = "tls_error"
    DNS_ERROR = "dns_error"  # NXDOMAIN, no answer, resolver failure
    CONNECT_ERROR = "connect_error"
    PROTOCOL_ERROR = "protocol_error"  # malformed response, reset mid-body
    REDIRECT_LIMIT = "redirect_limit"


@dataclass(frozen=True)
class DnsRecord:
    """One answer of the resolver, as received."""

    name: str
    rtype: str  # "A", "AAAA", "CNAME", "NS", "MX", "TXT"
    value: str
    ttl: int = 0


@dataclass(frozen=True)
class Certificate:
    """One certificate of a TLS chain, parsed; `der` keeps the exact bytes."""

    subject: str
    issuer: str
    sans: tuple[str, ...]
    serial: str  # hex
    not_before: datetime
    not_after: datetime
    spki_sha256: str  # hex
    sha256: str  # hex digest of the DER
    der: bytes = b""


@dataclass(frozen=True)
class TlsInfo:
    """The TLS handshake as seen, recorded whether or not the chain verified."""

    version: str
    cipher: str
    verified: bool
    verify_error: str = ""
    chain: tuple[Certificate, ...] = ()


Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and what came back (or why nothing did).

    `payload` is the body as received (transfer coding removed, content coding kept), what
    the WARC records; `content` is the payload after bounded content decoding, what the
    fingerprint reads. Both are empty when the body was refused.
    """

    role: str  # "page", "redirect", "favicon", "script", "style"
    url: str
    started: datetime
    outcome: Outcome
    reason: str = ""
    peer: str | None = None  # the address actually connected to
    elapsed: float = 0.0
    request_headers: Headers = ()
    status: int | None = None
    http_version: str = "HTTP/1.1"
    status_text: str = ""
    headers: Headers = ()
    payload: bytes = b""
    content: bytes = b""
    truncated: bool = False

    def header(self, name: str) -> str | None:
        """First response header of that name, case-insensitively."""
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None


@dataclass(frozen=True)
class Refusal:
    """A request a rendering browser made and Revenant did not fulfil, and why."""

    url: str
    kind: str  # the browser's resource type ("image", "websocket", "popup", "download"...)
    reason: str


@dataclass(frozen=True)
class Rendering:
    """What a real browser showed of the page, every request it made fulfilled by the
    prober (its exchanges are the capture's, role "render:<type>"): the DOM after load,
    a full-page screenshot (PNG, images blocked) and the requests refused."""

    url: str  # the page loaded
    started: datetime
    finished: datetime
    outcome: Outcome
    reason: str = ""
    dom: bytes = b""  # UTF-8 serialisation of the document after load
    dom_truncated: bool = False
    screenshot: bytes = b""  # PNG
    refused: tuple[Refusal, ...] = ()
    refused_more: int = 0  # refusals past the bound, counted but not listed
    requests: int = 0  # requests the page made, fulfilled or not
    browser: str = ""  # product and version
    parsed: Parsed | None = field(default=None, compare=False, repr=False)  # of `dom`, in memory


# --------------------------------------------------------------------- parsed HTML


@dataclass
class Form:
    """A form's action (as written) and its field names."""

    action: str
    method: str
    fields: list[str] = field(default_factory=list)


@dataclass
class PageSummary:
    """What one HTML document holds for the stages downstream, read by one bounded
    parse (revenant.html): what the prober fetches next, what the fingerprint and the
    pivots read. Built once per document, in memory only, never stored."""

    title: str = ""
    text: list[str] = field(default_factory=list)  # visible text, text nodes separated by newlines
    words: int = 0  # visible words (white-space separated), counted up to 1,000
    paths: list[str] = field(default_factory=list)  # tag paths and ".class" tokens
    scripts: list[str] = field(default_factory=list)  # src attributes (and script preloads)
    script_srcs: list[str] = field(default_factory=list)  # src of <script> elements only
    inline_scripts: list[str] = field(default_factory=list)  # executable inline code
    data_scripts: list[str] = field(default_factory=list)  # JSON and other inline data
    styles: list[str] = field(default_factory=list)  # stylesheet hrefs (and style preloads)
    stylesheets: list[str] = field(default_factory=list)  # href of rel~=stylesheet links only
    icons: list[str] = field(default_factory=list)
    icon_links: list[str] = field(default_factory=list)  # href of rel~=icon links
    base: str | None = None  # href of the first <base href>
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # a[href]
    link_texts: list[tuple[str, str]] = field(default_factory=list)  # (absolute href, its words)
    frames: list[str] = field(default_factory=list)  # iframe[src]
    refreshes: list[str] = field(default_factory=list)  # meta refresh targets
    generator: str = ""
    attr_text: list[str] = field(default_factory=list)  # hrefs, meta content, values
    empty_mounts: list[str] = field(default_factory=list)  # ids of empty app mount points
    nodes: int = 0


class ParseOutcome(enum.StrEnum):
    """How the bounded parse of one document ended."""

    OK = "ok"  # read whole
    CUT = "cut"  # read up to a bound (the reason says which and where)
    TOO_COMPLEX = "too_complex"  # the parser went past its time or memory bound: nothing read
    FAILED = "failed"  # the parser refused the markup: nothing read


@dataclass(frozen=True)
class Parsed:
    """One document as the bounded parser read it (revenant.html). `source` is the
    exact bytes object it read, so a summary is only used beside those bytes."""

    summary: PageSummary
    outcome: ParseOutcome
    reason: str = ""
    source: bytes = field(default=b"", repr=False)
    cpu: float = 0.0  # seconds of the parsing process's CPU

    @property
    def read(self) -> bool:
        """Whether the summary holds what the document shows (whole or cut)."""
        return self.outcome in (ParseOutcome.OK, ParseOutcome.CUT)

    def of(self, content: bytes) -> bool:
        """Whether this is the parse of exactly `content` (the same bytes object)."""
        return self.source is content


@dataclass(frozen=True)
class Capture:
    """Everything one probe of one target saw: DNS, TLS, and every HTTP exchange."""

    target: str  # what was asked for (URL)
    host: str
    started: datetime
    finished: datetime
    outcome: Outcome
    reason: str = ""
    dns: tuple[DnsRecord, ...] = ()
    tls: TlsInfo | None = None
    exchanges: tuple[Exchange, ...] = ()
    id: int | None = None
    warc_file: str | None = None
    rendering: Rendering | None = None
    parsed: Parsed | None = field(default=None, compare=False, repr=False)  # of the page, in memory

    @property
    def page(self) -> Exchange | None:
        """The final page exchange (after redirects), if any response came."""
        pages = [e for e in self.exchanges if e.role == "page"]
        return pages[-1] if pages else None

    @property
    def responded(self) -> bool:
        """Whether the target answered with a page at all (any HTTP status)."""
        page = self.page
        return page is not None and page.status is not None

    @property
    def final_url(self) -> str:
        page = self.page
        return page.url if page else self.target

    @property
    def peer(self) -> str | None:
        page = self.page
        return page.peer if page else None

    @property
    def favicon(self) -> Exchange | None:
        for e in self.exchanges:
            if e.role == "favicon" and e.outcome is Outcome.OK and e.content:
                return e
        return None

    @property
    def assets(self) -> tuple[Exchange, ...]:
        return tuple(e for e in self.exchanges if e.role in ("script", "style"))


# -------------------------------------------------------------------- fingerprint


@dataclass(frozen=True, order=True)
class Feature:
    """One typed, discrete observation, e.g. Feature("ga", "UA-123456-1")."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Revealed:
    """What a page shows of elsewhere, read by the fingerprint's one parse (with its
    charset handling) for the pivots; kept in memory beside a fingerprint, never stored."""

    hosts: tuple[str, ...] = ()  # hosts of absolute links, forms, frames, refreshes
    text: str = ""  # the visible text


@dataclass(frozen=True)
class Fingerprint:
    """What a capture is, for matching: discrete features plus similarity sketches."""

    target: str
    features: frozenset[Feature]
    title: str = ""
    text_simhash: int | None = None  # 64-bit, unsigned
    dom_simhash: int | None = None  # 64-bit, unsigned
    text_minhash: tuple[int, ...] = ()
    text_words: int = 0  # visible words behind the text sketches (tiny texts are weak)
    shot_phash: int | None = None  # 64-bit pHash of the rendered screenshot's first screen
    host: str = ""
    registrable: str = ""
    brand_tokens: tuple[str, ...] = ()
    capture_id: int | None = None
    revealed: Revealed = field(default=Revealed(), compare=False, repr=False)


@dataclass(frozen=True)
class CaseFeature:
    """A feature of a case fingerprint, with how stable it was across the seized site's
    captures and the analyst's edits."""

    feature: Feature
    stability: float = 1.0  # share of the case's captures that showed it
    pinned: bool = False
    excluded: bool = False
    tlp: Tlp = Tlp.AMBER


@dataclass(frozen=True)
class CaseFingerprint:
    """The seized site as the matcher sees it, built from one or more captures."""

    case: str
    features: tuple[CaseFeature, ...]
    references: tuple[Fingerprint, ...] = ()  # the captures' own fingerprints (sketches)
    domains: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()


# -------------------------------------------------------------------------- match


class Verdict(enum.StrEnum):
    REEMERGENCE = "re-emergence"
    PROBABLE = "probable"
    UNRELATED = "unrelated"


@dataclass(frozen=True)
class Observed:
    """What Revenant itself counted: `df` of `n` unrelated sites in the store showed a
    feature, or `df` of `n` unrelated pairs of stored captures were as similar
    (`unit` "pairs"). Never the seed, never a prior."""

    df: int
    n: int
    unit: str = "sites"


@dataclass(frozen=True)
class Contribution:
    """One reason a target matches, in bits, with words an analyst can quote.

    `observed` is what the store showed; `prior` (p assumed as "1 in N": N), `seed`
    (the general-knowledge seed's share) and `cap` (the most bits the kind may earn)
    are set only when that assumption, not the observation, set the bits."""

    feature: str
    bits: float
    why: str
    observed: Observed | None = None
    prior: float | None = None
    seed: float | None = None
    cap: float | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "bits": round(self.bits, 2),
            "why": self.why,
            "observed": (
                {"df": self.observed.df, "n": self.observed.n, "unit": self.observed.unit}
                if self.observed is not None
                else None
            ),
            "prior": round(self.prior) if self.prior is not None else None,
            "seed": self.seed,
            "cap": self.cap,
        }


@dataclass(frozen=True)
class ReportedLr:
    """The likelihood ratio a report quotes (match/lr.py): the score calibrated on
    validation pairs and bounded by their ELUB, with its ENFSI verbal equivalent.

    `value` > 1 supports "operated by those behind the case", < 1 "an unrelated site";
    `shown` is the ratio as worded (two significant figures, >= 1, for the proposition
    `favours`: "same-operator", "different-operator" or "neither")."""

    value: float
    shown: float
    verbal: str
    favours: str
    lower: float
    upper: float
    bounded: bool
    same: int
    different: int

    @property
    def pairs(self) -> int:
        return self.same + self.different

    def as_json(self) -> dict[str, object]:
        return {
            "value": self.value,
            "shown": self.shown,
            "verbal": self.verbal,
            "favours": self.favours,
            "elub": [self.lower, self.upper],
            "bounded": self.bounded,
            "validation_pairs": {"same": self.same, "different": self.different},
        }


@dataclass(frozen=True)
class Score:
    """The evidence that a target is the case's platform, and why.

    `bits` ranks and sets the verdict; `lr` is what a report quotes (None when no
    calibration was available)."""

    target: str
    case: str
    bits: float
    verdict: Verdict
    sentence: str = ""
    contributions: tuple[Contribution, ...] = field(default_factory=tuple)
    lr: ReportedLr | None = None

    @property
    def reported_lr(self) -> float | None:
        """The reported likelihood ratio (calibrated, ELUB-bounded), or None."""
        return self.lr.value if self.lr is not None else None

    @property
    def verbal(self) -> str:
        """ENFSI verbal equivalent of the reported ratio ("strong support"), or ""."""
        return self.lr.verbal if self.lr is not None else ""

    def as_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "case": self.case,
            "bits": round(self.bits, 2),
            "verdict": str(self.verdict),
            "sentence": self.sentence,
            "reported_lr": self.lr.as_json() if self.lr is not None else None,
            "contributions": [c.as_json() for c in self.contributions],
        }
