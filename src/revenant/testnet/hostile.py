"""The hostile corpus: one site per `Hostile` behaviour (and one per bad certificate),
named <behaviour>.hostile.test, for testing that a prober stays safe and bounded."""

from __future__ import annotations

from revenant.testnet.sites import CertSpec, Hostile, Page, SiteSpec

DOMAIN = "hostile.test"

_HOME = Page("/", b"<!DOCTYPE html><html><head><title>ok</title></head><body>ok</body></html>")

_PARAMS = {Hostile.REDIRECT_TO: "http://127.0.0.1:9/"}

_CERTS = {
    "expired-cert": CertSpec(expired=True),
    "self-signed-cert": CertSpec(self_signed=True),
    "wrong-name-cert": CertSpec(wrong_name=True),
}


def hostile_name(kind: Hostile | str) -> str:
    """The name of the corpus site for a behaviour (or a bad-certificate variant)."""
    return f"{kind}.{DOMAIN}"


def hostile_sites(redirect_target: str = "") -> tuple[SiteSpec, ...]:
    """One site per behaviour plus expired, self-signed and wrong-name certificates.

    REDIRECT_TO points at `redirect_target` (default a loopback address outside any
    testnet block, which a prober's address policy must refuse)."""
    sites = []
    for kind in Hostile:
        param = redirect_target or _PARAMS.get(kind, "") if kind is Hostile.REDIRECT_TO else ""
        sites.append(
            SiteSpec(
                names=(hostile_name(kind),),
                pages=(_HOME,),
                hostile=kind,
                hostile_param=param,
                label="hostile",
                operator="hostile",
                headers=(("Server", "nginx"),),
            )
        )
    for variant, cert in _CERTS.items():
        sites.append(
            SiteSpec(
                names=(hostile_name(variant),),
                pages=(_HOME,),
                cert=cert,
                hostile=Hostile.BAD_CERT,
                label="hostile",
                operator="hostile",
                headers=(("Server", "nginx"),),
            )
        )
    return tuple(sites)
