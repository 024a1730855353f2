"""Captures and their fingerprints: save, load, and feature counts for the background.

The evidence itself lives in WARC files; a capture row points at its file and keeps
what the matcher and the dashboard need to query (features, sketches, outcome).

The background is every successful capture flagged `background` (the pipeline sets the
flag from `match.policy.in_background`) whose host no analyst confirmed as a case's:
a confirmation counts at once, before anything is scored again. Counts are of distinct
sites (registrable domains: x.fr and www.x.fr are one), and so is the number of sites
they are counted among.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import NamedTuple

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.orm import Session

from revenant.errors import UsageError
from revenant.fingerprint.text import MINHASH_SCHEME
from revenant.model import Capture, Feature, Fingerprint
from revenant.store.db import Store
from revenant.store.schema import AlertRow, CaptureRow, FeatureRow

log = logging.getLogger("revenant.store")
_stale_schemes: set[str] = set()  # each reported once per process

_U64 = 1 << 64
_I64 = 1 << 63


def to_signed(value: int | None) -> int | None:
    """A 64-bit unsigned sketch as a signed BIGINT."""
    if value is None:
        return None
    return value - _U64 if value >= _I64 else value


def to_unsigned(value: int | None) -> int | None:
    if value is None:
        return None
    return value + _U64 if value < 0 else value


def _pack_minhash(values: Sequence[int]) -> bytes | None:
    if not values:
        return None
    return b"".join(int(v).to_bytes(8, "big", signed=False) for v in values)


def _unpack_minhash(blob: bytes | None) -> tuple[int, ...]:
    if not blob:
        return ()
    return tuple(int.from_bytes(blob[i : i + 8], "big") for i in range(0, len(blob), 8))


def save_capture(
    store: Store,
    capture: Capture,
    fingerprint: Fingerprint | None = None,
    *,
    case_id: int | None = None,
    background: bool = True,
) -> int:
    """Store a capture (and its fingerprint) in its own transaction; returns its id."""
    with store.session() as session:
        return add_capture(session, capture, fingerprint, case_id=case_id, background=background)


def add_capture(
    session: Session,
    capture: Capture,
    fingerprint: Fingerprint | None = None,
    *,
    case_id: int | None = None,
    background: bool = True,
) -> int:
    """Store a capture inside the caller's transaction (the watch finishes its queue
    entry and raises its alerts in the same one)."""
    page = capture.page
    row = CaptureRow(
        case_id=case_id,
        target=capture.target,
        host=capture.host,
        final_url=capture.final_url,
        started_at=capture.started,
        finished_at=capture.finished,
        outcome=str(capture.outcome),
        reason=capture.reason,
        peer=capture.peer,
        status=page.status if page else None,
        warc_file=capture.warc_file,
        background=background,
        text_words=0,
    )
    session.add(row)
    session.flush()
    if fingerprint is not None:
        _write_fingerprint(session, row, fingerprint)
    return row.id


def _write_fingerprint(session: Session, row: CaptureRow, fp: Fingerprint) -> None:
    row.title = fp.title
    row.registrable = fp.registrable
    row.text_simhash = to_signed(fp.text_simhash)
    row.dom_simhash = to_signed(fp.dom_simhash)
    row.text_minhash = _pack_minhash(fp.text_minhash)
    row.text_minhash_scheme = MINHASH_SCHEME if fp.text_minhash else None
    row.text_words = fp.text_words
    row.shot_phash = to_signed(fp.shot_phash)
    row.brand_tokens = json.dumps(list(fp.brand_tokens))
    for feature in sorted(set(fp.features)):
        session.add(FeatureRow(capture_id=row.id, kind=feature.kind, value=feature.value))


def load_fingerprint(store: Store, capture_id: int) -> Fingerprint:
    with store.session() as session:
        row = session.get(CaptureRow, capture_id)
        if row is None:
            raise UsageError(f"no capture with id {capture_id}")
        return _to_fingerprint(session, row)


def _to_fingerprint(session: Session, row: CaptureRow) -> Fingerprint:
    features = frozenset(
        Feature(kind, value)
        for kind, value in session.execute(
            select(FeatureRow.kind, FeatureRow.value).where(FeatureRow.capture_id == row.id)
        )
    )
    return Fingerprint(
        target=row.final_url or row.target,
        features=features,
        title=row.title,
        text_simhash=to_unsigned(row.text_simhash),
        dom_simhash=to_unsigned(row.dom_simhash),
        text_minhash=_comparable_minhash(row),
        text_words=row.text_words,
        shot_phash=to_unsigned(row.shot_phash),
        host=row.host,
        registrable=row.registrable,
        brand_tokens=tuple(json.loads(row.brand_tokens or "[]")),
        capture_id=row.id,
    )


def _comparable_minhash(row: CaptureRow) -> tuple[int, ...]:
    """The stored MinHash if this code makes sketches the same way, else none: a sketch
    of another scheme compared with ours would give a meaningless similarity. The
    capture's other features and its WARC are untouched; re-fingerprint it from its
    WARC to sketch it again."""
    if not row.text_minhash:
        return ()
    if row.text_minhash_scheme != MINHASH_SCHEME:
        scheme = row.text_minhash_scheme or "unknown"
        if scheme not in _stale_schemes:
            _stale_schemes.add(scheme)
            log.warning(
                "stored text MinHash of another scheme left out of comparisons",
                extra={"capture": row.id, "stored": scheme, "current": MINHASH_SCHEME},
            )
        return ()
    return _unpack_minhash(row.text_minhash)


def unrelated() -> ColumnElement[bool]:
    """The condition for a capture to count among unrelated sites: flagged background and
    its host not confirmed by an analyst as any case's (store/alerts.py states)."""
    confirmed = select(AlertRow.host).where(AlertRow.state == "confirmed")
    return CaptureRow.background.is_(True) & CaptureRow.host.not_in(confirmed)


