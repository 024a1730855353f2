"""The alert queue's query: order, filters (case, verdict, state, source), paging,
access by case, and what is new since an id."""

from __future__ import annotations

from datetime import UTC, datetime

from revenant.model import Candidate, Score, Source, Verdict
from revenant.store import Store, audit
from revenant.store.alert_queue import (
    DIRECT,
    QueueFilter,
    fresh_alerts,
    queue_page,
    sources,
    state_counts,
)
from revenant.store.alerts import raise_alert
from revenant.store.cases import create_case
from revenant.store.queue import enqueue

T = datetime(2026, 11, 1, tzinfo=UTC)


def _alerts(store: Store) -> dict[str, int]:
    a = create_case(store, "a", ["a.example"])
    b = create_case(store, "b", ["b.example"])
    enqueue(store, [Candidate("ct-found.example", Source.CT, T, "log 1")])
    made = {}
    with store.session() as s:
        for case, host, bits, verdict in (
            (a, "ct-found.example", 40.0, Verdict.REEMERGENCE),
            (a, "hand.example", 20.0, Verdict.PROBABLE),
            (a, "top.example", 55.0, Verdict.REEMERGENCE),
            (b, "other.example", 90.0, Verdict.REEMERGENCE),
        ):
            assert case.id is not None
            made[host], _ = raise_alert(
                s,
                case.id,
                Score(f"https://{host}/", case.name, bits, verdict),
                capture_id=None,
                now=T,
            )
    return made


def test_highest_score_first_filtered_and_paged(store: Store) -> None:
    ids = _alerts(store)
    page = queue_page(store, QueueFilter(), cases=None, limit=2)
    assert [r.host for r in page.rows] == ["other.example", "top.example"] and page.more
    rest = queue_page(store, QueueFilter(), cases=None, offset=2, limit=2)
    assert [r.host for r in rest.rows] == ["ct-found.example", "hand.example"] and not rest.more
    only = queue_page(store, QueueFilter(case="a", verdict="probable"), cases=None)
    assert [r.id for r in only.rows] == [ids["hand.example"]]
    by_source = queue_page(store, QueueFilter(source="ct"), cases=None)
    assert [(r.host, r.source) for r in by_source.rows] == [("ct-found.example", "ct")]
    direct = queue_page(store, QueueFilter(source=DIRECT), cases=None)
    assert "ct-found.example" not in {r.host for r in direct.rows}
    assert set(sources(store)) == {"ct", DIRECT}
    assert queue_page(store, QueueFilter(state="confirmed"), cases=None).rows == []


def test_only_the_cases_given_are_listed_and_counted(store: Store) -> None:
    _alerts(store)
    with store.session() as s:
        from sqlalchemy import select

        from revenant.store.schema import CaseRow

        a_id = s.scalar(select(CaseRow.id).where(CaseRow.name == "a"))
    assert a_id is not None
    rows = queue_page(store, QueueFilter(), cases={a_id}).rows
    assert {r.case for r in rows} == {"a"}
    assert state_counts(store, cases={a_id}) == {"open": 3}
    assert queue_page(store, QueueFilter(), cases=set()).rows == []


def test_fresh_alerts_are_those_raised_after_an_id(store: Store) -> None:
    ids = _alerts(store)
    after = ids["top.example"]
    assert [r.host for r in fresh_alerts(store, QueueFilter(), cases=None, after=after)] == [
        "other.example"
    ]


def test_audit_counts_failed_logins_since_the_last_success(store: Store) -> None:
    for minute, action in (
        (1, audit.LOGIN_FAILED),
        (2, audit.LOGIN_FAILED),
        (3, audit.LOGIN),
        (4, audit.LOGIN_FAILED),
    ):
        audit.record(
            store,
            time=T.replace(minute=minute),
            actor="",
            action=action,
            subject="user:x",
            address="192.0.2.1",
        )
    assert audit.failed_logins(store, since=T, account="x") == 1
    assert audit.failed_logins(store, since=T, address="192.0.2.1") == 3
    assert [e.action for e in audit.entries(store, limit=2)] == [audit.LOGIN_FAILED, audit.LOGIN]
