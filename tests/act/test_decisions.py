from __future__ import annotations

import json

import pytest

from revenant.act.decisions import alert_state, decide
from revenant.errors import DecisionRefused, UsageError
from revenant.evidence.verify import verify_case
from revenant.evidence.wacz import export_wacz, verify_wacz
from revenant.store.alerts import list_alerts
from revenant.store.decisions import list_decisions
from revenant.store.ledger import mirrored_entries
from tests.act.conftest import World


def test_confirm_writes_a_document_and_a_ledger_entry_that_verify_checks(world: World) -> None:
    alert_id = world.alert("coco2.fr")
    done = decide(
        world.store,
        world.data,
        alert_id,
        "confirm",
        actor="alice",
        comment="same Telegram",
        clock=world.clock,
    )
    assert (done.previous, done.alert.state) == ("open", "confirmed")
    doc_path = world.data / "evidence" / "coco" / done.decision.document
    doc = json.loads(doc_path.read_text())
    assert doc["action"] == "confirm" and doc["actor"] == "alice"
    assert doc["comment"] == "same Telegram" and doc["alert"]["host"] == "coco2.fr"
    assert doc["alert"]["sentence"].startswith("These observations")
    assert doc["alert"]["score"]["contributions"][0]["feature"] == "telegram:coco_news"
    entries = list(mirrored_entries(world.store, "coco"))
    assert [(e.action, e.actor, e.file) for e in entries] == [
        ("decision", "alice", done.decision.document)
    ]
    assert entries[0].hash == done.decision.ledger_hash
    (row,) = list_decisions(world.store, case="coco")
    assert (row.action, row.subject, row.name) == ("confirm", f"alert:{alert_id}", "coco2.fr")
    report = verify_case(world.data, "coco", expected=entries)
    assert report.ok, report.findings


def test_a_changed_missing_or_unledgered_decision_is_a_finding(world: World) -> None:
    a, b = world.alert("coco2.fr"), world.alert("coco3.fr")
    first = decide(world.store, world.data, a, "confirm", actor="alice", clock=world.clock)
    second = decide(world.store, world.data, b, "dismiss", actor="bob", clock=world.clock)
    folder = world.data / "evidence" / "coco"
    changed = folder / first.decision.document
    changed.write_bytes(changed.read_bytes().replace(b"alice", b"mallo"))
    (folder / second.decision.document).unlink()
    (folder / "decisions" / "forged.json").write_text("{}")
    problems = {f.problem for f in verify_case(world.data, "coco").findings}
    assert problems == {
        "decision document of entry 0 changed",
        "decision document of entry 1 is missing",
        "decision is not in the ledger",
    }


def test_needs_more_requires_a_comment_and_records_it(world: World) -> None:
    alert_id = world.alert("coco2.fr")
    with pytest.raises(UsageError, match="what more is needed"):
        decide(world.store, world.data, alert_id, "needs-more", actor="alice")
    done = decide(
        world.store,
        world.data,
        alert_id,
        "needs-more",
        actor="alice",
        comment="capture the login page",
        clock=world.clock,
    )
    assert done.alert.state == "needs-more"
    assert list_alerts(world.store)[0].state == "needs-more"


def test_deciding_the_same_state_twice_is_refused_and_records_nothing(world: World) -> None:
    alert_id = world.alert("coco2.fr")
    decide(world.store, world.data, alert_id, "confirmed", actor="alice", clock=world.clock)
    with pytest.raises(DecisionRefused, match="already confirmed"):
        decide(world.store, world.data, alert_id, "confirm", actor="bob", clock=world.clock)
    assert len(list_decisions(world.store)) == 1


def test_unknown_alert_decision_word_or_actor_is_a_usage_error(world: World) -> None:
    alert_id = world.alert("coco2.fr")
    with pytest.raises(UsageError, match="one of confirm, dismiss"):
        alert_state("maybe")
    with pytest.raises(UsageError, match="no alert with id 99"):
        decide(world.store, world.data, 99, "confirm", actor="alice")
    with pytest.raises(UsageError, match="actor"):
        decide(world.store, world.data, alert_id, "confirm", actor=" \n")
    assert not list_decisions(world.store)
    assert not (world.data / "evidence" / "coco" / "decisions").exists() or not any(
        (world.data / "evidence" / "coco" / "decisions").iterdir()
    )


def test_a_wacz_of_a_case_with_decisions_verifies(world: World) -> None:
    # The case needs a WARC of its own to export: a reference capture filed under it.
    from tests.evidence.conftest import make_capture

    world.pipe.record(make_capture(1), case="coco")
    alert_id = world.alert("coco2.fr")
    decide(world.store, world.data, alert_id, "confirm", actor="alice", clock=world.clock)
    out = export_wacz(world.data, "coco", world.data / "coco.wacz", clock=world.clock)
    report = verify_wacz(out, data_dir=world.data)
    assert report.ok, report.findings
