from __future__ import annotations

import pytest

from revenant.errors import UsageError
from revenant.model import Score, Verdict
from revenant.store.alerts import list_alerts, raise_alert, set_alert_state
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
