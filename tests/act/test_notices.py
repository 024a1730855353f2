"""Notices: drafted from RDAP contacts, approved, sent over STARTTLS to a real SMTP server
(aiosmtpd) on loopback, parsed on arrival and checked element by element; never twice to
one contact; every step in the custody ledger; closed as acted or without response."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from revenant.act.decisions import decide
from revenant.act.notice_text import Notifier
from revenant.act.notices import approve, draft, review, send_notice
from revenant.act.orders import add_order, extend
from revenant.act.rdap import who_to_tell
from revenant.act.smtp import SmtpServer
from revenant.act.xarf import validate
from revenant.errors import DecisionRefused, FetchFailed
from revenant.evidence.ledger import LEDGER_NAME, read_entries
from revenant.evidence.verify import verify_case
from revenant.store.notices import get_notice, list_notices
from revenant.store.rdap import answers_for_alert
from revenant.store.rechecks import add_recheck
from revenant.testnet import Testnet
from tests.act.mailserver import Inbox, plain_server, starttls_server
from tests.act.sharing import (
    HOST_ABUSE,
    REGISTRAR_ABUSE,
    World,
    build_world,
    fresh_log,
    running_net,
)
from tests.conftest import FakeClock

NOTIFIER = Notifier("Sophie Martin", "pharos@interieur-gouv.test", "OFAC, Police nationale")


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


def _world(net: Testnet, tmp: Path) -> World:
    w = build_world(net, tmp, FakeClock())

    async def contacts() -> None:
        async with w.prober() as prober:
            await who_to_tell(
                prober,
                w.rdap,
                w.pipe.store,
                w.alert,
                evidence=fresh_log(w),
                clock=w.pipe.clock,
            )

    asyncio.run(contacts())
    return w


@pytest.fixture(scope="module")
def world(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    return _world(net, tmp_path_factory.mktemp("notices"))


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SmtpServer, Inbox]]:
    with starttls_server(tmp_path_factory.mktemp("smtp")) as running:
        yield running


@pytest.fixture(scope="module")
def plain_smtp() -> Iterator[SmtpServer]:
    with plain_server() as running:
        yield running


def _draft(w: World, roles: list[str] = ["registrar", "host"]):  # type: ignore[no-untyped-def]  # noqa: B006
    return draft(
        w.pipe.store,
        w.data_dir,
        w.alert.id,
        answers_for_alert(w.pipe.store, w.alert.id),
        roles=roles,
        notifier=NOTIFIER,
        actor="analyst-a",
        case_domains=w.case.domains,
        clock=w.pipe.clock,
    )


def _ledger_docs(w: World) -> list[dict[str, Any]]:
    """Every decision document the case's ledger holds, in order."""
    directory = w.data_dir / "evidence" / "coco"
    docs = []
    for _, _, entry in read_entries(directory / LEDGER_NAME):
        assert not isinstance(entry, Exception)
        if entry.action == "decision":
            docs.append(json.loads((directory / entry.file).read_bytes()))
    return docs


