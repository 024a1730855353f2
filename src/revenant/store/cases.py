"""Cases: create, read, list, and the case fingerprint's stored features."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revenant.errors import CaseExists, UnknownCase, UsageError
from revenant.hostnames import MAX_LABEL, why_invalid
from revenant.model import Case, CaseFeature, Clock, Feature, Tlp, utcnow
from revenant.store.db import Store
from revenant.store.schema import CaseFeatureRow, CaseReferenceRow, CaseRow, CaseTermRow

_CASE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")


def case_row(session: Session, name: str) -> CaseRow:
    """A case's row by name; UnknownCase if there is none."""
    row = session.scalar(select(CaseRow).where(CaseRow.name == name))
    if row is None:
        raise UnknownCase(f"no case named {name!r} (see `revenant case list`)")
    return row


def _to_case(session: Session, row: CaseRow) -> Case:
    terms = session.scalars(
        select(CaseTermRow).where(CaseTermRow.case_id == row.id).order_by(CaseTermRow.id)
    ).all()
    return Case(
        name=row.name,
        domains=tuple(t.value for t in terms if t.kind == "domain"),
        brands=tuple(t.value for t in terms if t.kind == "brand"),
        created=row.created_at,
        id=row.id,
        tlp=Tlp(row.tlp),
    )


def create_case(
    store: Store,
    name: str,
    domains: Sequence[str],
    brands: Sequence[str] = (),
    *,
    clock: Clock = utcnow,
) -> Case:
    """Create a case; domains are normalised to lower-case IDNA A-labels' Unicode form."""
    name = name.strip()
    if not _CASE_NAME.match(name):
        # Case names become evidence directory names: keep them file-safe everywhere.
        raise UsageError(
            f"case name {name!r}: 1 to 100 letters, digits, '.', '_' or '-', "
            "not starting with '.' or '-'"
        )
    if not domains:
        raise UsageError(f"case {name!r}: give at least one --domain")
    clean_domains = [normalise_domain(d) for d in domains]
    try:
        with store.session() as session:
            row = CaseRow(name=name, created_at=clock())
            session.add(row)
            session.flush()
            _add_terms(session, row.id, clean_domains, brands)
            session.flush()
            return _to_case(session, row)
    except IntegrityError as exc:
        raise CaseExists(f"case {name!r} already exists") from exc


def normalise_domain(domain: str) -> str:
    """A known domain, lower-case, without a trailing dot. Refuses what the permutations
    and the watch cannot use: a scheme, port, path or wildcard, an underscore, a label
    over 63 characters, a name without a suffix or that is not valid IDNA."""
    value = domain.strip().lower().removesuffix(".")

    def bad(why: str) -> UsageError:
        return UsageError(f"domain {domain!r} is not a hostname: {why}")

    if "://" in value:
        raise bad("give the name alone, without a scheme (e.g. coco.gg)")
    for mark, what in (("/", "a path"), ("?", "a query"), ("#", "a fragment"), (":", "a port")):
        if mark in value:
            raise bad(f"it has {what}; give the name alone (e.g. coco.gg)")
    if "*" in value:
        raise bad("wildcards are not names; give each known name")
    if "_" in value:
        raise bad("underscores are not allowed in hostnames")
    if any(c.isspace() for c in value) or not value:
        raise bad("it is empty or has spaces")
    labels = value.split(".")
    if len(labels) < 2 or not all(labels):
        raise bad("it needs a name and a suffix, with no empty label (e.g. coco.gg)")
    longest = max(labels, key=len)
    if len(longest) > MAX_LABEL:
        raise bad(f"label {longest[:20]!r}... has {len(longest)} characters (max {MAX_LABEL})")
    why = why_invalid(value)
    if why is not None:
        raise bad(why)
    return value


def get_case(store: Store, name: str) -> Case:
    with store.session() as session:
        return _to_case(session, case_row(session, name))


def list_cases(store: Store) -> list[Case]:
    with store.session() as session:
        rows = session.scalars(select(CaseRow).order_by(CaseRow.name)).all()
        return [_to_case(session, row) for row in rows]


def add_references(store: Store, name: str, capture_ids: Iterable[int]) -> None:
    """Mark captures as references of the case (captures of the seized site)."""
    with store.session() as session:
        case = case_row(session, name)
        known = set(
            session.scalars(
                select(CaseReferenceRow.capture_id).where(CaseReferenceRow.case_id == case.id)
            )
        )
        for capture_id in capture_ids:
            if capture_id not in known:
                session.add(CaseReferenceRow(case_id=case.id, capture_id=capture_id))
                known.add(capture_id)


def reference_ids(store: Store, name: str) -> list[int]:
    with store.session() as session:
        case = case_row(session, name)
        return list(
            session.scalars(
                select(CaseReferenceRow.capture_id)
                .where(CaseReferenceRow.case_id == case.id)
                .order_by(CaseReferenceRow.capture_id)
            )
        )


