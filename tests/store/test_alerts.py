from __future__ import annotations

from datetime import datetime

import pytest

from revenant.errors import UsageError
from revenant.model import Capture, Exchange, Outcome, Score, Verdict
from revenant.store.alerts import (
    decisions_on,
    list_alerts,
    raise_alert,
    set_alert_state,
    undecided_alert_captures,
)
from revenant.store.captures import save_capture
from revenant.store.cases import create_case


def _score(target: str, bits: float) -> Score:
    return Score(target=target, case="coco", bits=bits, verdict=Verdict.REEMERGENCE)


def test_raising_twice_for_one_host_updates_instead_of_duplicating(store, clock) -> None:
    case = create_case(store, "coco", ["coco.gg"])
    assert case.id is not None
    with store.session() as s:
        first, new1 = raise_alert(
            s, case.id, _score("https://coco2.fr/", 40), capture_id=None, now=clock()
        )
    with store.session() as s:
        second, new2 = raise_alert(
            s, case.id, _score("http://COCO2.fr/x", 55), capture_id=None, now=clock()
        )
    assert (new1, new2) == (True, False)
    assert first == second
    (alert,) = list_alerts(store, case="coco")
    assert alert.bits == 55


def test_an_analysts_decision_survives_a_rescore(store, clock) -> None:
    case = create_case(store, "coco", ["coco.gg"])
    assert case.id is not None
    with store.session() as s:
        alert_id, _ = raise_alert(s, case.id, _score("coco2.fr", 40), capture_id=None, now=clock())
    with store.session() as s:
        set_alert_state(s, alert_id, "confirmed", now=clock())
    with store.session() as s:
        raise_alert(s, case.id, _score("coco2.fr", 41), capture_id=None, now=clock())
    assert list_alerts(store)[0].state == "confirmed"


def test_unknown_decision_is_a_usage_error(store, clock) -> None:
    with pytest.raises(UsageError, match="one of open, confirmed, dismissed"), store.session() as s:
        set_alert_state(s, 1, "maybe", now=clock())


def test_decisions_on_a_host_name_each_case_s_alert_state(store, clock) -> None:
    coco = create_case(store, "coco", ["coco.gg"])
    other = create_case(store, "other", ["other.gg"])
    assert coco.id is not None and other.id is not None
    with store.session() as s:
        first, _ = raise_alert(s, coco.id, _score("coco2.fr", 40), capture_id=None, now=clock())
        raise_alert(s, other.id, _score("coco2.fr", 20), capture_id=None, now=clock())
        set_alert_state(s, first, "dismissed", now=clock())
    assert decisions_on(store, "COCO2.fr") == {"coco": "dismissed", "other": "open"}
    assert decisions_on(store, "elsewhere.fr") == {}


def test_undecided_alert_captures_are_those_of_open_and_needs_more_alerts(store, clock) -> None:
    case = create_case(store, "coco", ["coco.gg"])
    assert case.id is not None
    when = clock()
    ids = {}
    for n, state in enumerate(("open", "needs-more", "confirmed", "dismissed")):
        cid = save_capture(store, _capture(f"m{n}.fr", when))
        with store.session() as s:
            alert_id, _ = raise_alert(s, case.id, _score(f"m{n}.fr", 40), capture_id=cid, now=when)
            set_alert_state(s, alert_id, state, now=when)
        ids[state] = cid
    with store.session() as s:  # an alert without a capture (raised by hand) is skipped
        raise_alert(s, case.id, _score("nocapture.fr", 40), capture_id=None, now=when)
    assert undecided_alert_captures(store) == [ids["open"], ids["needs-more"]]


def _capture(host: str, when: datetime) -> Capture:
    page = Exchange(
        role="page", url=f"https://{host}/", started=when, outcome=Outcome.OK, status=200
    )
    return Capture(f"https://{host}/", host, when, when, Outcome.OK, exchanges=(page,))