def test_a_notice_goes_to_each_abuse_contact_and_is_delivered_with_every_element(
    world: World, smtp: tuple[SmtpServer, Inbox]
) -> None:
    server, inbox = smtp
    made = _draft(world)
    assert made.skipped == ()
    by_role = {n.role: n for n in made.notices}
    assert by_role["registrar"].recipient_email == REGISTRAR_ABUSE
    assert by_role["host"].recipient_email == HOST_ABUSE
    notice = by_role["registrar"]
    assert notice.state == "drafted"

    # Not before approval; approval is a recorded decision.
    with pytest.raises(DecisionRefused, match="only an approved notice is sent"):
        send_notice(
            world.pipe.store,
            world.data_dir,
            notice.id,
            server,
            actor="analyst-b",
            clock=world.pipe.clock,
        )
    approved = approve(
        world.pipe.store, world.data_dir, notice.id, actor="analyst-b", clock=world.pipe.clock
    )
    assert approved.state == "approved" and approved.approved_by == "analyst-b"

    sent = send_notice(
        world.pipe.store,
        world.data_dir,
        notice.id,
        server,
        actor="analyst-b",
        clock=world.pipe.clock,
    )
    assert sent.state == "sent" and sent.message_id
    (got,) = inbox.messages
    assert got["tls"] is True  # STARTTLS before any data
    assert got["to"] == [REGISTRAR_ABUSE] and got["from"] == NOTIFIER.email

    msg = BytesParser(policy=policy.default).parsebytes(got["data"])
    assert isinstance(msg, EmailMessage)
    assert str(msg["Message-ID"]).strip() == sent.message_id
    assert msg["To"] == REGISTRAR_ABUSE and NOTIFIER.email in msg["From"]
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    # DSA Art. 16(2): exact URL, reasons, notifier's name and e-mail, good faith (no order here).
    assert "Article 16" in text and "Regulation (EU) 2022/2065" in text
    assert "https://bavard0.net" in text
    assert "re-emergence of the seized platform" in text and "bits of evidence" in text
    assert "Sophie Martin" in text and NOTIFIER.email in text
    assert "states in good faith" in text and "déclare de bonne foi" in text
    assert "[FR]" in text and "[EN]" in text
    # Evidence digests: WARC records with their ledger entries, the ledger head.
    evidence = sent.evidence
    records = evidence["capture"]["records"]
    assert records and all(r["digest"] in text for r in records)
    assert evidence["ledger_head"] in text
    assert "revenant verify coco" in text
    # The X-ARF part: attached, valid X-ARF v4, carrying the same digests.
    (part,) = [p for p in msg.iter_attachments() if p.get_filename() == "xarf-report.json"]
    report = json.loads(part.get_content())
    validate(report)
    assert report["source_identifier"] == "bavard0.net"
    assert report["reporter"]["contact"] == NOTIFIER.email
    carried = json.loads(base64.b64decode(report["evidence"][0]["payload"]))
    assert carried["capture"]["records"] == records

    # The bytes sent and the Message-ID are in the ledger, and the evidence verifies.
    sent_doc = [d for d in _ledger_docs(world) if d["action"] == "send-notice"][-1]
    raw = base64.b64decode(sent_doc["message_base64"])
    assert raw.replace(b"\r\n", b"\n").rstrip() == got["data"].replace(b"\r\n", b"\n").rstrip()
    assert sent_doc["sha256"] == "sha256:" + hashlib.sha256(raw).hexdigest() == sent.sent_digest
    assert sent_doc["message_id"] == sent.message_id and sent_doc["actor"] == "analyst-b"
    assert sent_doc["smtp_reply"].startswith("250")
    actions = [d["action"] for d in _ledger_docs(world) if d["subject"]["kind"] == "notice"]
    assert actions[:3] == ["draft-notice", "draft-notice", "approve-notice"]
    assert verify_case(world.data_dir, "coco").ok

    # Never twice to the same contact: no second send, no second draft.
    with pytest.raises(DecisionRefused, match="is sent"):
        send_notice(
            world.pipe.store,
            world.data_dir,
            notice.id,
            server,
            actor="analyst-b",
            clock=world.pipe.clock,
        )
    again = _draft(world)
    assert again.notices == ()
    assert any("already has notice" in s for s in again.skipped)
    assert len(inbox.messages) == 1


def test_a_server_without_starttls_gets_nothing_and_the_notice_stays_approved(
    world: World, plain_smtp: SmtpServer
) -> None:
    host_notice = next(n for n in list_notices(world.pipe.store) if n.role == "host")
    if host_notice.state == "drafted":
        approve(
            world.pipe.store,
            world.data_dir,
            host_notice.id,
            actor="analyst-b",
            clock=world.pipe.clock,
        )
    with pytest.raises(FetchFailed, match="does not offer STARTTLS; nothing sent"):
        send_notice(
            world.pipe.store,
            world.data_dir,
            host_notice.id,
            plain_smtp,
            actor="analyst-b",
            clock=world.pipe.clock,
        )
    assert get_notice(world.pipe.store, host_notice.id).state == "approved"