def save_case_features(store: Store, name: str, features: Iterable[CaseFeature]) -> None:
    """Replace the case fingerprint's features, keeping the analyst's pins, exclusions and
    TLP levels."""
    with store.session() as session:
        case = case_row(session, name)
        edits = {
            (r.kind, r.value): (r.pinned, r.excluded)
            for r in session.scalars(
                select(CaseFeatureRow).where(CaseFeatureRow.case_id == case.id)
            )
            if r.pinned or r.excluded
        }
        levels = {
            (r.kind, r.value): r.tlp
            for r in session.scalars(
                select(CaseFeatureRow).where(CaseFeatureRow.case_id == case.id)
            )
        }
        session.execute(delete(CaseFeatureRow).where(CaseFeatureRow.case_id == case.id))
        seen: set[tuple[str, str]] = set()
        for cf in features:
            key = (cf.feature.kind, cf.feature.value)
            if key in seen:
                continue
            seen.add(key)
            pinned, excluded = edits.pop(key, (cf.pinned, cf.excluded))
            session.add(
                CaseFeatureRow(
                    case_id=case.id,
                    kind=key[0],
                    value=key[1],
                    stability=cf.stability,
                    pinned=pinned,
                    excluded=excluded,
                    tlp=levels.get(key, str(cf.tlp)),
                )
            )
        for (kind, value), (pinned, excluded) in edits.items():
            # An edited feature no longer observed is kept: the analyst's word stands.
            session.add(
                CaseFeatureRow(
                    case_id=case.id,
                    kind=kind,
                    value=value,
                    stability=0.0,
                    pinned=pinned,
                    excluded=excluded,
                    tlp=levels.get((kind, value), str(Tlp.AMBER)),
                )
            )


def case_features(store: Store, name: str) -> list[CaseFeature]:
    with store.session() as session:
        case = case_row(session, name)
        rows = session.scalars(
            select(CaseFeatureRow)
            .where(CaseFeatureRow.case_id == case.id)
            .order_by(CaseFeatureRow.kind, CaseFeatureRow.value)
        ).all()
        return [
            CaseFeature(
                feature=Feature(r.kind, r.value),
                stability=r.stability,
                pinned=r.pinned,
                excluded=r.excluded,
                tlp=Tlp(r.tlp),
            )
            for r in rows
        ]


def edit_case_feature(
    store: Store, name: str, feature: Feature, *, pinned: bool | None, excluded: bool | None
) -> CaseFeature:
    """Pin or exclude one feature of the case fingerprint; UsageError if it has none such."""
    with store.session() as session:
        case = case_row(session, name)
        row = session.scalar(
            select(CaseFeatureRow).where(
                CaseFeatureRow.case_id == case.id,
                CaseFeatureRow.kind == feature.kind,
                CaseFeatureRow.value == feature.value,
            )
        )
        if row is None:
            raise UsageError(
                f"case {name!r} has no feature {feature} (see `revenant case show {name}`)"
            )
        if pinned is not None:
            row.pinned = pinned
        if excluded is not None:
            row.excluded = excluded
        session.flush()
        return CaseFeature(feature, row.stability, row.pinned, row.excluded, Tlp(row.tlp))


def set_case_tlp(store: Store, name: str, level: Tlp) -> Case:
    """Set a case's Traffic Light Protocol level (what partner exports may carry)."""
    with store.session() as session:
        row = case_row(session, name)
        row.tlp = str(level)
        session.flush()
        return _to_case(session, row)


def set_feature_tlp(store: Store, name: str, feature: Feature, level: Tlp) -> CaseFeature:
    """Set the TLP level of one feature of the case fingerprint; it must exist."""
    with store.session() as session:
        case = case_row(session, name)
        row = session.scalar(
            select(CaseFeatureRow).where(
                CaseFeatureRow.case_id == case.id,
                CaseFeatureRow.kind == feature.kind,
                CaseFeatureRow.value == feature.value,
            )
        )
        if row is None:
            raise UsageError(f"case {name!r} has no feature {feature} (see `revenant case show`)")
        row.tlp = str(level)
        session.flush()
        return CaseFeature(feature, row.stability, row.pinned, row.excluded, Tlp(row.tlp))


def add_terms(
    store: Store, name: str, domains: Sequence[str] = (), brands: Sequence[str] = ()
) -> Case:
    """Add known domains and brand words to a case (ones it already has are kept once)."""
    clean_domains = [normalise_domain(d) for d in domains if d.strip()]
    with store.session() as session:
        case = case_row(session, name)
        known = {
            (t.kind, t.value)
            for t in session.scalars(select(CaseTermRow).where(CaseTermRow.case_id == case.id))
        }
        _add_terms(session, case.id, clean_domains, brands, known=known)
        session.flush()
        return _to_case(session, case)


def _add_terms(
    session: Session,
    case_id: int,
    domains: Sequence[str],
    brands: Sequence[str],
    *,
    known: Collection[tuple[str, str]] = (),
) -> None:
    """Known domains (already normalised) and brand words (lower-cased here, blanks
    dropped) of a case, each once, but those in `known`."""
    clean_brands = [b.strip().lower() for b in brands if b.strip()]
    for kind, values in (("domain", domains), ("brand", clean_brands)):
        for value in dict.fromkeys(values):
            if (kind, value) not in known:
                session.add(CaseTermRow(case_id=case_id, kind=kind, value=value))
