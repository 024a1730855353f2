"""The database schema, as SQLAlchemy 2 declarative tables.

Every change to these tables ships with an Alembic migration in `store/migrations/`;
the tests check that migrating up from an empty database gives exactly this schema.
Works on SQLite (default, WAL) and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone: stored as UTC, read back
    as aware UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Revenant stores aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Traffic Light Protocol 2.0 level (model.Tlp): what a partner export may carry.
    tlp: Mapped[str] = mapped_column(String(16), default="AMBER", server_default="AMBER")


class CaseTermRow(Base):
    """A known domain or brand word of a case."""

    __tablename__ = "case_terms"
    __table_args__ = (UniqueConstraint("case_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "domain" | "brand"
    value: Mapped[str] = mapped_column(String(253))


class CaptureRow(Base):
    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    target: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(253), index=True)
    final_url: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    peer: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    warc_file: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    registrable: Mapped[str] = mapped_column(String(253), default="")
    # 64-bit sketches stored signed so they fit BIGINT on every backend.
    text_simhash: Mapped[int | None] = mapped_column(BigInteger)
    dom_simhash: Mapped[int | None] = mapped_column(BigInteger)
    text_minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    # what made the MinHash (fingerprint.text.MINHASH_SCHEME): sketches of another
    # scheme are never compared with this code's
    text_minhash_scheme: Mapped[str | None] = mapped_column(String(200))
    text_words: Mapped[int] = mapped_column(Integer, default=0)
    shot_phash: Mapped[int | None] = mapped_column(BigInteger)  # rendered screenshot pHash
    brand_tokens: Mapped[str] = mapped_column(Text, default="")
    background: Mapped[bool] = mapped_column(Boolean, default=True)


class FeatureRow(Base):
    __tablename__ = "features"
    __table_args__ = (
        UniqueConstraint("capture_id", "kind", "value"),
        Index("ix_features_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capture_id: Mapped[int] = mapped_column(
        ForeignKey("captures.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)


class CaseReferenceRow(Base):
    """A capture of the seized site that the case fingerprint is built from."""

    __tablename__ = "case_references"
    __table_args__ = (UniqueConstraint("case_id", "capture_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"))


class CaseFeatureRow(Base):
    """A feature of a case fingerprint with its stability and the analyst's edits."""

    __tablename__ = "case_features"
    __table_args__ = (UniqueConstraint("case_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    stability: Mapped[float] = mapped_column(Float, default=1.0)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    tlp: Mapped[str] = mapped_column(String(16), default="AMBER", server_default="AMBER")


class CandidateRow(Base):
    """A name in the probe queue. The queue lives here so a killed worker loses nothing."""

    __tablename__ = "candidates"
    __table_args__ = (Index("ix_candidates_state_priority", "state", "priority"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    # queued -> leased -> done | failed; "unprobed" when capacity never reached it.
    state: Mapped[str] = mapped_column(String(16), default="queued")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_probe_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_capture_id: Mapped[int | None] = mapped_column(
        ForeignKey("captures.id", ondelete="SET NULL")
    )


class CandidateSourceRow(Base):
    """Every sighting of a candidate, with its provenance."""

    __tablename__ = "candidate_sources"
    __table_args__ = (UniqueConstraint("candidate_id", "source", "detail"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertRow(Base):
    """A capture that scored against a case. One alert per (case, host)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("case_id", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    host: Mapped[str] = mapped_column(String(253))
    target: Mapped[str] = mapped_column(Text)
    bits: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(32))
    explanation: Mapped[str] = mapped_column(Text)  # the Score as JSON
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|confirmed|dismissed


class LedgerRow(Base):
    """Database mirror of the evidence custody ledger (the JSON lines file is primary)."""

    __tablename__ = "ledger"
    __table_args__ = (UniqueConstraint("case_name", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_name: Mapped[str] = mapped_column(String(200), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    entry: Mapped[str] = mapped_column(Text)  # the entry exactly as chained, JSON
    entry_hash: Mapped[str] = mapped_column(String(128))
    # Why an entry was not mirrored when written (copied later from the file), or "".
    note: Mapped[str] = mapped_column(Text, default="", server_default="")


class StateRow(Base):
    """Small named state values: CT log positions, last run times."""

    __tablename__ = "state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UserRow(Base):
    """An account: the same identity as the CLI's `--actor` (users.md in docs/web.md)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | analyst | viewer | partner
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, PHC string
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # A partner's clearance: the highest TLP level it may see (ignored for other roles).
    tlp: Mapped[str] = mapped_column(String(16), default="GREEN")


class MembershipRow(Base):
    """A user's access to one case (admins need none)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebSessionRow(Base):
    """A dashboard login. Only the token's SHA-256 is stored: a stolen database holds
    no usable cookie."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    address: Mapped[str] = mapped_column(String(64), default="")


class AuditRow(Base):
    """Who did what, from where: logins, evidence views, downloads (decisions are in the
    custody ledger too)."""

    __tablename__ = "audit"
    __table_args__ = (
        Index("ix_audit_action_subject_time", "action", "subject", "time"),
        Index("ix_audit_address_time", "address", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300), default="")  # "alert:12", "case:coco"
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


Index("ix_alerts_state_bits", AlertRow.state, AlertRow.bits)
Index("ix_alerts_case_state_bits", AlertRow.case_id, AlertRow.state, AlertRow.bits)
Index("ix_alerts_bits", AlertRow.bits)


class DecisionRow(Base):
    """An analyst's decision (confirm, dismiss, needs-more, extend, lift, approve...), as
    written to the case's custody ledger: its document and the ledger entry that holds it."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(16))  # "alert" | "order"
    subject_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(253), default="")  # the domain concerned, if one
    actor: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    document: Mapped[str] = mapped_column(Text)  # path relative to the case evidence dir
    ledger_seq: Mapped[int] = mapped_column(Integer)
    ledger_hash: Mapped[str] = mapped_column(String(128))


class OrderRow(Base):
    """A court or administrative order blocking names of a case; one that covers mirrors
    can be extended to confirmed re-emergences."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    authority: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(Text)
    issued: Mapped[date] = mapped_column(Date)
    expires: Mapped[date | None] = mapped_column(Date)  # last day in force (UTC), inclusive
    covers_mirrors: Mapped[bool] = mapped_column(Boolean, default=False)
    policy: Mapped[str] = mapped_column(String(300))  # "nxdomain" | "cname:HOST"
    two_person: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lifted_by: Mapped[str] = mapped_column(String(200), default="")
    lift_reason: Mapped[str] = mapped_column(Text, default="")


class OrderNameRow(Base):
    """A name under an order: named by it, or added by an extension to a confirmed mirror
    (with its alert, its approval under the two-person rule, and when it entered the
    pushed zone)."""

    __tablename__ = "order_names"
    __table_args__ = (UniqueConstraint("order_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(253), index=True)
    origin: Mapped[str] = mapped_column(String(16))  # "order" | "extension"
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    added_by: Mapped[str] = mapped_column(String(200))
    decision_id: Mapped[int | None] = mapped_column(Integer)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_by: Mapped[str] = mapped_column(String(200), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    in_zone_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # first pushed


class RpzSerialRow(Base):
    """The serial of an exported zone and the digest of its records: the serial rises
    whenever the records change."""

    __tablename__ = "rpz_serials"

    zone: Mapped[str] = mapped_column(String(253), primary_key=True)
    serial: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RpzPushedRow(Base):
    """A blocked name the DNS primary acknowledged, per push target ("server:port/zone"),
    with the policy it was pushed with (its records: the name and `*.name`). What the
    next push diffs against."""

    __tablename__ = "rpz_pushed"
    __table_args__ = (UniqueConstraint("target", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(253))
    policy: Mapped[str] = mapped_column(String(300))
    pushed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RecheckRow(Base):
    """A re-probe of a confirmed name and the state it was found in (the capture is the
    evidence; the state is what it showed)."""

    __tablename__ = "rechecks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    bits: Mapped[float | None] = mapped_column(Float)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RdapLookupRow(Base):
    """An RDAP answer about a confirmed name (its registrar) or its address (the network
    holding it), kept with the case; the exchange itself is in the case's WARC evidence."""

    __tablename__ = "rdap_lookups"
    __table_args__ = (Index("ix_rdap_lookups_query", "kind", "query"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # "domain" | "ip"
    query: Mapped[str] = mapped_column(String(253))
    url: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(32))  # act.rdap.RdapOutcome
    reason: Mapped[str] = mapped_column(Text, default="")
    holder: Mapped[str] = mapped_column(Text, default="")
    abuse_email: Mapped[str] = mapped_column(String(254), default="")  # the first, if any
    answer: Mapped[str] = mapped_column(Text)  # RdapAnswer.as_json(), JSON
    looked_up_at: Mapped[datetime] = mapped_column(UtcDateTime())


class NoticeRow(Base):
    """A notice to a registrar or a host about one confirmed name. One per (alert,
    contact): the same notice never goes twice to the same address."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("alert_id", "recipient_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(253))
    role: Mapped[str] = mapped_column(String(16))  # "registrar" | "host"
    recipient: Mapped[str] = mapped_column(Text, default="")  # organisation name
    recipient_email: Mapped[str] = mapped_column(String(254))
    # drafted -> approved -> sent -> acted | no-response
    state: Mapped[str] = mapped_column(String(16), default="drafted")
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # the readable part, French then English
    xarf: Mapped[str] = mapped_column(Text)  # the X-ARF v4 JSON part
    evidence: Mapped[str] = mapped_column(Text)  # digests cited, JSON
    order_id: Mapped[int | None] = mapped_column(Integer)
    drafted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    drafted_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_id: Mapped[str | None] = mapped_column(String(250))
    sent_file: Mapped[str | None] = mapped_column(Text)  # the bytes sent, under the case dir
    sent_digest: Mapped[str | None] = mapped_column(String(80))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # acted / no response
    outcome_note: Mapped[str] = mapped_column(Text, default="")
