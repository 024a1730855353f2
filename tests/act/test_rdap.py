"""RDAP: the shipped IANA bootstrap, lookups through the prober against registry and RIR
servers on loopback (RFC 9083 answers, redacted and broken ones too), evidence written."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from revenant.act.rdap import Bootstrap, RdapOutcome, lookup, read_answer, who_to_tell
from revenant.errors import BadInput
from revenant.evidence.verify import verify_case
from revenant.evidence.warc import open_case_log
from revenant.model import Capture, Exchange, Outcome
from revenant.store.rdap import answers_for_alert
from revenant.testnet import Testnet
from tests.act.sharing import (
    BLOCK,
    HOST_ABUSE,
    REGISTRAR,
    REGISTRAR_ABUSE,
    World,
    build_world,
    fresh_log,
    quick_config,
    rdap_bootstrap,
    running_net,
)


@pytest.fixture(scope="module")
def net() -> Iterator[Testnet]:
    yield from running_net()


def _lookup(net: Testnet, kind: str, query: str, **kw: object):  # type: ignore[no-untyped-def]
    from revenant.probe import Prober

    async def run():  # type: ignore[no-untyped-def]
        async with Prober(kw.pop("config", None) or quick_config(net)) as prober:  # type: ignore[arg-type]
            return await lookup(prober, rdap_bootstrap(net), kind, query, **kw)  # type: ignore[arg-type]

    return asyncio.run(run())


# ------------------------------------------------------------------ bootstrap


def test_shipped_iana_bootstrap_names_the_real_servers() -> None:
    boot = Bootstrap.shipped()
    assert boot.domain_servers("example.com")[0] == "https://rdap.verisign.com/com/v1/"
    assert boot.domain_servers("bavardo.fr")[0].startswith("https://rdap.nic.fr")
    assert "rdap.db.ripe.net" in boot.ip_servers("193.0.6.139")[0]
    assert "rdap.arin.net" in boot.ip_servers("8.8.8.8")[0]
    assert "rdap.db.ripe.net" in boot.asn_servers(3333)[0]
    assert boot.publication["dns"] == "2026-07-23T02:00:03Z"


def test_https_servers_are_preferred_and_the_longest_label_wins() -> None:
    boot = Bootstrap.from_registries(
        {
            "dns": {
                "services": [
                    [["net"], ["http://plain.test/", "https://tls.test/"]],
                    [["co.net"], ["https://sub.test/"]],
                ]
            }
        }
    )
    assert boot.domain_servers("a.net") == ("https://tls.test/", "http://plain.test/")
    assert boot.domain_servers("x.co.net") == ("https://sub.test/",)
    assert boot.domain_servers("x.org") == ()


@pytest.mark.parametrize(
    "doc",
    [[], {"services": "x"}, {"services": [["net"]]}, {"services": [[["net"], [5]]]}],
)
def test_a_malformed_bootstrap_is_bad_input(doc: object) -> None:
    with pytest.raises(BadInput, match="RDAP bootstrap dns"):
        Bootstrap.from_registries({"dns": doc})


# --------------------------------------------------------------------- lookups


def test_domain_lookup_finds_the_registrar_and_its_nested_abuse_contact(
    net: Testnet, tmp_path: Path
) -> None:
    with open_case_log(tmp_path, "coco") as log:
        answer = _lookup(net, "domain", "bavard0.net", evidence=log)
    assert answer.outcome is RdapOutcome.OK, answer.reason
    assert answer.holder == REGISTRAR and answer.holder_id == "4242"
    assert answer.abuse_emails == (REGISTRAR_ABUSE,)
    assert answer.abuse_phones == ("+33.100000000",)
    assert "Registrant Email" in " ".join(answer.redacted)
    # The exchange is evidence: WARC records plus ledger entries, and it verifies.
    assert answer.warc_file and Path(answer.warc_file).is_file()
    assert answer.payload_digest.startswith("sha256:")
    report = verify_case(tmp_path, "coco")
    assert report.ok and report.records >= 3


def test_ip_lookup_finds_the_network_its_abuse_contact_and_origin_as(net: Testnet) -> None:
    mirror_ip = net.address_of("bavard0.net")
    answer = _lookup(net, "ip", mirror_ip)
    assert answer.outcome is RdapOutcome.OK, answer.reason
    assert answer.holder == "Hebergeur Lointain Ltd"
    assert answer.network == f"127.{BLOCK}.0.0/16" and answer.country == "MD"
    assert answer.abuse_emails == (HOST_ABUSE,) and answer.asns == (64512,)


@pytest.mark.parametrize(
    ("query", "outcome", "why"),
    [
        (
            "silent.net",
            RdapOutcome.NO_ABUSE_CONTACT,
            "no abuse e-mail address for registrar 'Registrar Muet'",
        ),
        ("redacted.org", RdapOutcome.NO_ABUSE_CONTACT, "no abuse e-mail address"),
        ("unknown.net", RdapOutcome.NOT_FOUND, "HTTP 404"),
        ("notjson.org", RdapOutcome.MALFORMED, "not JSON"),
        ("array.org", RdapOutcome.MALFORMED, "JSON list, not an object"),
        ("nohandle.org", RdapOutcome.MALFORMED, "not an RDAP domain"),
        ("partial.org", RdapOutcome.NO_ABUSE_CONTACT, "no abuse e-mail address"),
        ("error.org", RdapOutcome.FAILED, "HTTP 500"),
        ("bavardo.example", RdapOutcome.NO_SERVER, "no RDAP server for TLD .example"),
    ],
)
def test_broken_partial_and_silent_answers_end_in_a_clear_outcome(
    net: Testnet, query: str, outcome: RdapOutcome, why: str
) -> None:
    answer = _lookup(net, "domain", query)
    assert answer.outcome is outcome
    assert why in answer.reason


def test_the_address_policy_applies_to_rdap_servers(net: Testnet) -> None:
    no_loopback = replace(quick_config(net), allow=())
    answer = _lookup(net, "domain", "bavard0.net", config=no_loopback)
    assert answer.outcome is RdapOutcome.FAILED
    assert "refused" in answer.reason and "loopback" in answer.reason


def test_a_refused_body_is_never_read_as_an_answer() -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 11, 1, tzinfo=UTC)
    page = Exchange(
        "page",
        "https://r.test/domain/x.net",
        when,
        Outcome.REFUSED,
        "content type image/png is never downloaded",
        status=200,
    )
    capture = Capture(
        "https://r.test/domain/x.net", "r.test", when, when, Outcome.REFUSED, exchanges=(page,)
    )
    answer = read_answer("domain", "x.net", page.url, capture)
    assert answer.outcome is RdapOutcome.FAILED and "never downloaded" in answer.reason


# ------------------------------------------------------------------ recipients


@pytest.fixture(scope="module")
def world(net: Testnet, tmp_path_factory: pytest.TempPathFactory) -> World:
    from tests.conftest import FakeClock

    return build_world(net, tmp_path_factory.mktemp("world"), FakeClock())


def test_who_to_tell_keeps_both_answers_with_the_case_as_evidence(world: World) -> None:
    async def run():  # type: ignore[no-untyped-def]
        async with world.prober() as prober:
            return await who_to_tell(
                prober,
                world.rdap,
                world.pipe.store,
                world.alert,
                evidence=fresh_log(world),
                clock=world.pipe.clock,
            )

    found = asyncio.run(run())
    assert found.registrar.abuse_emails == (REGISTRAR_ABUSE,)
    assert found.network.abuse_emails == (HOST_ABUSE,)
    assert found.asns == (64512,)
    kept = answers_for_alert(world.pipe.store, world.alert.id)
    assert [a["kind"] for a in kept] == ["domain", "ip"]
    assert kept[0]["query"] == "bavard0.net"
    assert verify_case(world.data_dir, "coco").ok