def iter_fingerprints(
    store: Store, *, background_only: bool = False, limit: int | None = None
) -> Iterator[Fingerprint]:
    """Stored fingerprints of successful captures, newest first (the near-duplicate index
    is rebuilt from these at start; the similarity calibration samples them)."""
    with store.session() as session:
        query = select(CaptureRow).where(CaptureRow.outcome == "ok").order_by(CaptureRow.id.desc())
        if background_only:
            query = query.where(unrelated())
        if limit is not None:
            query = query.limit(limit)
        for row in session.scalars(query):
            yield _to_fingerprint(session, row)


class Scorable(NamedTuple):
    """A stored capture as scoring it again needs it: its id, its host, whether it gave
    a page at all, and its fingerprint."""

    capture_id: int
    host: str
    responded: bool
    fingerprint: Fingerprint


def scorable(store: Store, capture_id: int) -> Scorable:
    """A stored capture for scoring again. The fingerprint's target is the URL asked for,
    as when it was first scored, so a score of it updates the alert of the same host."""
    with store.session() as session:
        row = session.get(CaptureRow, capture_id)
        if row is None:
            raise UsageError(f"no capture with id {capture_id}")
        fp = replace(_to_fingerprint(session, row), target=row.target)
        return Scorable(row.id, row.host, row.status is not None, fp)


def capture_row(store: Store, capture_id: int) -> CaptureRow:
    with store.session() as session:
        row = session.get(CaptureRow, capture_id)
        if row is None:
            raise UsageError(f"no capture with id {capture_id}")
        return row


def set_background(store: Store, capture_ids: Iterable[int], background: bool) -> None:
    """Flag captures in or out of the background (the policy's decision; references are
    always out, and a confirmed host's captures never count whatever their flag)."""
    ids = list(capture_ids)
    if not ids:
        return
    with store.session() as session:
        session.execute(
            update(CaptureRow).where(CaptureRow.id.in_(ids)).values(background=background)
        )


