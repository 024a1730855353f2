"""fingerprint/kinds.py: one table of feature kinds, and no extractor outside it."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from revenant.fingerprint import extract
from revenant.fingerprint.kinds import (
    DEFAULT_PRIOR_N,
    IDENTIFIER_KINDS,
    KINDS,
    LOOKUP_KINDS,
    UNKNOWN,
    kind,
    unseen_prior,
)

scenario = pytest.importorskip("revenant.testnet.scenario")


_IDS = (
    "gtag('config','UA-1234567-2'); gtag('config','G-AB12CD34EF'); GTM-K9X2ZQ; AW-123456789;"
    " ca-pub-1234567890123456; ym(12345678, 'init'); fbq('init', '1234567890123');"
    " hjid:1234567; var _paq=[];var u='//stats.papoti.fr/';"
    "_paq.push(['setTrackerUrl', u+'matomo.php']);_paq.push(['setSiteId', '7']);"
    " new WebSocket('wss://papoti.fr/ws/chat'); fetch('/api/v1/rooms');"
)
_TEXT = (
    "Dons : 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed "
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A "
    "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9 TJRabPrwbZy45sbavfcjinPJC18kjpRTv8 "
    "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion admin@papoti.fr "
    "+33 6 12 34 56 78 t.me/papotichat discord.gg/papoti wa.me/33612345678 "
    "signal.me/#p/papotichat1 le tchat gratuit et anonyme sans inscription depuis 2010"
)


def _every_family() -> set[str]:
    """Kinds extracted from a page carrying one of each identifier, wallet, form,
    endpoint and text, plus scenario sites (headers, cookies, TLS, DNS, favicons)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "eval_match", Path(__file__).resolve().parents[2] / "bench" / "eval_match.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_match"] = module
    spec.loader.exec_module(module)
    sc = scenario.generate(7, reemergences=4, decoys=12, background=40)
    rng = random.Random(7)
    found = {f.kind for s in sc.sites for f in extract(module.site_capture(s, rng)).features}
    page = (
        "<html><head><title>Papoti</title><meta name=generator content='OpenTchat 2'>"
        f"<script>{_IDS}</script><script src='/static/app.3f9a1c7e.js'></script>"
        "<script src='https://cdn.example.net/lib.js'></script></head><body>"
        f"<p>{_TEXT}</p><form action='/login' method=post><input name=pseudo>"
        "<input name=age></form><a href='https://partner.example.org/'>x</a>"
        "<a href='https://discord.gg/papoti'>d</a><a href='https://wa.me/33612345678'>w</a>"
        "<a href='https://signal.me/#p/papotichat1'>s</a></body></html>"
    ).encode()
    capture = module.page_capture("https://papoti.fr/", page)
    found |= {f.kind for f in extract(capture).features}
    return found


def test_every_kind_an_extractor_emits_is_in_the_table() -> None:
    emitted = _every_family()
    assert len(emitted) > 35
    missing = emitted - set(KINDS)
    assert not missing, f"kinds emitted but missing from fingerprint/kinds.py: {missing}"
    assert {k.name for k in KINDS.values() if k.extracted and k.identifier} - emitted <= {"pgp"}


def test_rows_are_consistent() -> None:
    for name, row in KINDS.items():
        assert row.name == name and row.label
        assert (row.group is None) == row.identifier, name  # identifiers stand alone
        assert math.isinf(row.cap) or row.cap_reason, f"{name}: a cap needs its reason"
        assert row.prior_n > 0 and row.prior_words
        assert not row.tracker or row.identifier
    assert {"ga", "btc", "telegram", "email"} <= IDENTIFIER_KINDS
    assert {"favicon_mmh3", "spki", "endpoint"} <= LOOKUP_KINDS
    assert kind("favicon_sha256").operator == kind("favicon_mmh3").operator == "favicon"


def test_an_unknown_kind_is_capped_low_never_a_crash() -> None:
    assert kind("no-such-kind") is UNKNOWN
    assert UNKNOWN.cap <= 4.0 and not UNKNOWN.identifier


@pytest.mark.parametrize(
    ("line", "one_in"),
    [
        ("skip to main content", 32),
        ("from around the web today", 64),
        ("we will only send you related information", 256),
        ("le tchat gratuit et anonyme sans inscription depuis 2010", 256),
    ],
)
def test_a_short_line_of_text_is_taken_as_more_common(line: str, one_in: int) -> None:
    prior = unseen_prior("text", line)
    assert prior.n + 2 == one_in and prior.n <= DEFAULT_PRIOR_N
    assert prior.words.startswith("a line of")


def test_server_stacks_and_shared_infrastructure_have_low_priors() -> None:
    for name in ("hhhash", "server", "powered_by", "asn"):
        assert unseen_prior(name, "x").n + 2 == 16
    for name in ("ns", "mx", "net"):
        assert unseen_prior(name, "x").n + 2 == 64
    assert unseen_prior("ga", "UA-1-1").n + 2 == 65_536


def _kind_literals_compared_in(path: Path) -> set[str]:
    """String constants that code compares with a feature's kind (`f.kind == "x"`,
    `kind_name in ("x", "y")`): a typo there would silently change scores."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        if not any(
            (isinstance(s, ast.Attribute) and s.attr == "kind")
            or (isinstance(s, ast.Name) and s.id == "kind_name")
            for s in sides
        ):
            continue
        for side in sides:
            values = side.elts if isinstance(side, ast.Tuple | ast.Set | ast.List) else [side]
            found |= {
                v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            }
    return found


def test_every_kind_the_code_compares_with_is_in_the_table() -> None:
    src = Path(__file__).resolve().parents[2] / "src" / "revenant"
    paths = [
        *sorted((src / "match").glob("*.py")),
        src / "fingerprint" / "kinds.py",
        src / "pipeline.py",
    ]
    used = set().union(*(_kind_literals_compared_in(p) for p in paths))
    assert {"asset_url", "generator", "link_host", "text"} <= used  # the scan sees them
    assert used <= set(KINDS), (
        f"kinds compared in code but missing from the table: {used - set(KINDS)}"
    )
