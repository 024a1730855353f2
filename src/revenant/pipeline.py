"""One target through the whole flow: probe -> evidence -> fingerprint -> match -> store.

The CLI, the demo and the watch loop all call these functions, so a capture taken by
hand and one taken by the watch are recorded, fingerprinted and scored the same way.
This module wires stages together; it holds no stage's logic itself.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from revenant.errors import UsageError
from revenant.evidence import EvidenceLog, read_captures
from revenant.fingerprint import extract
from revenant.fingerprint.kinds import LOOKUP_KINDS, kind
from revenant.match import (
    Background,
    Calibration,
    NearDuplicateIndex,
    build_case_fingerprint,
    score,
)
from revenant.model import (
    Capture,
    Case,
    CaseFeature,
    CaseFingerprint,
    Clock,
    Fingerprint,
    Score,
    utcnow,
)
from revenant.probe import ProbeConfig, Prober
from revenant.settings import Settings
from revenant.store import Store
from revenant.store.alerts import raise_alert
from revenant.store.captures import (
    background_size,
    capture_row,
    captures_with,
    feature_counts,
    hosts_sharing,
    iter_fingerprints,
    load_fingerprint,
    save_capture,
    set_background,
)
from revenant.store.cases import (
    add_references,
    case_features,
    get_case,
    list_cases,
    reference_ids,
    save_case_features,
)
from revenant.store.ledger import mirror_entry

_CALIBRATE_ON = 2000
"""Background captures sampled to calibrate similarity scores."""


def _operator_kind(kind_name: str) -> str | None:
    """The operator identifier group of a feature kind, or None for template features
    (the `operator` column of fingerprint/kinds.py)."""
    return kind(kind_name).operator


_IDENTIFYING = LOOKUP_KINDS
"""Feature kinds an exact lookup is worth making for (the `lookup` column of
fingerprint/kinds.py: one operator's, not a template's)."""

UNASSIGNED = "_unassigned"
"""Evidence directory for captures taken for no particular case (the watch, ad-hoc)."""


@dataclass(frozen=True)
class Similar:
    """A stored capture that looks like another one, and why."""

    capture_id: int
    host: str
    why: str


@dataclass(frozen=True)
class Stored:
    """A capture as recorded: its store id, the capture and its fingerprint."""

    capture_id: int
    capture: Capture
    fingerprint: Fingerprint


@dataclass
class Pipeline:
    """The wired stages for one data dir and database."""

    settings: Settings
    store: Store
    probe_config: ProbeConfig
    clock: Clock = utcnow
    _logs: dict[str, EvidenceLog] = field(default_factory=dict)
    _calibration: Calibration | None = None
    _calibrated_on: int = 0

    # ----------------------------------------------------------------- evidence

    def evidence(self, case: str | None) -> EvidenceLog:
        """The evidence log (WARC files + custody ledger) of a case."""
        name = case or UNASSIGNED
        log = self._logs.get(name)
        if log is None:
            log = EvidenceLog(
                self.settings.evidence_dir / name,
                case=name,
                clock=self.clock,
                on_append=lambda entry: mirror_entry(self.store, name, entry),
            )
            self._logs[name] = log
        return log

    def close(self) -> None:
        for log in self._logs.values():
            log.close()
        self._logs.clear()

    # ------------------------------------------------------------------ capture

    def preserve(self, capture: Capture, *, case: str | None) -> tuple[Capture, Fingerprint]:
        """Write a capture to the case's evidence and fingerprint it (not yet stored)."""
        warc = self.evidence(case).write(capture)
        capture = replace(capture, warc_file=str(warc) if warc is not None else None)
        return capture, extract(capture)

    def record(self, capture: Capture, *, case: str | None, background: bool = True) -> Stored:
        """Write a capture to evidence, fingerprint it and store both."""
        capture, fingerprint = self.preserve(capture, case=case)
        case_id = get_case(self.store, case).id if case else None
        capture_id = save_capture(
            self.store, capture, fingerprint, case_id=case_id, background=background
        )
        return Stored(capture_id, capture, fingerprint)

    async def capture(
        self, prober: Prober, target: str, *, case: str | None, background: bool = True
    ) -> Stored:
        """Probe one target and record what came back, whatever came back."""
        return self.record(await prober.capture(target), case=case, background=background)

    def import_warcs(self, paths: Iterable[Path], *, case: str | None) -> list[Stored]:
        """Fingerprint captures from WARC files (the seized site's own, or third-party)."""
        stored = []
        for path in paths:
            for capture in read_captures(path):
                fingerprint = extract(capture)
                case_id = get_case(self.store, case).id if case else None
                capture_id = save_capture(
                    self.store, capture, fingerprint, case_id=case_id, background=False
                )
                stored.append(Stored(capture_id, capture, fingerprint))
        return stored

    # -------------------------------------------------------------- case model

    def fingerprint_case(self, case: str, capture_ids: Sequence[int]) -> CaseFingerprint:
        """(Re)build the case fingerprint from captures of the seized site."""
        record = get_case(self.store, case)
        if not capture_ids:
            raise UsageError(f"case {case!r}: give at least one capture or WARC")
        add_references(self.store, case, capture_ids)
        set_background(self.store, capture_ids, False)
        refs = [load_fingerprint(self.store, i) for i in reference_ids(self.store, case)]
        built = build_case_fingerprint(record, refs)
        save_case_features(self.store, case, built.features)
        return self.case_fingerprint(case)

    def case_fingerprint(self, case: str) -> CaseFingerprint:
        """The case fingerprint as stored, with the analyst's pins and exclusions."""
        record = get_case(self.store, case)
        refs = tuple(load_fingerprint(self.store, i) for i in reference_ids(self.store, case))
        if not refs:
            raise UsageError(
                f"case {case!r} has no fingerprint yet: run `revenant fingerprint {case} "
                "--capture ID` or `--warc FILE` first"
            )
        features: tuple[CaseFeature, ...] = tuple(case_features(self.store, case))
        return CaseFingerprint(
            case=record.name,
            features=features,
            references=refs,
            domains=record.domains,
            brands=record.brands,
        )

    def background(self, case_fp: CaseFingerprint, *, exclude_host: str = "") -> Background:
        """How common the case's features are among everything else Revenant has seen
        (the target itself left out)."""
        related = self.related_hosts(case_fp) - {exclude_host}
        counts = feature_counts(
            self.store,
            (cf.feature for cf in case_fp.features),
            exclude_hosts=related | {exclude_host},
        )
        size = max(0, background_size(self.store) - len(related))
        return Background(counts, size, calibration=self.calibration())

    def related_hosts(self, case_fp: CaseFingerprint) -> set[str]:
        """Stored hosts that share two or more independent operator identifiers with the
        case (its favicon and its Telegram handle, say). Whatever their score, they are
        not unrelated sites, so they never count in the case's background. A template or
        chat software shared with decoys is one kind of evidence, never two identifiers,
        so decoys stay in the background: no cascade."""
        operator = [
            cf.feature
            for cf in case_fp.features
            if not cf.excluded and _operator_kind(cf.feature.kind) is not None
        ]
        if not operator:
            return set()
        # favicon_mmh3 and favicon_sha256 are one favicon: kinds count by operator group.
        return hosts_sharing(
            self.store, operator, min_kinds=2, group=lambda kind: _operator_kind(kind) or kind
        )

    def calibration(self) -> Calibration:
        """How similar unrelated pages happen to be, measured on stored background
        captures; rebuilt when the background has doubled since."""
        size = background_size(self.store)
        if self._calibration is None or size >= 2 * self._calibrated_on + 50:
            sample = list(iter_fingerprints(self.store, background_only=True, limit=_CALIBRATE_ON))
            self._calibration = Background.from_fingerprints(
                sample, with_seed=False, rng=random.Random(0)
            ).calibration
            self._calibrated_on = size
        return self._calibration

    # -------------------------------------------------------------------- score

    def score(self, case: str, fingerprint: Fingerprint) -> Score:
        """Score a fingerprint against a case, in bits, with reasons."""
        case_fp = self.case_fingerprint(case)
        return score(case_fp, fingerprint, self.background(case_fp, exclude_host=fingerprint.host))

    def score_all(self, fingerprint: Fingerprint) -> list[Score]:
        """Score one fingerprint against every case that has a fingerprint."""
        scores = []
        for case in list_cases(self.store):
            if reference_ids(self.store, case.name):
                scores.append(self.score(case.name, fingerprint))
        return scores

    def similar(self, capture_id: int, *, limit: int = 50) -> list[Similar]:
        """Which stored captures look like this one: near-duplicate text or DOM sketches
        (SimHash index rebuilt from the store) and exact shared identifying features."""
        target = load_fingerprint(self.store, capture_id)
        index = NearDuplicateIndex()
        index.rebuild((fp.capture_id, fp) for fp in iter_fingerprints(self.store))
        found: dict[int, Similar] = {}
        for match in index.query(target):
            if isinstance(match.key, int) and match.key != capture_id:
                row = capture_row(self.store, match.key)
                found.setdefault(
                    match.key,
                    Similar(
                        match.key, row.host, f"{match.sketch} sketch {match.distance} bits apart"
                    ),
                )
        for feature in sorted(target.features):
            if feature.kind not in _IDENTIFYING:
                continue
            for other, host in captures_with(self.store, feature, limit=limit):
                if other != capture_id and other not in found:
                    found[other] = Similar(other, host, f"shares {feature}")
        return sorted(found.values(), key=lambda s: s.capture_id)[:limit]

    def alert(self, case: Case, result: Score, *, capture_id: int | None) -> tuple[int, bool]:
        """Record a score that is not "unrelated" as an alert; (alert id, is new)."""
        assert case.id is not None
        with self.store.session() as session:
            return raise_alert(session, case.id, result, capture_id=capture_id, now=self.clock())