def background_size(
    store: Store, *, exclude_hosts: Iterable[str] = (), exclude_site: str = ""
) -> int:
    """How many unrelated sites the background counts hold: distinct sites (`_site`) of
    successful background captures, as the counts are (a site probed again every week
    is one site, not one more each week), leaving out `exclude_hosts` and the
    registrable domain `exclude_site`, as `feature_counts` does."""
    with store.session() as session:
        return int(
            session.scalar(
                select(func.count(func.distinct(_site()))).where(
                    unrelated(),
                    CaptureRow.outcome == "ok",
                    *_leaving_out(exclude_hosts, exclude_site),
                )
            )
            or 0
        )


def _site() -> ColumnElement[str]:
    """What the background counts as one site: a capture's registrable domain (x.fr and
    www.x.fr are one site; a hosting platform's customers, x.blogspot.com, are each
    their own), or its host when it has none (an address)."""
    return case((CaptureRow.registrable != "", CaptureRow.registrable), else_=CaptureRow.host)


def _leaving_out(hosts: Iterable[str], site: str) -> list[ColumnElement[bool]]:
    """Conditions leaving out some hosts, and the hosts of one registrable domain."""
    out: list[ColumnElement[bool]] = [CaptureRow.host.not_in(sorted(set(hosts)))]
    if site:
        out.append(CaptureRow.registrable != site)
    return out


def hosts_sharing(
    store: Store,
    features: Iterable[Feature],
    *,
    min_kinds: int = 2,
    group: Callable[[str], str] = str,
) -> set[str]:
    """Background hosts whose captures show features of at least `min_kinds` different
    kinds (as `group` maps kinds) among `features`, e.g. a case's favicon and its
    Telegram handle."""
    wanted = sorted(set(features))
    kinds: dict[str, set[str]] = {}
    with store.session() as session:
        for start in range(0, len(wanted), 200):
            chunk = wanted[start : start + 200]
            clauses = [(FeatureRow.kind == f.kind) & (FeatureRow.value == f.value) for f in chunk]
            rows = session.execute(
                select(CaptureRow.host, FeatureRow.kind)
                .join(FeatureRow, CaptureRow.id == FeatureRow.capture_id)
                .where(unrelated(), or_(*clauses))
                .distinct()
            )
            for host, kind in rows:
                kinds.setdefault(str(host), set()).add(group(str(kind)))
    return {host for host, seen in kinds.items() if len(seen) >= min_kinds}


def feature_counts(
    store: Store,
    features: Iterable[Feature],
    *,
    exclude_hosts: Iterable[str] = (),
    exclude_site: str = "",
) -> dict[Feature, int]:
    """Document frequency of each feature among background captures (distinct sites:
    `_site`), leaving out `exclude_hosts` and the hosts of the registrable domain `exclude_site`
    (a target never counts in its own background, nor do its www. and other names)."""
    left_out = _leaving_out(exclude_hosts, exclude_site)
    wanted = sorted(set(features))
    counts: dict[Feature, int] = dict.fromkeys(wanted, 0)
    by_kind: dict[str, list[str]] = {}
    for feature in wanted:
        by_kind.setdefault(feature.kind, []).append(feature.value)
    with store.session() as session:
        for kind, values in by_kind.items():
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                rows = session.execute(
                    select(FeatureRow.value, func.count(func.distinct(_site())))
                    .join(CaptureRow, CaptureRow.id == FeatureRow.capture_id)
                    .where(
                        FeatureRow.kind == kind,
                        FeatureRow.value.in_(chunk),
                        unrelated(),
                        *left_out,
                    )
                    .group_by(FeatureRow.value)
                )
                for value, count in rows:
                    counts[Feature(kind, value)] = int(count)
    return counts


def captures_with(store: Store, feature: Feature, *, limit: int = 100) -> list[tuple[int, str]]:
    """Exact-feature lookup: (capture id, host) of stored captures showing the feature."""
    with store.session() as session:
        rows = session.execute(
            select(CaptureRow.id, CaptureRow.host)
            .join(FeatureRow, CaptureRow.id == FeatureRow.capture_id)
            .where(FeatureRow.kind == feature.kind, FeatureRow.value == feature.value)
            .order_by(CaptureRow.id)
            .limit(limit)
        )
        return [(int(i), str(h)) for i, h in rows]
