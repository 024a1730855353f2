"""One target through the whole flow: probe -> evidence -> fingerprint -> match -> store.

`Pipeline.process` is the one path from a capture to its alerts: the watch, the CLI,
the demo (and later a worker, the sweep, the dashboard) call it, so a capture taken by
hand and one taken by the watch are recorded, fingerprinted, scored, alerted and kept
in or out of the background the same way. `Pipeline.rescore` re-scores stored captures
under the same policy (match/policy.py). This module wires stages together; it holds
no stage's logic itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.orm import Session

from revenant.errors import UsageError
from revenant.evidence import EvidenceLog, read_captures
from revenant.fingerprint import extract
from revenant.match import (
    Background,
    Calibration,
    build_case_fingerprint,
    score,
)
from revenant.match.policy import (
    RELATED_MIN_KINDS,
    RESCORE_ROUNDS,
    Calibrator,
    group_of,
    in_background,
    operator_features,
)
from revenant.model import (
    Capture,
    Case,
    CaseFeature,
    CaseFingerprint,
    Clock,
    Fingerprint,
    Score,
    Verdict,
    utcnow,
)
from revenant.probe import ProbeConfig, Prober
from revenant.probe.options import default_probe_config
from revenant.settings import Settings
from revenant.store import Store
from revenant.store.alerts import (
    decisions_on,
    raise_alert,
    undecided_alert_captures,
    update_alert,
)
from revenant.store.captures import (
    Scorable,
    add_capture,
    background_size,
    capture_row,
    feature_counts,
    hosts_sharing,
    iter_fingerprints,
    load_fingerprint,
    save_capture,
    scorable,
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
from revenant.store.ledger import StoreMirror

__all__ = ["Pipeline", "Processed", "Stored", "default_probe_config"]  # the last: moved

UNASSIGNED = "_unassigned"
"""Evidence directory for captures taken for no particular case (the watch, ad-hoc)."""


@dataclass(frozen=True)
class Stored:
    """A capture as recorded: its store id, the capture and its fingerprint."""

    capture_id: int
    capture: Capture
    fingerprint: Fingerprint

    def scorable(self) -> Scorable:
        """What scoring it again needs."""
        c = self.capture
        return Scorable(self.capture_id, c.host, c.responded, self.fingerprint)


class CaseModel(NamedTuple):
    """A case and its fingerprint, as scoring needs them."""

    case: Case
    fingerprint: CaseFingerprint


@dataclass(frozen=True)
class RaisedAlert:
    """An alert raised or updated by a score (`new`: it did not exist before)."""

    case: str
    alert_id: int
    new: bool
    score: Score


@dataclass(frozen=True)
class Processed(Stored):
    """A capture after the one path: stored, scored against its cases, alerted, and in
    or out of the background."""

    scores: tuple[Score, ...] = ()
    alerts: tuple[RaisedAlert, ...] = ()
    background: bool = True

    @property
    def alerted(self) -> bool:
        return bool(self.alerts)


OnCommit = Callable[[Session, Processed], None]
"""Work done in the transaction that stores a processed capture (the watch finishes its
queue entry there), so a kill can never leave one without the other."""


@dataclass
class Pipeline:
    """The wired stages for one data dir and database."""

    settings: Settings
    store: Store
    probe_config: ProbeConfig
    clock: Clock = utcnow
    _logs: dict[str, EvidenceLog] = field(default_factory=dict)
    _calibrator: Calibrator = field(default_factory=Calibrator)

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
                mirror=StoreMirror(self.store, name),
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

    # ---------------------------------------------------------------- one path

    def process(
        self,
        capture: Capture,
        *,
        case: str | None = None,
        cases: Sequence[CaseModel] | None = None,
        preserve: bool = True,
        on_commit: OnCommit | None = None,
    ) -> Processed:
        """The one path from a capture to its alerts: preserve it as evidence (filed
        under `case`), fingerprint it, score it against `case` (default: every case with
        a fingerprint; `cases` when the caller holds them already), then store capture,
        features, alerts and `on_commit`'s work in one transaction, the capture in or
        out of the background as `match.policy.in_background` decides from its scores and
        the analysts' decisions on its host.

        `preserve=False` is for captures read from a WARC file, which already is their
        evidence."""
        if preserve:
            capture, fingerprint = self.preserve(capture, case=case)
        else:
            fingerprint = extract(capture)
        models = list(cases) if cases is not None else self.case_models(case)
        results = self._scores(models, capture.responded, fingerprint)
        scores = list(zip((m.case for m in models), results, strict=False))
        member = in_background(results, decisions_on(self.store, capture.host))
        case_id = get_case(self.store, case).id if case else None
        now = self.clock()
        with self.store.session() as session:
            capture_id = add_capture(
                session, capture, fingerprint, case_id=case_id, background=member
            )
            alerts = []
            for record, result in scores:
                if result.verdict is Verdict.UNRELATED:
                    continue
                assert record.id is not None
                alert_id, new = raise_alert(
                    session, record.id, result, capture_id=capture_id, now=now
                )
                alerts.append(RaisedAlert(record.name, alert_id, new, result))
            done = Processed(
                capture_id,
                capture,
                replace(fingerprint, capture_id=capture_id),
                scores=results,
                alerts=tuple(alerts),
                background=member,
            )
            if on_commit is not None:
                on_commit(session, done)
        return done

    async def probe(self, prober: Prober, target: str, *, case: str | None = None) -> Processed:
        """Probe one target and take what came back through the one path."""
        return self.process(await prober.capture(target), case=case)

    def rescore(
        self, stored: Sequence[Stored], *, case: str | None = None
    ) -> dict[int, tuple[Score, ...]]:
        """Score stored captures again (against `case`, default every case with a
        fingerprint) under the one background policy, and update their alerts.

        Each capture that leaves or joins the background changes the others'
        backgrounds, so scoring repeats until no membership changes (at most
        `RESCORE_ROUNDS`). A case's own reference captures never rejoin; analysts'
        decisions on a host stand over its scores. An alert whose capture now scores
        "unrelated" is updated to say so, never left stale."""
        return self._rescore([s.scorable() for s in stored], case)

    def rescore_undecided(self) -> dict[int, tuple[Score, ...]]:
        """`rescore` the captures of every alert no analyst has decided yet (open or
        needs-more), against the background as it now stands: an alert raised while the
        store was near-empty is not left saying more than the evidence now does."""
        ids = undecided_alert_captures(self.store)
        return self._rescore([scorable(self.store, i) for i in ids], None)

    def _rescore(
        self, stored: Sequence[Scorable], case: str | None
    ) -> dict[int, tuple[Score, ...]]:
        models = self.case_models(case)
        references = {i for m in models for i in reference_ids(self.store, m.case.name)}
        member = {s.capture_id: _in_background(self.store, s.capture_id) for s in stored}
        decided = {s.capture_id: decisions_on(self.store, s.host) for s in stored}
        results: dict[int, tuple[Score, ...]] = {}
        for _ in range(RESCORE_ROUNDS):
            results = {
                s.capture_id: self._scores(models, s.responded, s.fingerprint) for s in stored
            }
            now_member = {
                i: i not in references and in_background(r, decided[i]) for i, r in results.items()
            }
            joined = [i for i, m in now_member.items() if m and not member[i]]
            left = [i for i, m in now_member.items() if not m and member[i]]
            if not joined and not left:
                break
            set_background(self.store, joined, True)
            set_background(self.store, left, False)
            member = now_member
        now = self.clock()
        with self.store.session() as session:
            for s in stored:
                for m, result in zip(models, results[s.capture_id], strict=False):
                    assert m.case.id is not None
                    if result.verdict is not Verdict.UNRELATED:
                        raise_alert(session, m.case.id, result, capture_id=s.capture_id, now=now)
                    else:
                        update_alert(session, m.case.id, result, capture_id=s.capture_id, now=now)
        return results

    def _scores(
        self, models: Sequence[CaseModel], responded: bool, fp: Fingerprint
    ) -> tuple[Score, ...]:
        """The capture's score against each case (none when it gave no page)."""
        if not responded:
            return ()
        return tuple(
            score(m.fingerprint, fp, self.background(m.fingerprint, target=fp)) for m in models
        )

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

    def case_models(self, case: str | None = None) -> list[CaseModel]:
        """`case` (or every case) with its fingerprint; a case without one is left out,
        since there is nothing to score against yet."""
        records = [get_case(self.store, case)] if case else list_cases(self.store)
        return [
            CaseModel(record, self.case_fingerprint(record.name))
            for record in records
            if reference_ids(self.store, record.name)
        ]

    def background(
        self, case_fp: CaseFingerprint, *, target: Fingerprint | None = None
    ) -> Background:
        """How common the case's features are among everything else Revenant has seen:
        the case's related hosts left out, and the target's own site (its host and every
        other name of its registrable domain: www.x is no unrelated site to x)."""
        host, site = (target.host, target.registrable) if target is not None else ("", "")
        hosts = self.related_hosts(case_fp) | {host}
        wanted = (cf.feature for cf in case_fp.features)
        counts = feature_counts(self.store, wanted, exclude_hosts=hosts, exclude_site=site)
        size = background_size(self.store, exclude_hosts=hosts, exclude_site=site)
        return Background(counts, size, calibration=self.calibration())

    def related_hosts(self, case_fp: CaseFingerprint) -> set[str]:
        """Stored hosts that share two or more independent operator identifiers with the
        case (its favicon and its Telegram handle, say). Whatever their score, they are
        not unrelated sites, so they never count in the case's background. A template or
        chat software shared with decoys is one kind of evidence, never two identifiers,
        so decoys stay in the background: no cascade."""
        operator = operator_features(case_fp)
        if not operator:
            return set()
        return hosts_sharing(self.store, operator, min_kinds=RELATED_MIN_KINDS, group=group_of)

    def calibration(self) -> Calibration:
        """How similar unrelated pages happen to be, measured on stored background
        captures (`match.policy.Calibrator` decides when to measure again)."""
        return self._calibrator.current(
            background_size(self.store),
            lambda n: list(iter_fingerprints(self.store, background_only=True, limit=n)),
        )

    # -------------------------------------------------------------------- score

    def score(self, case: str, fingerprint: Fingerprint) -> Score:
        """Score a fingerprint against a case, in bits, with reasons."""
        case_fp = self.case_fingerprint(case)
        return score(case_fp, fingerprint, self.background(case_fp, target=fingerprint))

    def alert(self, case: Case, result: Score, *, capture_id: int | None) -> tuple[int, bool]:
        """Record a score that is not "unrelated" as an alert; (alert id, is new)."""
        assert case.id is not None
        with self.store.session() as session:
            return raise_alert(session, case.id, result, capture_id=capture_id, now=self.clock())


def _in_background(store: Store, capture_id: int) -> bool:
    return bool(capture_row(store, capture_id).background)
