"""Acting from the page against the real things: RDAP servers on the testnet (through the
prober, kept as evidence), a real SMTP server requiring STARTTLS (aiosmtpd), a real BIND 9
primary taking the zone by TSIG-signed updates, and the MISP stand-in PyMISP pushes to.
Every action runs as the logged-in user, through the same act/ functions as the CLI;
what is not configured is said on the page, and refused with the reason if posted."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.rdatatype
import pytest
from fastapi import FastAPI

from revenant.act.channels import Channels, MispPartner, RdapAccess, RpzPrimary
from revenant.evidence.ledger import LEDGER_NAME, read_entries
from revenant.evidence.verify import verify_case
from revenant.store import audit
from revenant.store.accounts import Role, add_user, grant
from revenant.store.notices import get_notice, list_notices
from revenant.store.rdap import answers_for_alert
from revenant.testnet import Testnet
from revenant.web import create_app
from tests.act.dnsservers import ZONE, Server, ask, bind_primary, free_port, make_key
from tests.act.mailserver import Inbox, plain_server, starttls_server
from tests.act.mispserver import KEY, FakeMisp, misp_stand_in
from tests.act.sharing import (
    HOST_ABUSE,
    REGISTRAR_ABUSE,
    World,
    build_world,
    quick_config,
    rdap_bootstrap,
    running_net,
)
from tests.conftest import FakeClock
from tests.web.conftest import BASE, TestClient, login, offline, session_csrf
from tests.web.world import PASSWORD

pytestmark = pytest.mark.slow


@dataclass
class Setup:
    world: World
    clock: FakeClock
    app: FastAPI
    inbox: Inbox
    bind: Server
    key: Path


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


@pytest.fixture(scope="module")
def setup(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("act")
    clock = FakeClock()
    world = build_world(net, root / "data", clock)
    store = world.pipe.store
    for user in ("ana", "bob"):
        add_user(store, user, Role.ANALYST, PASSWORD)
        grant(store, user, "coco")
    key = make_key(root)
    misp_key = root / "misp.key"
    misp_key.write_text(KEY + "\n")
    with (
        starttls_server(root / "smtp") as (smtp, inbox),
        bind_primary(root / "bind", key, notify_port=free_port()) as bind,
        misp_stand_in() as misp_url,
    ):
        outside = Channels(
            smtp=smtp,
            rpz=RpzPrimary(f"127.0.0.1:{bind.port}", key, ZONE),
            misp=MispPartner(misp_url, misp_key),
            rdap=RdapAccess(quick_config(net), rdap_bootstrap(net)),
        )
        app = create_app(world.pipe.settings, store=store, clock=clock, channels=outside)
        yield Setup(world, clock, app, inbox, bind, key)
        world.pipe.close()


def _post(client: TestClient, path: str, **form: str) -> Any:
    data = {**form, "csrf": session_csrf(client)}
    return client.post(path, data=data, headers={"origin": BASE}, follow_redirects=False)


def _ledger_docs(data_dir: Path) -> list[dict[str, Any]]:
    directory = data_dir / "evidence" / "coco"
    docs = []
    for _, _, entry in read_entries(directory / LEDGER_NAME):
        assert not isinstance(entry, Exception)
        if entry.action == "decision":
            docs.append(json.loads((directory / entry.file).read_bytes()))
    return docs


def _contacts(s: Setup, client: TestClient) -> None:
    if not answers_for_alert(s.world.pipe.store, s.world.alert.id):
        assert _post(client, f"/alerts/{s.world.alert.id}/contacts").status_code == 303


def test_the_page_looks_up_who_to_tell_through_the_prober_and_keeps_it_as_evidence(
    setup: Setup,
) -> None:
    ana = login(setup.app, "ana")
    alert = setup.world.alert
    page = ana.get(f"/alerts/{alert.id}")
    assert "Not looked up yet." in page.text and 'action="/alerts/' in page.text
    assert 'id="draft"' not in page.text  # nothing to draft from yet
    assert _post(ana, f"/alerts/{alert.id}/contacts").status_code == 303
    answers = answers_for_alert(setup.world.pipe.store, alert.id)
    assert {a["kind"]: a["abuse_emails"] for a in answers} == {
        "domain": [REGISTRAR_ABUSE],
        "ip": [HOST_ABUSE],
    }
    assert all(a["warc_file"] and a["payload_digest"] for a in answers)
    assert verify_case(setup.world.data_dir, "coco").ok
    (entry,) = audit.entries(setup.world.pipe.store, actor="ana", action=audit.LOOKUP)
    assert entry.subject == f"alert:{alert.id}" and "registrar ok, host ok" in entry.detail
    page = ana.get(f"/alerts/{alert.id}")
    assert REGISTRAR_ABUSE in page.text and HOST_ABUSE in page.text and 'id="draft"' in page.text


def test_the_page_sends_an_approved_notice_once_through_the_real_smtp_server(
    setup: Setup,
) -> None:
    ana, bob = login(setup.app, "ana"), login(setup.app, "bob")
    store, alert = setup.world.pipe.store, setup.world.alert
    _contacts(setup, ana)
    drafted = _post(
        ana,
        f"/alerts/{alert.id}/notices",
        to="registrar",
        from_name="Sophie Martin",
        from_email="pharos@interieur-gouv.test",
    )
    assert drafted.status_code == 303
    (notice,) = [n for n in list_notices(store, case="coco") if n.role == "registrar"]
    assert notice.drafted_by == "ana"
    assert 'id="send"' not in ana.get(f"/notices/{notice.id}").text  # not approved yet
    assert _post(bob, f"/notices/{notice.id}/approve").status_code == 303
    page = ana.get(f"/notices/{notice.id}")
    assert f"Send to {REGISTRAR_ABUSE}" in page.text and "not configured" not in page.text

    assert _post(ana, f"/notices/{notice.id}/send").status_code == 303
    (got,) = setup.inbox.messages
    assert got["tls"] is True and got["to"] == [REGISTRAR_ABUSE]
    sent = get_notice(store, notice.id)
    assert (sent.state, sent.approved_by) == ("sent", "bob")
    doc = [d for d in _ledger_docs(setup.world.data_dir) if d["action"] == "send-notice"][-1]
    assert doc["actor"] == "ana" and doc["message_id"] == sent.message_id
    raw = base64.b64decode(doc["message_base64"])
    assert raw.replace(b"\r\n", b"\n").rstrip() == got["data"].replace(b"\r\n", b"\n").rstrip()
    assert doc["sha256"] == "sha256:" + hashlib.sha256(raw).hexdigest() == sent.sent_digest
    assert verify_case(setup.world.data_dir, "coco").ok
    assert any(
        e.subject == f"notice:{notice.id}" and e.detail.startswith("sent to")
        for e in audit.entries(store, actor="ana", action=audit.DECISION)
    )
    # once: a second send is refused with the reason, and nothing leaves
    again = _post(ana, f"/notices/{notice.id}/send")
    assert again.status_code == 400 and "only an approved notice is sent" in again.text
    assert len(setup.inbox.messages) == 1
    # a viewer of the case may read it, never send it
    add_user(store, "vera", Role.VIEWER, PASSWORD)
    grant(store, "vera", "coco")
    assert _post(login(setup.app, "vera"), f"/notices/{notice.id}/send").status_code == 403


def test_the_page_pushes_the_zone_to_the_real_bind_primary(setup: Setup) -> None:
    ana, bob = login(setup.app, "ana"), login(setup.app, "bob")
    alert = setup.world.alert
    recorded = _post(
        ana,
        "/cases/coco/orders",
        authority="Tribunal judiciaire de Paris",
        reference="RG 26/04711",
        basis="LCEN art. 6-I-8",
        issued=setup.clock().date().isoformat(),
        domains="bavardo.net",
        covers_mirrors="on",
        two_person="on",
    )
    assert recorded.status_code == 303
    order = recorded.headers["location"]
    assert _post(ana, f"{order}/extend", alert=str(alert.id)).status_code == 303
    refused = _post(ana, f"{order}/approve", name=alert.host)  # ana extended it herself
    assert refused.status_code == 400 and "two-person rule" in refused.text
    assert _post(bob, f"{order}/approve", name=alert.host).status_code == 303
    page = ana.get("/cases/coco/orders")
    assert "2 name(s) to put and 0 to remove" in page.text and 'id="push"' in page.text

    assert _post(ana, "/cases/coco/rpz/push").status_code == 303
    for owner in (alert.host, f"*.{alert.host}", "bavardo.net"):
        reply = ask(setup.bind.port, f"{owner}.{ZONE}", "CNAME")
        (rrset,) = reply.answer
        assert rrset.rdtype == dns.rdatatype.CNAME and rrset[0].target.to_text() == "."
    page = ana.get("/cases/coco/orders")
    assert "0 name(s) to put and 0 to remove" in page.text
    assert "4 record(s) put, 0 removed" in page.text  # the push, from the audit log
    (entry,) = audit.entries(setup.world.pipe.store, actor="ana", action=audit.PUSH)
    assert entry.subject == f"zone:127.0.0.1:{setup.bind.port}/{ZONE}"


def test_the_page_pushes_the_misp_event_to_the_partners_misp(setup: Setup) -> None:
    ana = login(setup.app, "ana")
    assert "Push the MISP event to http://127.0.0.1:" in ana.get("/cases/coco").text
    assert _post(ana, "/cases/coco/misp/push", tlp="AMBER").status_code == 303
    sent = FakeMisp.received[-1]
    assert sent["info"].startswith("Revenant case coco")
    assert {t["name"] for t in sent["Tag"]} == {"tlp:amber"}
    assert setup.world.alert.host in json.dumps(sent["Object"])
    (entry,) = [
        e
        for e in audit.entries(setup.world.pipe.store, actor="ana", action=audit.PUSH)
        if e.subject == "case:coco"
    ]
    assert "event 42" in entry.detail and "TLP:AMBER" in entry.detail
    assert "event 42" in ana.get("/cases/coco").text


def _approved_host_notice(s: Setup) -> int:
    """The host's notice of the alert, approved and not sent (drafted if need be)."""
    store = s.world.pipe.store
    ana = login(s.app, "ana")
    _contacts(s, ana)
    found = [n for n in list_notices(store, case="coco") if n.role == "host"]
    if not found:
        _post(
            ana,
            f"/alerts/{s.world.alert.id}/notices",
            to="host",
            from_name="Sophie Martin",
            from_email="pharos@interieur-gouv.test",
        )
        found = [n for n in list_notices(store, case="coco") if n.role == "host"]
    (notice,) = found
    if notice.state == "drafted":
        assert _post(login(s.app, "bob"), f"/notices/{notice.id}/approve").status_code == 303
    assert get_notice(store, notice.id).state == "approved"
    return notice.id