def test_review_closes_a_notice_as_acted_when_a_recheck_finds_the_site_down(
    world: World, smtp: tuple[SmtpServer, Inbox]
) -> None:
    server, _ = smtp
    host_notice = next(n for n in list_notices(world.pipe.store) if n.role == "host")
    if get_notice(world.pipe.store, host_notice.id).state == "drafted":
        approve(
            world.pipe.store,
            world.data_dir,
            host_notice.id,
            actor="analyst-b",
            clock=world.pipe.clock,
        )
    send_notice(
        world.pipe.store,
        world.data_dir,
        host_notice.id,
        server,
        actor="analyst-b",
        clock=world.pipe.clock,
    )
    clock = world.pipe.clock
    clock.advance(hours=30)  # type: ignore[attr-defined]
    with world.pipe.store.session() as session:
        add_recheck(
            session,
            world.alert.id,
            capture_id=None,
            state="down",
            detail="NXDOMAIN",
            bits=None,
            at=clock(),
        )
    closed = review(world.pipe.store, world.data_dir, days=14, clock=clock)
    states = {n.role: n.state for n in closed}
    assert states == {"registrar": "acted", "host": "acted"}
    note = next(n.outcome_note for n in closed if n.role == "host")
    assert "found bavard0.net down (NXDOMAIN)" in note and "30.0 h after" in note
    assert verify_case(world.data_dir, "coco").ok


def test_review_closes_a_notice_without_effect_as_no_response_after_n_days(
    net: Testnet, tmp_path: Path, smtp: tuple[SmtpServer, Inbox]
) -> None:
    server, _ = smtp
    w = _world(net, tmp_path)
    (n,) = _draft(w, ["registrar"]).notices
    approve(w.pipe.store, w.data_dir, n.id, actor="analyst-b", clock=w.pipe.clock)
    send_notice(w.pipe.store, w.data_dir, n.id, server, actor="analyst-b", clock=w.pipe.clock)
    clock = w.pipe.clock
    clock.advance(days=3)  # type: ignore[attr-defined]
    assert review(w.pipe.store, w.data_dir, days=7, clock=clock) == []
    clock.advance(days=5)  # type: ignore[attr-defined]
    (closed,) = review(w.pipe.store, w.data_dir, days=7, clock=clock)
    assert closed.state == "no-response" and "in the 7 day(s)" in closed.outcome_note


def test_under_an_order_the_notice_carries_its_authority_reference_and_basis(
    net: Testnet, tmp_path: Path
) -> None:
    w = _world(net, tmp_path)
    store, clock = w.pipe.store, w.pipe.clock
    order = add_order(
        store,
        w.data_dir,
        "coco",
        authority="Tribunal judiciaire de Paris",
        reference="RG 24/01234",
        basis="article 6-3 de la loi n° 2004-575 (LCEN)",
        issued=clock().date() - timedelta(days=30),
        expires=None,
        domains=["bavardo.net"],
        covers_mirrors=True,
        actor="prosecutor",
        clock=clock,
    ).order
    # A confirmation made again by someone else is what the extension cites.
    decide(store, w.data_dir, w.alert.id, "dismiss", actor="analyst-a", clock=clock)
    decide(store, w.data_dir, w.alert.id, "confirm", actor="analyst-a", clock=clock)
    extend(store, w.data_dir, order.id, w.alert.id, actor="analyst-a", clock=clock)
    # Once the case has been packaged, a notice cites the package's digest too.
    from revenant.evidence.wacz import export_wacz
    from revenant.store.ledger import StoreMirror

    package = export_wacz(
        w.data_dir, "coco", tmp_path / "coco.wacz", clock=clock,
        mirror=StoreMirror(store, "coco"),
    )  # fmt: skip
    digest = "sha256:" + hashlib.sha256(package.read_bytes()).hexdigest()
    (n,) = _draft(w, ["host"]).notices
    assert f"WACZ package: coco.wacz {digest}" in n.body
    assert n.evidence["wacz"]["digest"] == digest
    assert n.order_id == order.id
    for element in (
        "Tribunal judiciaire de Paris",
        "RG 24/01234",
        "article 6-3",
        "Legal basis:",
        "Fondement juridique",
    ):
        assert element in n.body
    assert "added to this order as a mirror" in n.body
    assert "Article 16" not in n.body and "good faith" not in n.body
    assert n.subject.startswith("RG 24/01234:")
    assert "legal:court-order" in n.xarf["tags"]