def default_probe_config(
    *,
    allow: Sequence[str] = (),
    resolver: str | None = None,
    ca_file: str | None = None,
    http_port: int = 80,
    https_port: int = 443,
    proxy: str | None = None,
    user_agent: str | None = None,
    inflight: int | None = None,
) -> ProbeConfig:
    """A probe configuration from CLI-style options."""
    from revenant.probe import parse_allow
    from revenant.probe.config import Concurrency

    for port in (http_port, https_port):
        if not 0 < port < 65536:
            raise UsageError(f"port {port}: must be 1 to 65535")
    if ca_file is not None and not Path(ca_file).is_file():
        raise UsageError(f"--ca-file {ca_file}: no such file")
    if proxy is not None:
        _check_proxy(proxy)
    if user_agent is not None and (not user_agent.strip() or not user_agent.isprintable()):
        raise UsageError(f"--user-agent {user_agent!r}: must be printable and not empty")
    if inflight is not None and not 1 <= inflight <= 10000:
        raise UsageError(f"--inflight {inflight}: must be 1 to 10000")
    config = ProbeConfig(
        allow=parse_allow(list(allow)),
        resolver=resolver,
        ca_file=ca_file,
        http_port=http_port,
        https_port=https_port,
        proxy=proxy,
    )
    if user_agent is not None:
        config = replace(config, user_agent=user_agent)
    if inflight is not None:
        config = replace(config, concurrency=Concurrency(targets=inflight))
    return config


def _check_proxy(proxy: str) -> None:
    from yarl import URL

    try:
        url = URL(proxy)
        port = url.port
    except (ValueError, TypeError):
        url, port = None, None
    if url is None or url.scheme not in ("socks5", "socks4", "http") or not url.host or not port:
        raise UsageError(
            f"--proxy {proxy}: expected socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050), "
            "socks4://HOST:PORT or http://HOST:PORT"
        )