def test_what_is_not_configured_is_said_on_the_page_and_refused_with_the_reason(
    setup: Setup,
) -> None:
    store = setup.world.pipe.store
    notice = _approved_host_notice(setup)
    bare = create_app(setup.world.pipe.settings, store=store, clock=setup.clock, channels=offline())
    ana = login(bare, "ana")
    page = ana.get(f"/notices/{notice}").text
    assert "Sending is not configured on this server" in page
    assert f'action="/notices/{notice}/send"' not in page
    refused = _post(ana, f"/notices/{notice}/send")
    assert refused.status_code == 400 and "sending is not configured" in refused.text
    assert get_notice(store, notice).state == "approved"
    orders = ana.get("/cases/coco/orders").text
    assert "Pushing the zone is not configured" in orders
    assert 'action="/cases/coco/rpz/push"' not in orders
    assert "not configured" in _post(ana, "/cases/coco/rpz/push").text
    case = ana.get("/cases/coco").text
    assert "Pushing to a partner's MISP is not configured" in case
    assert 'action="/cases/coco/misp/push"' not in case
    assert "not configured" in _post(ana, "/cases/coco/misp/push").text


def test_a_failing_server_is_a_clear_error_and_nothing_changes(setup: Setup) -> None:
    store = setup.world.pipe.store
    notice = _approved_host_notice(setup)
    ana_ok = login(setup.app, "ana")
    made = _post(
        ana_ok,
        "/cases/coco/orders",
        authority="Tribunal judiciaire de Paris",
        reference="RG 26/09999",
        basis="LCEN art. 6-I-8",
        issued=setup.clock().date().isoformat(),
        domains="bavardo-autre.net",
    )
    assert made.status_code == 303  # a name the primary does not have yet
    (setup.key.parent / "other").mkdir(exist_ok=True)
    wrong = make_key(setup.key.parent / "other", "not-the-primarys")
    with plain_server() as plain:
        broken = create_app(
            setup.world.pipe.settings,
            store=store,
            clock=setup.clock,
            channels=Channels(
                smtp=plain, rpz=RpzPrimary(f"127.0.0.1:{setup.bind.port}", wrong, ZONE)
            ),
        )
        ana = login(broken, "ana")
        refused = _post(ana, f"/notices/{notice}/send")
        assert (
            refused.status_code == 400 and "does not offer STARTTLS; nothing sent" in refused.text
        )
        assert get_notice(store, notice).state == "approved"
        pushed = _post(ana, "/cases/coco/rpz/push")
    assert pushed.status_code == 400 and "refused TSIG key" in pushed.text
    assert "nothing pushed" in pushed.text
    assert not ask(setup.bind.port, f"bavardo-autre.net.{ZONE}", "CNAME").answer
    assert "1 name(s) to put" in ana_ok.get("/cases/coco/orders").text