def test_an_unconfirmed_alert_gets_no_notice(net: Testnet, tmp_path: Path) -> None:
    w = _world(net, tmp_path)
    decide(w.pipe.store, w.data_dir, w.alert.id, "dismiss", actor="analyst-a", clock=w.pipe.clock)
    with pytest.raises(DecisionRefused, match="only a confirmed re-emergence is noticed"):
        _draft(w)


def test_notice_cli_drafts_approves_sends_lists_and_reviews(
    net: Testnet, tmp_path: Path, smtp: tuple[SmtpServer, Inbox]
) -> None:
    from typer.testing import CliRunner

    from revenant.cli import app

    server, inbox = smtp
    w = _world(net, tmp_path)
    runner = CliRunner()
    data = ["--data-dir", str(w.data_dir)]

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [*data, *args])

    no_notifier = run("notice", "draft", str(w.alert.id), "--to", "registrar")
    assert (
        no_notifier.exit_code == 2
        and "a name and an e-mail address are needed" in no_notifier.stderr
    )
    drafted = run(
        "notice", "draft", str(w.alert.id), "--to", "registrar",
        "--from-name", "Sophie Martin", "--from-email", "pharos@interieur-gouv.test",
        "--actor", "analyst-a", "--json",
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    (made,) = json.loads(drafted.stdout)["drafted"]
    assert made["to"] == REGISTRAR_ABUSE and made["state"] == "drafted"
    shown = run("notice", "show", str(made["id"]))
    assert "Article 16" in shown.stdout and "[FR]" in shown.stdout
    assert run("notice", "approve", str(made["id"]), "--actor", "analyst-b").exit_code == 0
    sent = run(
        "notice", "send", str(made["id"]), "--smtp", f"{server.host}:{server.port}",
        "--smtp-ca-file", str(server.ca_file), "--actor", "analyst-b",
    )  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert f"sent notice #{made['id']} to {REGISTRAR_ABUSE}" in sent.stdout
    assert inbox.messages[-1]["to"] == [REGISTRAR_ABUSE]
    again = run("notice", "send", str(made["id"]), "--smtp", f"{server.host}:{server.port}")
    assert again.exit_code == 1 and "only an approved notice is sent, and once" in again.stderr
    listed = json.loads(run("notice", "list", "--json").stdout)
    assert [(n["id"], n["state"]) for n in listed] == [(made["id"], "sent")]
    reviewed = run("notice", "review", "--days", "14")
    assert reviewed.exit_code == 0 and "no sent notice changed state" in reviewed.stdout
    bad = run("notice", "list", "--state", "lost")
    assert bad.exit_code == 2 and "notice state 'lost'" in bad.stderr


def test_a_notice_quotes_nothing_above_amber_and_a_restricted_case_gets_none(
    net: Testnet, tmp_path: Path
) -> None:
    from revenant.model import Feature, Tlp
    from revenant.store.cases import set_case_tlp, set_feature_tlp

    w = _world(net, tmp_path)
    set_feature_tlp(w.pipe.store, "coco", Feature("ga", "G-BAVARD042"), Tlp.RED)
    (n,) = _draft(w, ["registrar"]).notices
    assert "G-BAVARD042" not in n.body and "G-BAVARD042" not in json.dumps(n.xarf)
    assert "1 further observation(s) not quoted here: their TLP level is above AMBER" in n.body
    assert "bc1qjeg92p5fpvyancqjlw6e9xtvt6w35y2ahmwnqa" in n.body  # AMBER: quoted
    set_case_tlp(w.pipe.store, "coco", Tlp.AMBER_STRICT)
    with pytest.raises(DecisionRefused, match=r"TLP:AMBER\+STRICT: a notice goes outside"):
        _draft(w, ["host"])
