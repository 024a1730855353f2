"""Fixtures of the prober tests: one testnet holding the hostile corpus and a few
ordinary sites, and a probe configuration that may reach only that testnet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from revenant.demo import probe_config_for
from revenant.probe import Bounds, ProbeConfig
from revenant.testnet import Page, Record, SiteSpec, Testnet
from revenant.testnet.hostile import hostile_sites

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
HOME = b"""<!DOCTYPE html><html><head><title>Coco</title>
<link rel="icon" href="/static/icon.png">
<link rel="stylesheet" href="/static/site.css">
<script src="/static/app.js"></script>
<script src="https://cdn.elsewhere.test/lib.js"></script>
</head><body><h1>Coco</h1></body></html>"""

ORDINARY = (
    SiteSpec(
        names=("coco.test", "www.coco.test"),
        pages=(
            Page("/", HOME),
            Page("/static/icon.png", PNG, content_type="image/png"),
            Page("/static/site.css", b"body{color:red}", content_type="text/css"),
            Page("/static/app.js", b"var coco=1;", content_type="application/javascript"),
        ),
        dns=(Record("MX", "10 mail.coco.test"), Record("NS", "ns1.coco.test")),
        gzip=True,
    ),
    SiteSpec(names=("hop.test",), redirects=(("/", "https://coco.test/"),)),
    SiteSpec(names=("xn--caf-dma.test",), pages=(Page("/", b"<html>caf\xc3\xa9</html>"),)),
    SiteSpec(names=("plain.test",), pages=(Page("/", b"<html>plain</html>"),), https=False),
    # A name whose DNS answer points out of the testnet: the policy must refuse it.
    SiteSpec(names=("rebind.test",), dns=(Record("A", "127.0.0.1"),)),
)

_FORMATTING = b"b big code em font i s small strike strong tt u".split()
TREE_BUILDER = {
    # pages that drive Lexbor's tree construction without limit (under the 2 MB body bound)
    "stray-end-tags.test": b"<div></i>" * 200_000,
    "ignored-end-tags.test": b"<div><table></div></table>" * 69_000,
    "copied-attribute.test": b'<p><a href="' + b"A" * 50_000 + b'">' + b"<p>a" * 200_000,
    "reconstructed.test": (
        b"<div>" + b"".join(b"<%s>" % n * 3 for n in _FORMATTING) + b"</div>"
        + b"<p>x</p>" * 200_000
    ),
}  # fmt: skip
"""Each served at / of its name, with a favicon and a script the page names (unread)."""

TREE_SITES = tuple(
    SiteSpec(
        names=(name,),
        pages=(
            Page("/", b'<title>t</title><script src="/app.js"></script>' + body),
            Page("/favicon.ico", PNG, content_type="image/x-icon"),
            Page("/app.js", b"var x=1;", content_type="application/javascript"),
        ),
    )
    for name, body in TREE_BUILDER.items()
)


@pytest.fixture(scope="session")
def net() -> Iterator[Testnet]:
    with Testnet((*hostile_sites(), *ORDINARY, *TREE_SITES), seed=4) as running:
        yield running


def config_for(net: Testnet, **bounds: float) -> ProbeConfig:
    """A configuration reaching only `net`, with short bounds so tests stay quick."""
    defaults: dict[str, float] = {"connect": 3, "read": 3, "exchange": 5, "total": 15}
    defaults.update(bounds)
    return replace(probe_config_for(net), bounds=Bounds(**defaults))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def config(net: Testnet) -> ProbeConfig:
    return config_for(net)
